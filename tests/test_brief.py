"""Briefings: per-article digests (map), the cross-article brief (reduce), rendering and trimming.

The end-to-end tests use the tiny real model, so they check structure and invariants (every shown
citation is verified and names a listed source, the cache saves every model call), not wording.
Extraction, grouping, rendering, cache keys and request routing are checked on fixed inputs.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from conftest import tiny_settings

from rag.answer import cite
from rag.answer.assistant import Assistant
from rag.briefing.brief import brief, cited_doc_ids, fit_words, group_facts, sentence_counts, to_json, word_count
from rag.briefing.digest import Digest, Fact, cache_key, cache_path, digest, extractive_facts, parse_facts, verify_facts
from rag.briefing.evidence import names_in
from rag.briefing.extract import find_open_questions, find_people, find_quotes
from rag.briefing.render import render_digest_markdown, render_markdown
from rag.core.errors import EmptyIndexError, QuestionError, UnknownSourceError
from rag.core.prompts import Prompts
from rag.core.types import Brief, BriefSource, Contrast, DocRecord, Point, Said
from rag.desk import NewsDesk, open_index

SEEDS = ("000_5979d52e6de91143", "003_a3108b83e1705bc7", "004_62933566e88b2052")
SECTIONS = ("## Summary", "## Key points", "## Where the sources agree", "## Where the sources differ",
            "## Who said what", "## Open questions", "## Sources")


class CountingLLM:
    """The real model behind the same interface, counting generation calls."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0
        self.name, self.n_ctx = inner.name, inner.n_ctx

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float) -> Iterator[str]:
        self.calls += 1
        yield from self.inner.stream(messages, max_tokens, temperature, timeout_s)


def fresh(tiny_assistant: Assistant, workspace: Path) -> Assistant:
    """The seeded index and tiny model with an empty cache and a call counter."""
    s = tiny_assistant.settings.replace(workspace=workspace)
    return Assistant(s, tiny_assistant.index, CountingLLM(tiny_assistant.llm), tiny_assistant.prompts)


@pytest.fixture(scope="module")
def briefed(tiny_assistant, tmp_path_factory):
    """One cold brief over the seeds (digests and model replies now cached), with its progress log."""
    a = fresh(tiny_assistant, tmp_path_factory.mktemp("brief-ws"))
    steps: list[tuple[int, int, str]] = []
    b = brief(a, progress=lambda done, total, label: steps.append((done, total, label)))
    return a, b, a.llm.calls, steps


def article(a: Assistant, doc_id: str) -> str:
    return a.index.store.get_document(doc_id).text


# end to end with the tiny model --------------------------------------------------------------
def test_brief_over_the_seeds_is_complete_and_every_citation_checks_out(briefed):
    a, b, calls, steps = briefed
    assert calls >= 3  # one digest per article at least
    md = render_markdown(b)
    assert md.startswith("# ") and all(md.count(h + "\n") == 1 for h in SECTIONS)
    assert [md.index(h) for h in SECTIONS] == sorted(md.index(h) for h in SECTIONS)
    assert [s.doc_id for s in b.sources] == list(SEEDS) and [s.n for s in b.sources] == [1, 2, 3]
    listed = {s.n: s.doc_id for s in b.sources}
    body = md.split("## Sources")[0]
    assert set(int(n) for n in re.findall(r"\[(\d+)\]", body)) <= set(listed)
    points = [*b.summary, *b.key_points, *b.agree, *(p for c in b.differ for p in c.sides), *b.open_questions]
    assert b.key_points and len(b.key_points) <= 8
    for p in points:  # every shown citation: a listed source whose article supports the sentence
        assert p.cites and all(listed[n] == d for n, d in zip(p.cites, p.doc_ids))
        for d in p.doc_ids:
            assert cite.support(p.text, article(a, d))[0] >= cite.SUPPORT_THRESHOLD, (p.text, d)
    for s in b.said:
        assert listed[s.cite] == s.doc_id and s.sentence in " ".join(article(a, s.doc_id).split())
    for p in b.agree:
        assert len(set(p.doc_ids)) >= 2
    # the mediator and both lead officials are named, whatever the model's facts leave out
    named = " ".join(p.text for p in (*b.summary, *b.key_points))
    assert all(name in named for name in ("Oman", "Abbas Araghchi", "Steve Witkoff"))
    # the seeds' real divergence (missiles on the agenda vs outside the scope) is found without the model
    assert any(len(c.sides) == 2 and all("missile" in p.text for p in c.sides) for c in b.differ)
    total, verified = sentence_counts(b)
    assert total == verified > 0 and set(cited_doc_ids(b)) <= set(SEEDS)
    assert [d for d, _, _ in steps] == sorted(d for d, _, _ in steps) and steps[-1][:2] == (steps[-1][1],) * 2


