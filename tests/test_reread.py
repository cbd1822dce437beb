"""A refused answer read again (rag.answer.reread via rag.answer.ask.again): which sources the model reads
the second time, what is kept, streamed and counted, and the stricter check, with a scripted model
(model-independent logic); and the gate in ask() with the tiny real model."""
from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

from rag import desk as app
from rag.answer import cite, reread
from rag.answer.ask import Done, Token, again, ask_stream, decide
from rag.answer.assistant import Assistant
from rag.core.config import PROJECT_ROOT
from rag.core.prompts import Prompts
from rag.core.types import Answer, Source, Timings
from rag.retrieval.context import build_sources
from rag.retrieval.retrieve import retrieve
from tests.conftest import Scripted, tiny_settings

SOURCES = (
    Source(1, "d1", "NFL players re-elect union head", "The NFLPA board re-elected JC Tretter as president of the "
           "NFL Players Association on Saturday.", ("d1:0",), publisher="ESPN"),
    Source(2, "d2", "League history", "NFL Commissioners and Presidents. In 2006, Roger Goodell was chosen as the "
           "eighth NFL Commissioner.", ("d2:0",), publisher="NFL"),
    Source(3, "d3", "Chile torture report", 'Mr Lagos said: "The report makes us face an inescapable reality."',
           ("d3:0",), publisher="BBC"),
)
QUESTION = "Who is the NFL commissioner?"
WRONG = "The NFL commissioner is JC Tretter [1]."
RIGHT = "Roger Goodell was chosen as the eighth NFL Commissioner in 2006 [2]."


def _assistant(llm: Scripted) -> Assistant:  # the second reading alone: no index to narrow the sources with
    return Assistant(tiny_settings(Path("unused"), narrow=0), None, llm, Prompts(PROJECT_ROOT / "prompts"))  # type: ignore[arg-type]


def _first(a: Assistant, raw: str, question: str = QUESTION) -> Answer:
    return decide(a, question, raw, (), SOURCES, None, Timings(10.0, 50.0, 90.0, 300, 20))


def _run(a: Assistant, first: Answer) -> tuple[list[str], Answer]:
    v = cite.verify(first.raw, first.sources, first.question)
    steps = again(a, first.question, first, v, 64, 0.0, time.perf_counter(), {})
    streamed: list[str] = []
    while True:
        try:
            streamed.append(next(steps).text)
        except StopIteration as end:
            return streamed, end.value


def test_a_refused_answer_is_answered_again_without_the_source_that_misled_it():
    llm = Scripted([RIGHT])
    a = _assistant(llm)
    first = _first(a, WRONG)
    assert first.abstained and first.raw == WRONG  # the checker refuses the look-alike's name
    streamed, answer = _run(a, first)
    assert len(llm.calls) == 1
    user = llm.calls[0][1]["content"]
    assert SOURCES[0].text not in user and SOURCES[1].text in user and SOURCES[2].text in user
    assert 'n="2"' in user and 'n="3"' in user  # the sources kept keep their numbers
    assert QUESTION in user and llm.calls[0][0]["content"] == a.prompts.text("answer_system")
    assert "".join(streamed[1:]) == RIGHT and "Checking the sources again" in streamed[0]
    assert not answer.abstained and "Roger Goodell" in answer.answer
    assert [c.n for c in answer.citations if c.verified] == [2]
    assert WRONG in answer.raw and RIGHT in answer.raw
    assert (answer.timings.prompt_tokens, answer.timings.completion_tokens) == (400, 20 + len(RIGHT.split()))
    assert answer.timings.ttft_ms == 50.0


def test_a_second_answer_that_does_not_verify_leaves_the_abstention():
    llm = Scripted(["The NFL commissioner is JC Tretter since 2022 [2]."])
    a = _assistant(llm)
    first = _first(a, WRONG)
    _, answer = _run(a, first)
    assert answer.abstained and answer.answer == first.answer and not answer.citations
    assert "since 2022" in answer.raw and answer.timings.prompt_tokens == 400


def test_the_second_answer_must_state_the_questions_relation():
    question = "Who chaired the NFL Commissioners panel?"
    echo = "Roger Goodell chaired the NFL Commissioners panel [2]."  # only the name is in the source
    a = _assistant(Scripted([]))
    assert not _first(a, echo, question).abstained  # the first reading's rule lets an echo through
    assert _first(a, echo, question).citations[0].verified
    v = cite.verify(echo, SOURCES, question, reread.strict)
    assert not any(s.supported for s in v.sentences)
    llm = Scripted([echo])
    _, answer = _run(_assistant(llm), _first(_assistant(llm), WRONG, question))
    assert answer.abstained and len(llm.calls) == 1


def test_a_stop_during_the_second_reading_ends_it_as_an_abstention():
    a = _assistant(Scripted(["STOP"]))
    _, answer = _run(a, _first(a, WRONG))
    assert answer.stopped and answer.abstained


