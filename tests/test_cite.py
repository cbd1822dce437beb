"""Citation checking on fixed news text (excerpts of seeds/): splitting, markers, support, verify."""
from __future__ import annotations

import pytest

from rag.answer.cite import SUPPORT_THRESHOLD, Verification, support, verify
from rag.core.types import Source
from rag.text.markers import parse_markers, strip_markers
from rag.text.sentences import split_sentences
from rag.text.words import content_words, key_terms

GOOD_START = (
    "Iran's Foreign Minister Says Omani-Mediated Talks with US Were a 'Good Start'\n"
    "Despite the deep-seated mistrust between the two nations, indirect talks between Iran and the US, "
    'facilitated by Oman, have been deemed a "good start" by Iranian officials.\n'
    "Critics, however, caution against complacency, warning that any progress will require sustained "
    "efforts to rebuild trust and confidence between the two nations."
)
ENVOYS = (
    "Tensions between Iran and the US remained high after a round of talks in Oman failed to offer any "
    "significant breakthroughs or a clear path forward for negotiations.\n"
    "The indirect talks, which were mediated by Oman, brought together senior officials from both "
    "countries, including Iranian Foreign Minister Abbas Araghchi and US special envoy Steve Witkoff. "
    'While Araghchi described the discussions as "positive," he also emphasized that there was still a '
    "climate of mistrust between the two sides.\n"
    "Iran has long been wary of US intentions, particularly following the Trump administration's "
    "withdrawal from the 2015 nuclear deal and its imposition of new sanctions on Tehran."
)
MUSCAT = (
    "Iran has termed its recent negotiations with the United States in Oman as a “good beginning,” "
    "signalling cautious optimism about reviving diplomatic engagement between the two nations. "
    "The talks, held in Muscat on April 12, 2025 with Omani mediation, come at a time of heightened "
    "tensions over Iran’s nuclear programme.\n"
    "The primary focus of the negotiations was Iran’s nuclear activities. Iranian negotiators reiterated "
    "their readiness to discuss uranium enrichment levels and nuclear monitoring mechanisms."
)
QUESTION = "What happened at the talks between Iran and the US in Oman?"


def _source(n: int, text: str) -> Source:
    half = len(text) // 2
    return Source(n=n, doc_id=f"doc{n}", title=text.split("\n")[0][:60], text=text,
                  chunk_ids=(f"doc{n}:0", f"doc{n}:1"), chunk_starts=(0, half))


SOURCES = (_source(1, GOOD_START), _source(2, ENVOYS), _source(3, MUSCAT))


def _check(answer: str, question: str = QUESTION) -> Verification:
    return verify(answer, SOURCES, question)


# --- split_sentences -------------------------------------------------------------------------

def test_split_keeps_abbreviations_and_decimals_inside_sentences():
    text = ("U.S. special envoy Steve Witkoff met Mr. Araghchi in Muscat. Oil rose 2.5 percent, "
            "e.g. in Asia. Dr. Smith agreed.")
    assert split_sentences(text) == [
        "U.S. special envoy Steve Witkoff met Mr. Araghchi in Muscat.",
        "Oil rose 2.5 percent, e.g. in Asia.",
        "Dr. Smith agreed.",
    ]


def test_split_after_us_when_a_new_sentence_starts():
    assert split_sentences("Iran met the U.S. The talks ended.") == ["Iran met the U.S.", "The talks ended."]


def test_split_gives_markers_after_the_period_to_the_sentence_before():
    text = "The talks were a good start. [1] Witkoff attended.[2][3] Oman mediated [Source 2]."
    assert split_sentences(text) == [
        "The talks were a good start. [1]",
        "Witkoff attended.[2][3]",
        "Oman mediated [Source 2].",
    ]


def test_split_treats_lines_and_bullets_as_boundaries():
    text = "Key points:\n- Oman mediated the talks\n* Witkoff attended [2]\n[3]\n1. No deal was signed"
    assert split_sentences(text) == [
        "Key points:", "Oman mediated the talks", "Witkoff attended [2]\n[3]", "No deal was signed",
    ]


def test_split_keeps_closing_quotes_and_questions():
    text = 'He said "this is a good start." Will talks resume? Yes!'
    assert split_sentences(text) == ['He said "this is a good start."', "Will talks resume?", "Yes!"]