def test_second_brief_hits_the_cache_and_respects_the_word_bound(briefed):
    a, first, _, _ = briefed
    before = a.llm.calls
    again = brief(a)
    assert a.llm.calls == before and render_markdown(again) == render_markdown(first)
    short = brief(a, words=120)
    assert a.llm.calls == before and word_count(short) <= 120
    md = render_markdown(short)
    assert all(h in md for h in SECTIONS) and len(short.sources) == 3
    data = to_json(short)
    assert data["words"] == word_count(short) and data["sentences"] == data["verified_sentences"]
    assert [s["doc_id"] for s in data["sources"]] == list(SEEDS)
    summary = digest(a, a.index.documents()[SEEDS[2]])  # `rag summarize` reuses the brief's digest
    assert a.llm.calls == before and summary.facts
    for f in summary.facts:
        assert cite.support(f.text, article(a, SEEDS[2]))[0] >= cite.SUPPORT_THRESHOLD and f.quote
    text = render_digest_markdown(summary)
    assert text.startswith("# ") and "## Key facts" in text and "## Source" in text


def test_a_topic_narrows_the_sources_and_bad_input_is_refused(briefed, tiny_assistant, embedder, tmp_path):
    a, _, _, _ = briefed
    b = brief(a, topic="Omani mediation of the talks", words=250)
    assert b.topic and b.sources and {s.doc_id for s in b.sources} <= set(SEEDS)
    with pytest.raises(QuestionError, match="no article is about"):
        brief(a, topic="football world cup")
    desk = NewsDesk(a.settings, index=a.index, llm=a.llm)
    with pytest.raises(UnknownSourceError, match="unknown source id.*the closest: 000_5979d52e6de91143"):
        desk.brief(doc_ids=["000_5979d52e6de9114"])
    with pytest.raises(UnknownSourceError):
        desk.summarize("nope")
    s = tiny_settings(tmp_path / "empty")
    empty = NewsDesk(s, index=open_index(s, embedder), llm=tiny_assistant.llm)
    with pytest.raises(EmptyIndexError):
        empty.brief()
    with pytest.raises(EmptyIndexError):
        empty.summarize(SEEDS[0])


# deterministic parts -------------------------------------------------------------------------
def test_attributed_quotes_name_the_speaker():
    text = ('While details of the talks remain scarce, Iranian officials have expressed optimism. "We believe this '
            'is just the beginning of a new chapter," said one senior official.\n\n'
            'While Araghchi described the discussions as "positive," he also emphasized that there was mistrust.\n\n'
            'As one resident noted, "War not only brings fear and anxiety, but also doubles the economic pressure." '
            'Others remain pessimistic.\n\n'
            'Iran has termed its recent negotiations with the United States in Oman as a "good beginning," '
            'signalling cautious optimism.')
    got = {q.speaker: q.said for q in find_quotes(text)}
    assert got == {"one senior official": "We believe this is just the beginning of a new chapter",
                   "Araghchi": "positive",
                   "one resident": "War not only brings fear and anxiety, but also doubles the economic pressure",
                   "Iran": "good beginning"}
    assert all(q.sentence in text for q in find_quotes(text))


def test_people_are_found_with_their_role_once_each():
    text = ("Prime Minister Keir Starmer met US special envoy Steve Witkoff. Later, Witkoff left. "
            "Iran's Foreign Minister Says Omani-Mediated Talks Went Well. The President Joe Biden spoke.")
    assert [(p.name, p.role) for p in find_people(text)] == [
        ("Keir Starmer", "Prime Minister"), ("Steve Witkoff", "US special envoy"), ("Joe Biden", "President")]
    assert find_people("Officials said the talks went well. The minister left.") == []


def test_a_fact_that_gives_one_persons_words_to_another_is_dropped():
    text = ("The talks brought together Iranian Foreign Minister Abbas Araghchi and US special envoy Steve Witkoff. "
            'While Araghchi described the discussions as "positive," he also stressed the mistrust.\n\n'
            'Mr Witkoff declined to comment. He said the talks "continue" next week.')
    kept = [f.text for f in verify_facts([
        'Steve Witkoff described the discussions as "positive".',
        'Abbas Araghchi described the discussions as "positive".',
        "Witkoff said the talks continue next week.",  # "He said ..." right after a sentence naming him
        "Araghchi declined to comment."], text)]
    assert kept == ['Abbas Araghchi described the discussions as "positive".', "Witkoff said the talks continue next week."]


def test_names_are_words_never_written_in_lower_case():
    names = names_in(["Iran and the US met in Oman. The talks, Officials Said, went well; officials said so."])
    assert {"US", "Oman"} <= names and not {"The", "Officials", "Said"} & names


def test_open_questions_are_sentences_about_what_is_not_settled():
    text = ("However, it remains unclear whether the talks will yield significant concessions from either side. "
            "Oman once again served as the intermediary host.\n\n"
            "While no immediate follow-up date has been finalised, the willingness to sustain dialogue is viewed "
            "as a positive signal. For now, both countries are expected to assess the outcomes internally. "
            "Whether a deal follows remains to be seen. The talks were held in Muscat.")
    assert find_open_questions(text) == [
        "However, it remains unclear whether the talks will yield significant concessions from either side.",
        "While no immediate follow-up date has been finalised, the willingness to sustain dialogue is viewed "
        "as a positive signal.",
        "For now, both countries are expected to assess the outcomes internally.",
        "Whether a deal follows remains to be seen."]


