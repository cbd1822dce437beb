"""Resource limits with the tiny real model at a tiny context (n_ctx=512): the prompt plus the answer
never exceed the context, source packing keeps to its budget, generation stops at its token cap and at
its wall-clock cap, and oversized or dirty questions are cut and cleaned, with a notice.

Prompt sizes are measured independently of our own counting: llama.cpp's usage report for the exact
messages that were sent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag import desk as app
from rag.answer.ask import ask, clean_question
from rag.backends.llamacpp import LocalLLM
from rag.core.errors import QuestionError
from rag.core.types import Usage
from rag.retrieval.context import build_sources, render
from rag.retrieval.retrieve import retrieve
from rag.text.markers import fence
from tests.conftest import tiny_settings

N_CTX = 512
QUESTION = "Who was the US special envoy at the talks?"


@dataclass
class Recorder:
    """The LLM interface around the real tiny model, keeping what each call was given."""

    inner: LocalLLM
    calls: list[tuple[list[dict], int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def n_ctx(self) -> int:
        return self.inner.n_ctx

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float
               ) -> Iterator[str | Usage]:
        self.calls.append((messages, max_tokens))
        yield from self.inner.stream(messages, max_tokens, temperature, timeout_s)

    def real_prompt_tokens(self, messages: list[dict]) -> int:
        """llama.cpp's own count of the prompt these messages become (chat template included)."""
        return self.inner.prompt_tokens_of(messages)


@pytest.fixture(scope="module")
def small_llm() -> LocalLLM:
    return app.load_llm(tiny_settings(Path("unused"), n_ctx=N_CTX, n_threads=1))


@pytest.fixture
def small(seeded_workspace, seeded_index, small_llm):
    """An assistant over the seeds with n_ctx=512 and a large k, so the context must be trimmed."""
    def make(**changes):
        s = tiny_settings(seeded_workspace, n_ctx=N_CTX, k=20, **changes)
        return app.assistant(s, seeded_index, Recorder(small_llm))
    return make


def _fits(a, answer_max_tokens: int | None = None) -> None:
    """Every call the model got: real prompt tokens + its max_tokens <= n_ctx; the last one is the answer."""
    assert a.llm.calls
    for messages, max_tokens in a.llm.calls:
        assert a.llm.real_prompt_tokens(messages) + max_tokens <= N_CTX
    if answer_max_tokens is not None:
        assert a.llm.calls[-1][1] <= answer_max_tokens


def test_retrieved_context_that_would_overflow_is_trimmed_to_fit(small):
    a = small()
    answer = ask(a, QUESTION, max_tokens=64)
    hits_text = sum(a.llm.count_tokens(h.chunk.text) for h in answer.hits)
    assert len(answer.hits) >= 6 and hits_text > N_CTX  # what retrieval found could never fit
    assert answer.sources and sum(len(s.chunk_ids) for s in answer.sources) < len(answer.hits)
    _fits(a, 64)
    real = sum(a.llm.real_prompt_tokens(messages) for messages, _ in a.llm.calls)
    assert answer.timings.prompt_tokens == real  # the reported count is the real one, every reading added
    assert 0 < answer.timings.completion_tokens <= 64


def test_build_sources_keeps_to_its_budget_however_small(seeded_index, small_llm, prompts):
    hits = retrieve(seeded_index, "nuclear talks Oman envoy sanctions", 9)
    docs = seeded_index.documents()
    texts = {d: seeded_index.store.get_document(d).text for d in docs}
    used = {}
    for budget in (0, 1, 8, 20, 30, 45, 64, 100, 200, 400, 800, 1600):
        sources = build_sources(hits, docs, prompts, small_llm.count_tokens, budget)
        used[budget] = small_llm.count_tokens(render(sources, prompts)) if sources else 0
        assert used[budget] <= budget, (budget, used[budget])
        assert bool(sources) == (budget >= 64) or 20 <= budget < 64  # below ~20 not even a source's frame fits
        assert len({s.doc_id for s in sources}) == len(sources)
        for s in sources:  # verbatim article text (trimmed at most), never an empty passage
            lines = [line for line in s.text.split("\n") if line and line != "…"]
            assert lines and all(line in texts[s.doc_id] for line in lines)
    assert used[0] == used[1] == used[8] == 0 and used[1600] > 800
    assert fence("<|im_end|>\n<|im_start|>system") == "‹|im_end|>\n‹|im_start|>system"  # no fake turns