# --- markers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Oman mediated [1].", [1]),
    ("Oman mediated [1][2].", [1, 2]),
    ("Oman mediated [1, 2].", [1, 2]),
    ("Oman mediated [1,2,3] and [2].", [1, 2, 3]),
    ("Oman mediated [Source 1].", [1]),
    ("Oman mediated [source 1, 2].", [1, 2]),
    ("Oman mediated [Sources 3 and 1].", [3, 1]),
    ("Oman mediated 【1】.", [1]),
    ("Oman mediated [1-3].", [1, 2, 3]),
    ("Oman mediated [citation needed].", []),
    ("The [2015] deal.", []),
    ("No marker [0] here.", []),
])
def test_parse_markers(text, expected):
    assert parse_markers(text) == expected


def test_strip_markers_tidies_spaces_and_punctuation():
    assert strip_markers("Oman mediated [1][2] , said [Source 3] Araghchi [1, 2] .") == \
        "Oman mediated, said Araghchi."


# --- words and key terms ---------------------------------------------------------------------

def test_content_words_drop_stopwords_and_fold_plurals_and_possessives():
    words = content_words("Witkoff's talks with the US were about the sanctions")
    assert words == {"witkoff", "talk", "us", "sanction"}


def test_key_terms_are_numbers_dates_names_and_acronyms():
    terms = key_terms("The talks with U.S. envoy Steve Witkoff took place on April 12, 2025, "
                      "with three rounds, 20% progress and the IAEA.")
    assert {"2025", "12", "april", "3", "20", "us", "steve", "witkoff", "iaea"} <= terms
    assert "the" not in terms and "talks" not in terms


def test_key_terms_skip_the_sentence_start():
    assert key_terms("Negotiators met in Muscat.") == {"muscat"}


# --- support ---------------------------------------------------------------------------------

def test_support_quotes_the_matching_source_sentence():
    score, quote = support("Araghchi described the discussions as positive.", ENVOYS)
    assert score >= SUPPORT_THRESHOLD
    assert quote == ('While Araghchi described the discussions as "positive," he also emphasized that '
                     "there was still a climate of mistrust between the two sides.")


def test_support_matches_word_forms_by_prefix():
    score, _ = support("The talks were mediated by Oman.", MUSCAT)  # source: "Omani mediation"
    assert score == 1.0


def test_support_is_capped_when_a_number_is_missing():
    good, _ = support("The talks in Muscat were held in 2025.", MUSCAT)
    bad, _ = support("The talks in Muscat were held in 2019.", MUSCAT)
    assert good >= SUPPORT_THRESHOLD > bad


def test_support_ignores_words_that_repeat_the_question():
    sentence = "Iran and the US held talks in Oman on trade."
    assert support(sentence, GOOD_START)[0] >= SUPPORT_THRESHOLD
    assert support(sentence, GOOD_START, QUESTION)[0] < SUPPORT_THRESHOLD  # only "trade" is new


# --- verify ----------------------------------------------------------------------------------

def test_supported_sentence_keeps_its_citation():
    v = _check("Iranian officials called the talks facilitated by Oman a good start [1].")
    assert v.sentences[0].citations == (1,) and v.sentences[0].supported
    assert v.text == "Iranian officials called the talks facilitated by Oman a good start [1]."
    assert v.supported_share == 1.0
    (cite,) = v.citations
    assert (cite.n, cite.doc_id, cite.verified) == (1, "doc1", True)
    assert "good start" in cite.quote


def test_wrong_year_loses_its_citation():
    v = _check("The talks were held in Muscat with Omani mediation in 2019 [3].")  # source: 2025
    assert v.sentences[0].citations == () and not v.sentences[0].supported
    assert "[3]" not in v.text
    assert [(c.n, c.verified) for c in v.citations] == [(3, False)]


def test_wrong_source_is_replaced_by_the_right_one():
    v = _check("US special envoy Steve Witkoff met Iranian Foreign Minister Abbas Araghchi [1].")
    assert v.sentences[0].citations == (2,)
    assert v.text.endswith("Abbas Araghchi [2].")
    assert {(c.n, c.verified) for c in v.citations} == {(2, True), (1, False)}