def test_nothing_is_asked_when_no_cited_source_was_refused_or_none_would_be_left():
    assert reread.rejected(cite.verify(WRONG, SOURCES, QUESTION)) == {1}
    assert reread.rejected(cite.verify(f"{RIGHT} {WRONG}", SOURCES, QUESTION)) == {1}
    assert reread.rejected(cite.verify("The NFL commissioner is JC Tretter.", SOURCES, QUESTION)) == set()
    llm = Scripted([])
    a = _assistant(llm)
    for first in (_first(a, "The NFL commissioner is JC Tretter."),  # no marker: no source to leave out
                  _first(a, "JC Tretter [1] [2] [3] is the NFL commissioner.")):
        streamed, answer = _run(a, first)
        assert answer is first and not streamed
    llm.n_ctx = 60  # no room for the sources in the context
    streamed, answer = _run(a, _first(a, WRONG))
    assert answer.abstained and not streamed and not llm.calls


def test_ask_reads_again_only_an_answer_the_checker_refused(seeded_workspace, seeded_index):
    question = "Who was the US special envoy at the talks in Oman?"
    invented = "The US special envoy at the talks was Kermit Fraser [1]."  # no seed article names him
    for first_reply, reread_on, calls in ((invented, 1, 2), (invented, 0, 1), ("Not in the sources.", 1, 1)):
        llm = Scripted([first_reply, "Not in the sources."])
        settings = tiny_settings(seeded_workspace, answer_parts=0, reread=reread_on, narrow=0)
        events = list(ask_stream(app.assistant(settings, seeded_index, llm), question))
        answer = events[-1].answer
        assert isinstance(events[-1], Done) and answer.abstained and len(llm.calls) == calls
        streamed = "".join(e.text for e in events if isinstance(e, Token))
        assert ("Checking the sources again" in streamed) == (calls == 2)
        if calls == 2:  # the same question and sources, less source 1
            first, second = llm.calls[0][1]["content"], llm.calls[1][1]["content"]
            assert 'n="1"' in first and 'n="1"' not in second and 'n="2"' in second and question in second
            assert answer.raw == f"{invented}\n\nNot in the sources."


def test_a_still_refused_answer_is_read_once_more_from_the_sentences_that_bear_on_the_question(
        seeded_workspace, seeded_index):
    question = "Who was the US special envoy at the talks in Oman?"
    invented = "The US special envoy at the talks was Kermit Fraser [1]."  # no seed article names him
    right = "Steve Witkoff was the US special envoy at the talks in Oman [1]."
    for narrow, replies, calls in ((1, [invented, "Not in the sources.", right], 3), (0, [invented, "No."], 2)):
        llm = Scripted(replies)
        settings = tiny_settings(seeded_workspace, answer_parts=0, reread=1, narrow=narrow)
        events = list(ask_stream(app.assistant(settings, seeded_index, llm), question))
        answer = events[-1].answer
        assert len(llm.calls) == calls and answer.abstained is (narrow == 0)
        if narrow:  # fewer words than the first reading, under the numbers the user sees
            first, third = llm.calls[0][1]["content"], llm.calls[2][1]["content"]
            assert len(third) < len(first) and "Witkoff" in third and question in third
            shown = {s.n: s.doc_id for s in answer.sources}
            for n in map(int, re.findall(r'n="(\d+)"', third)):
                assert n in shown
            assert "Steve Witkoff" in answer.answer
            assert any(c.verified and "Witkoff" in c.quote for c in answer.citations)
            assert answer.raw == f"{invented}\n\nNot in the sources.\n\n{right}"


def test_the_narrowed_sources_keep_the_numbers_and_leave_out_unshown_articles(seeded_index):
    docs = seeded_index.documents()
    question = "Who was the US special envoy at the talks in Oman?"
    hits = retrieve(seeded_index, question, 6, all_docs=docs)
    a = Assistant(tiny_settings(Path("unused")), seeded_index, Scripted([]), Prompts(PROJECT_ROOT / "prompts"))
    whole = build_sources(hits, docs, a.prompts, a.llm.count_tokens, 4000)
    shown = [replace(s, n=9 - i) for i, s in enumerate(whole[:2])]  # numbered otherwise, one article left out
    got = reread.narrowed(a, question, hits, shown, docs)
    assert got and {s.doc_id for s in got} <= {s.doc_id for s in shown}
    by_doc = {s.doc_id: s.n for s in shown}
    assert all(s.n == by_doc[s.doc_id] for s in got)
    assert sum(len(s.text) for s in got) < sum(len(s.text) for s in shown)
    for s in got:  # verbatim text of the article shown under that number
        for piece in s.text.split("\n…\n"):
            assert piece.strip() in seeded_index.store.get_document(s.doc_id).text