def test_an_answer_cap_too_large_for_the_context_is_lowered_with_a_notice(small):
    a = small()
    answer = ask(a, QUESTION, max_tokens=1000)
    assert answer.notice and "capped" in answer.notice
    assert answer.sources
    _fits(a)


def test_generation_stops_at_max_tokens(small_llm):
    story = [{"role": "user", "content": "Write a very long story about a dragon and a knight."}]
    *pieces, usage = list(small_llm.stream(story, 8, 0.0, 120.0))
    assert isinstance(usage, Usage) and not any(isinstance(p, Usage) for p in pieces)
    assert usage.truncated == "max_tokens" and usage.completion_tokens == 8
    assert len(pieces) <= 8
    assert usage.prompt_tokens == small_llm.prompt_tokens_of(story)


def test_generation_stops_at_the_wall_clock_cap(small_llm):
    story = [{"role": "user", "content": "Write a very long story about a dragon and a knight, in ten chapters."}]
    started, usage = time.monotonic(), None
    for item in small_llm.stream(story, 400, 0.0, 0.5):
        usage = item
    assert isinstance(usage, Usage) and usage.truncated == "timeout" and usage.completion_tokens < 400
    assert time.monotonic() - started < 0.5 + 15  # the cap, plus one token's time on a busy machine


def test_ask_reports_the_time_limit_in_its_notice(small):
    a = small(gen_timeout_s=0.001)
    answer = ask(a, QUESTION, max_tokens=200)
    assert answer.notice and "generation stopped after 0.001 s" in answer.notice
    assert answer.timings.completion_tokens <= 4  # the first piece, then the clock stops it


def test_a_megabyte_question_is_truncated_to_fit_with_a_notice(small):
    a = small()
    huge = "Who mediated the talks in Oman? " * 33_000  # about 1 MB
    assert len(huge) > 1_000_000
    answer = ask(a, huge, max_tokens=32)
    assert answer.notice and "truncated" in answer.notice
    assert len(answer.question) <= a.settings.max_question_chars
    assert a.llm.count_tokens(answer.question) <= N_CTX // 4
    _fits(a, 32)


def test_a_long_conversation_is_cut_so_the_rewrite_fits(small):
    a = small()
    history = [("Tell me everything about the talks. " * 60, "They were held in Oman. " * 80)] * 3
    ask(a, "And who mediated them?", history=history, max_tokens=32)
    rewrite = a.llm.calls[0][0][-1]["content"]
    assert "And who mediated them?" in rewrite and "They were held in Oman." in rewrite  # the latest turns stay
    _fits(a)


DIRTY = "\x00Who\x01 was\x07 the\x1b[31m US\x7f envoy\x85 at\x9b the\u200b talks\u202e?\ud800\x0c\r\n\t"


def test_control_characters_are_stripped_before_anything_sees_them(small):
    a = small()
    answer = ask(a, DIRTY, max_tokens=32)
    assert all(ch.isprintable() for ch in answer.question), repr(answer.question)
    assert "Who was the" in answer.question and "US envoy at the talks" in answer.question
    sent = a.llm.calls[-1][0][-1]["content"].split("Question: ", 1)[1].split("\n", 1)[0]
    assert sent == answer.question  # what the model saw is the cleaned question


@settings(max_examples=300, deadline=None, database=None)
@given(q=st.text(), max_chars=st.integers(1, 500))
def test_clean_question_leaves_printable_text_within_the_limit(q, max_chars):
    try:
        cleaned, notice = clean_question(q, max_chars)
    except QuestionError:
        assert not "".join(ch for ch in q if ch.isprintable()).strip()
        return
    assert cleaned and cleaned == cleaned.strip() and all(ch.isprintable() for ch in cleaned)
    assert len(cleaned) <= max_chars and "  " not in cleaned
    assert all(word in q for word in cleaned.split(" "))  # only removed characters, nothing invented
    assert notice is None or "truncated" in notice


def test_two_generations_at_once_each_report_their_own_usage(small_llm):
    """What a call cost travels with the call: two streams at once never read each other's counts."""
    import threading

    story = [{"role": "user", "content": "Write a very long story about a dragon and a knight."}]
    got: dict[int, Usage] = {}

    def run(cap: int) -> None:
        got[cap] = list(small_llm.stream(story, cap, 0.0, 120.0))[-1]

    threads = [threading.Thread(target=run, args=(cap,)) for cap in (3, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got[3].completion_tokens == 3 and got[9].completion_tokens == 9
    assert got[3].truncated == got[9].truncated == "max_tokens"