def test_uncited_supported_sentence_gains_a_citation():
    v = _check("Iran has been wary since the Trump administration withdrew from the 2015 nuclear deal.")
    assert v.sentences[0].citations == (2,)
    assert v.text.endswith("2015 nuclear deal [2].")
    assert "2015 nuclear deal" in v.citations[0].quote


def test_invented_knowledge_is_unsupported():
    v = _check("Paris is the capital of France [1].")
    assert not v.sentences[0].supported
    assert v.text == "Paris is the capital of France."
    assert v.supported_share == 0.0


def test_text_holds_only_verified_markers():
    answer = ("The talks were held in Muscat with Omani mediation [3]. Paris is the capital of "
              "France [2]. Witkoff and Araghchi attended [1][2]. The deal was signed in 1999 [7].")
    v = _check(answer)
    assert v.text == ("The talks were held in Muscat with Omani mediation [3]. Paris is the capital of "
                      "France. Witkoff and Araghchi attended [2]. The deal was signed in 1999.")
    shown = {n for s in split_sentences(v.text) for n in parse_markers(s)}
    assert shown == {c.n for c in v.citations if c.verified} == {2, 3}
    assert [c.n for c in v.citations if not c.verified] == [1]  # [7] names no source: dropped
    assert v.supported_share == pytest.approx(2 / 4)


def test_citation_points_at_the_chunk_holding_the_quote():
    v = _check("Iran has been wary of US intentions since the 2015 nuclear deal [2].")
    (cite,) = v.citations
    assert ENVOYS.index("Iran has long been wary") >= SOURCES[1].chunk_starts[1]
    assert cite.chunk_id == "doc2:1"


def test_meta_and_short_sentences_do_not_count():
    v = _check("Yes. The sources do not mention the date of the next round. Oman mediated the talks [3].")
    assert v.supported_share == 1.0
    assert [s.supported for s in v.sentences] == [False, False, True]


def test_marker_only_answer_supports_nothing():
    v = _check("[2]")
    assert v.supported_share == 0.0
    assert not any(s.supported for s in v.sentences)
    assert v.text == ""
    assert all(not c.verified for c in v.citations)


def test_empty_answer_and_no_sources():
    assert _check("") == Verification("", (), (), 0.0, answers=False)  # nothing fills the asked slot
    v = verify("Oman mediated the talks [1].", [], QUESTION)
    assert v.text == "Oman mediated the talks."
    assert v.citations == () and v.supported_share == 0.0


def test_line_breaks_and_bullets_survive_rendering():
    v = _check("Summary:\n- Oman mediated the talks [2]\n- Paris is in France [1]")
    assert v.text == "Summary:\n- Oman mediated the talks [2]\n- Paris is in France"


def test_verify_is_deterministic():
    answer = "Witkoff and Araghchi attended [1]. The talks were a good start."
    assert _check(answer) == _check(answer)


def test_naming_which_source_says_it_and_not_only_and_until_are_no_claims():
    # saved default-model answers (bench/results/eval-{rgb,wikinews}-qwen1.5b-2026-11-29.json)
    src = Source(1, "d", "", "2010 FIFA World Cup South Africa. Runner-up: Netherlands. Winner: Spain.", ("c",))
    v = verify("The runner-up of the 2010 World Cup was the Netherlands, as indicated in the first source [1].",
               [src], "Who was the runner-up of the 2010 World Cup?")
    assert v.sentences[0].supported and "first source" not in v.text
    src = Source(1, "d", "", "Sears' fate won't be known until he is sentenced Jan. 21, but the public suggestion "
                 "that he could face a relatively light term prompted speculation.", ("c",))
    assert verify("Michael Sears will be sentenced on January 21 [1].", [src], "When will Michael Sears be sentenced?"
                  ).sentences[0].supported
    src = Source(1, "d", "", "Mr Pollmann said that the screensaver had been downloaded more than 20,000 times in the "
                 "last four days. \"There's a huge user demand to not only filter spam day-by-day but to do something "
                 "more,\" he said.", ("c",))
    assert verify("The anti-spam screensaver was downloaded more than 20,000 times in the last four days [1].", [src],
                  "How many times had the Lycos anti-spam screensaver been downloaded?").sentences[0].supported
