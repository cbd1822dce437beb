"""Cleaning: character normalisation, repeated paragraphs, site chrome, boilerplate and titles."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.core.errors import SkipFile
from rag.ingest.clean import Cleaned, clean_article, normalize
from rag.ingest.load import RawArticle, read_article
from rag.text.sentences import sentence_spans

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = SEEDS / "000_5979d52e6de91143.txt"
SEED_003 = SEEDS / "003_a3108b83e1705bc7.txt"
SEED_004 = SEEDS / "004_62933566e88b2052.txt"
TITLE_000 = "Iran's Foreign Minister Says Omani-Mediated Talks with US Were a 'Good Start'"
TITLE_003 = (
    "Tensions between Iran and the US remained high after a round of talks in Oman failed to "
    "offer any significant..."
)
TITLE_004 = "Iran Calls Oman Talks with U.S. a 'Good Beginning,' Signals More Dialogue Ahead"


def clean_seed(path: Path) -> Cleaned:
    return clean_article(read_article(path, 20_000_000), fallback_title=path.stem)


def body_lines(path: Path) -> list[str]:
    return [normalize(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- normalize ---------------------------------------------------------------------------------


def test_normalize_punctuation_and_whitespace():
    raw = "\u201cHi\u201d\u00a0there \u2014 it\u2019s\t\tfine\u2026  \r\n\r\n\r\n\x07end\u200b  "
    assert normalize(raw) == "\"Hi\" there - it's fine...\n\nend"


def test_normalize_dashes_and_spaces():
    assert normalize("2015\u20132016, \u22123\u00b0C, a\u2003b") == "2015-2016, -3\u00b0C, a b"
    assert normalize("framework\u2014one") == "framework - one"
    assert normalize("  lead\n   indented  \n\n\n\n\ntail\f") == "lead\nindented\n\ntail"


def test_normalize_keeps_zero_width_joiners_used_in_persian():
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert normalize(persian) == persian


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert "\r" not in once and "\n\n\n" not in once


# --- seeds -------------------------------------------------------------------------------------


def test_seed_000_every_paragraph_once():
    cleaned = clean_seed(SEED_000)
    assert cleaned.title == TITLE_000
    assert cleaned.publisher is None
    paragraphs = cleaned.text.split("\n\n")
    assert paragraphs[0] == TITLE_000
    assert len(paragraphs) == 6  # headline + 5 paragraphs, each printed twice in the file
    for line in body_lines(SEED_000):
        assert cleaned.text.count(line) == 1, line


def test_seed_003_title_is_the_shortened_first_sentence():
    cleaned = clean_seed(SEED_003)
    assert cleaned.title == TITLE_003
    assert cleaned.text.startswith(TITLE_003.removesuffix("..."))
    assert cleaned.text.count(TITLE_003.removesuffix("...")) == 1
    assert len(cleaned.text.split("\n\n")) == 8
    for line in body_lines(SEED_003):
        assert cleaned.text.count(line) == 1, line


def test_seed_004_drops_site_chrome_and_repeated_headline():
    cleaned = clean_seed(SEED_004)
    assert cleaned.title == TITLE_004
    assert cleaned.publisher == "DailyBeat"
    assert cleaned.text.startswith(TITLE_004 + "\n\nFresh Diplomatic Effort Amid Strained Relations\n\n")
    assert cleaned.text.count(TITLE_004) == 1
    for chrome in ("DailyBeat", "India's Largest Digital News Media", "Spread the love"):
        assert chrome not in cleaned.text
    for heading in ("Constructive Tone but Cautious Expectations", "Global Attention on Next Steps"):
        assert f"\n\n{heading}\n\n" in cleaned.text
    assert "framework - one" in cleaned.text and "\u2019" not in cleaned.text
    assert cleaned.text.endswith("laid the groundwork for potential future diplomacy.")


# --- synthetic articles ------------------------------------------------------------------------

LEDE = "Oman hosted a second round of indirect talks between Iran and the United States on Saturday."
SECOND = "The Omani foreign minister carried messages between delegations sitting in separate rooms."


def test_boilerplate_lines_are_dropped():
    text = "\n\n".join(
        [
            "Talks resume in Muscat",
            "Share on Facebook",
            LEDE,
            "Advertisement",
            "Read more: Iran says talks were useful",
            "We use cookies to improve your experience. Accept all cookies",
            SECOND,
            "Follow us on Twitter",
            "Subscribe to our newsletter",
            "Click here to sign up",
            "Copyright 2025 Gulf Ledger. All rights reserved.",
        ]
    )
    cleaned = clean_article(RawArticle(text=text), "fallback")
    assert cleaned.text == f"Talks resume in Muscat\n\n{LEDE}\n\n{SECOND}"


def test_near_duplicate_paragraph_is_dropped_but_different_one_kept():
    edited = LEDE.replace("Saturday", "Sunday")
    other = "Iran's supreme leader said on Sunday that negotiations were not a sign of weakness or trust."
    cleaned = clean_article(RawArticle(text=f"Talks resume\n{LEDE}\n{edited}\n{other}\n{LEDE.upper()}"), "x")
    assert cleaned.text == f"Talks resume\n\n{LEDE}\n\n{other}"


def test_given_title_drops_chrome_above_it_and_its_repeat():
    text = f"Gulf Ledger\n\nTalks resume in Muscat\n\n{LEDE}\n\nTalks resume in Muscat\n\n{SECOND}"
    raw = RawArticle(text=text, title="Talks resume in Muscat", publisher="The Gulf Ledger")
    cleaned = clean_article(raw, "x")
    assert cleaned == Cleaned(
        title="Talks resume in Muscat",
        text=f"Talks resume in Muscat\n\n{LEDE}\n\n{SECOND}",
        publisher="The Gulf Ledger",
    )


def test_given_title_missing_from_text_is_prepended():
    cleaned = clean_article(RawArticle(text=f"{LEDE}\n\n{SECOND}", title="Muscat  talks\n"), "x")
    assert cleaned.text == f"Muscat talks\n\n{LEDE}\n\n{SECOND}"


def test_short_first_sentence_paragraph_becomes_the_headline():
    cleaned = clean_article(RawArticle(text=f"Will Iran and the US strike a deal?\n{LEDE}"), "x")
    assert cleaned.title == "Will Iran and the US strike a deal?"
    assert cleaned.text == f"Will Iran and the US strike a deal?\n\n{LEDE}"


def test_hard_wrapped_lines_are_joined():
    text = (
        "Talks resume\n\nOman hosted a second round of indirect talks between the two\n"
        "countries on Saturday, officials said, and both sides\nagreed to meet again.\n"
        "Iran's foreign minister called it a good start."
    )
    cleaned = clean_article(RawArticle(text=text), "x")
    assert cleaned.text.split("\n\n")[1:] == [
        "Oman hosted a second round of indirect talks between the two countries on Saturday, "
        "officials said, and both sides agreed to meet again.",
        "Iran's foreign minister called it a good start.",
    ]


def test_fallback_title_when_no_headline_or_usable_sentence():
    body = "Yes. " + LEDE + " " + SECOND
    cleaned = clean_article(RawArticle(text=body), fallback_title="muscat_talks")
    assert cleaned.title == "muscat_talks"
    assert cleaned.text == body


def test_only_boilerplate_is_skipped():
    with pytest.raises(SkipFile, match="no article text left after cleaning"):
        clean_article(RawArticle(text="Share this\n\nAdvertisement\n\n***\n\nDailyBeat"), "x")


# --- sentences ---------------------------------------------------------------------------------


def test_sentence_spans_respect_abbreviations_and_lines():
    text = 'Mr. Smith flew to the U.S. on Monday. He said "talks went well." 3 aides left!\nNew line'
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Smith flew to the U.S. on Monday.",
        'He said "talks went well."',
        "3 aides left!",
        "New line",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab Iran talks.?!\n\u2019\u2014#*-"), max_size=300), st.booleans())
def test_any_text_is_cleaned_or_skipped(text, with_title):
    raw = RawArticle(text=text, title="Iran talks" if with_title else None)
    try:
        cleaned = clean_article(raw, "fallback")
    except SkipFile:
        return
    paragraphs = cleaned.text.split("\n\n")
    assert cleaned.title and "\n" not in cleaned.title
    assert all(p and "\n" not in p.strip("\n") for p in paragraphs)
    assert cleaned.title not in paragraphs[1:]
    assert cleaned.text == normalize(cleaned.text)
