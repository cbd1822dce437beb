"""Grounded Q&A: question -> (rewrite) -> retrieve -> pack -> stream -> verify -> answer or abstain.

The one code path behind `rag ask`, the chat and `rag eval`. The system, not the model, decides to
abstain: when retrieval finds nothing relevant enough, when the model says the sources do not
answer, or when most of its sentences are not supported by the sources they cite.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

from rag import cite
from rag.config import Settings
from rag.context import build_sources, render
from rag.errors import EmptyIndexError, QuestionError
from rag.llm import LLM, count_messages
from rag.prompts import Prompts
from rag.retrieve import Index, retrieve
from rag.types import Answer, Hit, Source, Timings

log = logging.getLogger(__name__)

NOT_IN_SOURCES = re.compile(r"not\s+in\s+(the\s+)?sources", re.I)
MIN_SUPPORTED_SHARE = 0.5
SAFETY_MARGIN = 48  # tokens kept free for the chat template's own markup


@dataclass
class Assistant:
    """What a question needs: settings, the index, a chat model and the prompt templates."""

    settings: Settings
    index: Index
    llm: LLM
    prompts: Prompts


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


def clean_question(question: str, max_chars: int) -> tuple[str, str | None]:
    """Strip control characters; refuse empty; truncate long questions with a notice."""
    q = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question or "")
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QuestionError("the question is empty; type a question about the articles")
    if len(q) > max_chars:
        return q[:max_chars].rsplit(" ", 1)[0], f"question truncated to {max_chars} characters (it had {len(q)})"
    return q, None


def ask(a: Assistant, question: str, **kwargs: object) -> Answer:
    answer = None
    for event in ask_stream(a, question, **kwargs):
        if isinstance(event, Done):
            answer = event.answer
    assert answer is not None
    return answer


def ask_stream(a: Assistant, question: str, history: Sequence[tuple[str, str]] = (),
               doc_ids: Sequence[str] | None = None, k: int | None = None, temperature: float | None = None,
               max_tokens: int | None = None) -> Iterator[Token | Done]:
    """Stream the model's text as Token events, then one Done with the verified Answer."""
    s = a.settings
    t0 = time.perf_counter()
    question, notice = clean_question(question, s.max_question_chars)
    docs = a.index.documents()
    if not docs:
        raise EmptyIndexError("nothing is ingested yet; run: rag ingest seeds/")
    standalone = rewrite(a, question, history) if history else question
    hits = retrieve(a.index, standalone, k or s.k, doc_ids)
    retrieve_ms = (time.perf_counter() - t0) * 1000
    best = max((h.similarity or 0.0 for h in hits), default=0.0)
    if not hits or best < s.min_relevance:
        yield Done(abstain(a, question, hits, [], notice, Timings(retrieve_ms, 0.0, retrieve_ms)))
        return
    max_tokens = max_tokens or s.max_tokens
    system = a.prompts.text("answer_system")
    frame = a.prompts.render("answer_user", sources="", question=standalone)
    budget = a.llm.n_ctx - max_tokens - count_messages(a.llm, [{"role": "system", "content": system},
                                                              {"role": "user", "content": frame}]) - SAFETY_MARGIN
    sources = build_sources(hits, docs, a.prompts, a.llm.count_tokens, max(budget, 0))
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": a.prompts.render("answer_user", sources=render(sources, a.prompts),
                                                             question=standalone)}]
    parts, ttft = [], 0.0
    for piece in a.llm.stream(messages, max_tokens, s.temperature if temperature is None else temperature,
                              s.gen_timeout_s):
        if not parts:
            ttft = (time.perf_counter() - t0) * 1000
        parts.append(piece)
        yield Token(piece)
    stats = a.llm.last
    prompt_tokens = stats.prompt_tokens or count_messages(a.llm, messages)
    timings = Timings(retrieve_ms, ttft, (time.perf_counter() - t0) * 1000, prompt_tokens, stats.completion_tokens)
    if stats.truncated == "timeout":
        notice = "; ".join(filter(None, [notice, f"generation stopped after {s.gen_timeout_s:.0f} s"]))
    yield Done(decide(a, standalone, "".join(parts), hits, sources, notice, timings))


def decide(a: Assistant, question: str, raw: str, hits: Sequence[Hit], sources: Sequence[Source],
           notice: str | None, timings: Timings) -> Answer:
    """Verify the model's answer and keep it, or abstain when it is not grounded."""
    if NOT_IN_SOURCES.search(raw) or not raw.strip():
        return abstain(a, question, hits, sources, notice, timings)
    v = cite.verify(raw, sources, question)
    if v.supported_share < MIN_SUPPORTED_SHARE:
        return abstain(a, question, hits, sources, notice, timings)
    return Answer(question, v.text, False, v.citations, tuple(hits), tuple(sources), v.sentences, timings, notice)


def abstain(a: Assistant, question: str, hits: Sequence[Hit], sources: Sequence[Source], notice: str | None,
            timings: Timings) -> Answer:
    """'The articles don't say', with the closest passage when one is reasonably close."""
    closest = ""
    if hits and (hits[0].similarity or 0.0) >= a.settings.min_relevance:
        top = hits[0].chunk
        _, quote = cite.support(question, top.text, "")
        if quote:
            closest = a.prompts.render("abstain_closest", quote=quote.strip(), title=top.title)
    text = a.prompts.render("abstain", closest=closest).strip()
    return Answer(question, text, True, (), tuple(hits), tuple(sources), (), timings, notice)


def rewrite(a: Assistant, question: str, history: Sequence[tuple[str, str]]) -> str:
    """Turn a follow-up into a standalone question using the last turns of the conversation."""
    turns = "\n".join(f"User: {u}\nAssistant: {b}" for u, b in list(history)[-3:])
    messages = [{"role": "system", "content": a.prompts.text("rewrite_system")},
                {"role": "user", "content": a.prompts.render("rewrite_user", history=turns[-3000:], question=question)}]
    out = "".join(a.llm.stream(messages, 64, 0.0, 30.0)).strip().splitlines()
    candidate = out[0].strip().strip('"') if out else ""
    if not candidate or len(candidate) > 4 * len(question) + 200:
        return question
    return candidate