def test_extractive_facts_skip_title_and_headings_and_model_junk_is_parsed_out():
    text = ("A Title Line\n\nA Heading Without A Stop\n\nOman mediated the indirect talks between Iran and the US "
            "in Muscat on Saturday. It was short.\n\nThe agenda covered Iran's nuclear programme and sanctions.")
    facts = [f.text for f in extractive_facts(text, "A Title Line")]
    assert facts[0].startswith("Oman mediated") and "A Heading" not in " ".join(facts) and len(facts) == 2
    assert parse_facts("Facts:\n- One fact here is fine.\n2. Second fact here also\n- cut off at the", False) == [
        "One fact here is fine.", "Second fact here also."]


def _digest(doc_id: str, facts: list[str]) -> Digest:
    return Digest(doc_id, f"Title {doc_id}", None, None, f"{doc_id}.txt",
                  tuple(Fact(t, t, 1.0, "extract") for t in facts), (), (), (), "m", "v")


def test_the_same_fact_from_several_outlets_is_one_group(embedder):
    digests = [
        _digest("a", ["Indirect talks between Iran and the US were facilitated by Oman.",
                      "Iranian officials deemed the talks a good start.",
                      "Tensions between the two countries remain high."]),
        _digest("b", ["The indirect talks were mediated by Oman.",
                      "The talks failed to offer any significant breakthroughs.",
                      "The agenda included Iran's nuclear program, ballistic missiles and militant groups."]),
        _digest("c", ["Oman served as the intermediary host, facilitating indirect dialogue between the two.",
                      "Iran termed the negotiations with the United States a good beginning.",
                      "Both sides agreed to continue consultations."]),
    ]
    groups = group_facts(digests, embedder)
    assert set(groups[0].doc_ids) == {"a", "b", "c"} and all("Oman" in t for t in groups[0].texts)
    by_text = {t: g for g in groups for t in g.texts}
    assert by_text["Iranian officials deemed the talks a good start."] is by_text[
        "Iran termed the negotiations with the United States a good beginning."]
    assert by_text["Both sides agreed to continue consultations."].doc_ids == ("c",)
    assert len(groups) == 6


def _hand_brief() -> Brief:
    src = tuple(BriefSource(n, f"00{n}", f"Title {n}", "Pub" if n == 3 else None, None, f"00{n}.txt")
                for n in (1, 2, 3))
    pt = lambda text, *ns: Point(text, ns, tuple(f"00{n}" for n in ns))  # noqa: E731
    long = " ".join(["word"] * 20)
    return Brief("Talks in Oman", None, (pt("Oman mediated the talks.", 1, 2),),
                 tuple(pt(f"Key point {i} {long}.", 1) for i in range(6)),
                 tuple(pt(f"Agreed point {i} {long}.", 1, 3) for i in range(4)),
                 (Contrast((pt("One says yes.", 1), pt("Other says no.", 3))),
                  *(Contrast((replace(pt(f"fact {i} {long}.", 2), lead="Only Pub reports that"),)) for i in range(3))),
                 (Said("Araghchi", "positive", 'Araghchi called it "positive".', 2, "002", "Title 2"),),
                 (pt("It remains unclear what comes next.", 2),), src)


def test_markdown_has_every_section_and_trimming_keeps_it_valid():
    b = _hand_brief()
    md = render_markdown(b)
    assert md.startswith("# Talks in Oman\n") and all(h in md for h in SECTIONS)
    assert "- Oman mediated the talks [1][2]." not in md and "Oman mediated the talks [1][2]." in md
    assert "Only Pub reports that fact 0" in md
    assert '"Title 1" reports: One says yes [1]. Pub reports: Other says no [3].' in md
    full = word_count(b)
    cut = fit_words(b, full - 30)
    assert word_count(cut) <= full - 30 and len(cut.key_points) == 6 and len(cut.differ) < 4
    tiny = fit_words(b, 60)
    assert word_count(tiny) <= 60 or (len(tiny.key_points) == 1 and not tiny.differ)
    assert len(tiny.key_points) <= 3 and all(h in render_markdown(tiny) for h in SECTIONS)
    assert "None found." in render_markdown(fit_words(b, 10))


def test_cache_keys_change_with_model_prompts_and_article(tmp_path, tiny_assistant):
    rec = DocRecord("d", "T", "v1", "abc", "d.txt", "", 1, 10)
    k = cache_key(rec, "model-a", "p1")
    assert k == cache_key(rec, "model-a", "p1")
    assert len({k, cache_key(rec, "model-b", "p1"), cache_key(rec, "model-a", "p2"),
                cache_key(replace(rec, sha256="abd"), "model-a", "p1")}) == 4
    shutil.copytree(tiny_assistant.prompts.directory, tmp_path / "prompts")
    a = replace(tiny_assistant, prompts=Prompts(tmp_path / "prompts"))
    before = cache_path(a, rec)
    (tmp_path / "prompts" / "digest_user.txt").write_text("changed {title} {text}", encoding="utf-8")
    assert cache_path(a, rec) != before and cache_path(a, rec).parent == before.parent
