"""Query-focused packing: the sentences of the retrieved passages that bear on the question, within a
token budget, instead of whole chunks.

Does: split each article's retrieved text (the union of its retrieved chunks) into sentences with
their offsets in the article; score each against the question (cosine with the index's embedder,
through the cached `SentenceVectors`, plus the share of the question's words it holds that the
sentences already chosen do not, rarer words counting more, plus whether it holds a candidate of the
asked type, `rag.retrieval.answer_type`);
give every sentence the neighbours it needs to be read alone (the sentence before, for one that opens
with a pronoun or a connective or whose speaker is a pronoun; the sentence after, for a quotation
still open at its end; a fragment of under three words goes with the next sentence; a heading, a line
that does not end like a sentence, is never picked for itself); then take the
best sentences with their neighbours, by score, while the rendered sources fit the budget. Sources
keep one number per article in the order of each article's best hit (as `context.build_sources`),
and their title, publisher and date; `Source.text` is verbatim slices of the article, in article
order, joined by `context.GAP` where text was left out.
Does not: read article text outside the retrieved chunks (a neighbour outside them stays out),
resolve what a pronoun refers to, call a chat model, or render the prompt (`context.render`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from rag.core.prompts import Prompts
from rag.core.types import Chunk, DocRecord, Hit, Source
from rag.retrieval.answer_type import answer_type, holds_answer
from rag.retrieval.context import GAP, build_sources, render, source
from rag.retrieval.lexical import tokens
from rag.retrieval.rerank import MIN_WORDS, SentenceVectors
from rag.text.sentences import sentence_spans


@dataclass(frozen=True)
class FocusWeights:
    """Score of a sentence = cosine to the question + words * (share of the question's words it holds,
    weighted by rarity among the retrieved sentences) + answer * (holds a candidate of the asked type).
    With `cover`, the words a chosen sentence holds stop counting, so a question with several parts gets
    a sentence for each part rather than two for the first. Measured 2026-11-29 as answers kept
    (bench/context_curve.py's measure) at budget 220 on the seeds (28 answerable), Wikinews dev (71) and
    RGB dev (50): words 1 with cover kept 25, 56, 44; words 0.5 without cover 23, 54, 43 (at 200 and 250
    that one kept 24 and 24, 55 and 57, 42 and 44);
    words 0.25 or 0.75, answer 0.2, and adding the chunk's retrieval score (0.2, 0.5) all stayed within
    2 cases of it either way (a plateau). Without the words (cosine alone) the seeds lost 4-6 more;
    taking each article's best sentence first lost 1-5 (its frame costs ~24 tokens); giving a sentence
    that continues another ("The others were ...") its antecedent's score changed nothing."""

    words: float = 1.0
    answer: float = 0.1
    cover: bool = True  # a question word already held by a chosen sentence no longer counts


@dataclass(frozen=True)
class Unit:
    """A sentence (a fragment glued to the next one) of one article: [start, end) in the article."""

    doc_id: str
    index: int  # position among the article's retrieved sentences, in article order
    run: int  # which stretch of contiguous retrieved text it lies in
    start: int
    end: int
    text: str
    needs: tuple[int, ...] = ()  # indexes of the neighbours it needs


_OPENER = re.compile(
    r"^[\"“‘'(]?\s*(?:he|she|they|it|its|his|her|their|them|this|that|these|those|there|such|both|"
    r"but|however|also|meanwhile|still|yet|and|or|so|thus|therefore|moreover|furthermore|"
    r"instead|nevertheless|nonetheless|besides|otherwise|then|later|afterwards|"
    r"others|another|the others?\b|the (?:same|latter|former|move|decision|deal|statement|announcement|"
    r"report|plan|talks|group|company|official|minister|spokesman|spokeswoman))\b", re.I)
_PRONOUN = re.compile(r"\b(?:he|she|they|him|his|her|their|them)\b", re.I)
_REFERS = re.compile(r"\b(?:these|those)\b|\bthe (?:two|three) (?:countries|sides|nations|men|leaders)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_HEADING = re.compile(r"[^.!?…:;,\"'”’)\]]$")  # a line that does not end like a sentence
_QUOTES = re.compile(r"[\"“”]")


def needs_previous(sentence: str) -> bool:
    """It opens with a pronoun or a connective, or a pronoun comes before any name ("..., he said.")."""
    if _OPENER.search(sentence) or _REFERS.search(sentence):
        return True
    pronoun = _PRONOUN.search(sentence)
    if not pronoun:
        return False
    name = next((m for m in _NAME.finditer(sentence) if m.start() > 2), None)
    return name is None or pronoun.start() < name.start()


def needs_next(sentence: str) -> bool:
    """A quotation opened and not closed: its speaker is named after it."""
    return len(_QUOTES.findall(sentence)) % 2 == 1 and bool(re.match(r"\s*[\"“]", sentence))


def runs(chunks: Sequence[Chunk]) -> list[tuple[int, str]]:
    """One article's chunks as stretches of contiguous article text: (start offset, text)."""
    out: list[tuple[int, str]] = []
    for c in sorted(chunks, key=lambda c: c.start):
        if out and c.start <= out[-1][0] + len(out[-1][1]):
            start, text = out[-1]
            cut = start + len(text) - c.start
            out[-1] = (start, text + c.text[cut:]) if cut < len(c.text) else out[-1]
        else:
            out.append((c.start, c.text))
    return out


def touching(stretches: Sequence[tuple[int, str]], a: int, b: int) -> bool:
    """Stretch `b` is `a` or starts right after it (at most 2 characters between, as in `context.merge`)."""
    return a == b or (b == a + 1 and stretches[b][0] - stretches[a][0] - len(stretches[a][1]) <= 2)


def units(doc_id: str, chunks: Sequence[Chunk]) -> list[Unit]:
    """The article's retrieved sentences in article order, fragments glued to the next, with their needs."""
    spans: list[tuple[int, int, int]] = []  # (run, start, end) in article offsets
    for r, (base, text) in enumerate(runs(chunks)):
        pending: int | None = None
        for s, e in sentence_spans(text):
            start = base + s if pending is None else pending
            if len(re.findall(r"[A-Za-z]{2,}", text[s:e])) < MIN_WORDS:
                pending = start
                continue
            if _HEADING.search(text[s:e]) and pending is None:  # a heading or a caption: not a claim
                continue
            spans.append((r, start, base + e))
            pending = None
        if pending is not None:
            if spans and spans[-1][0] == r:
                spans[-1] = (r, spans[-1][1], base + len(text.rstrip()))
            else:
                spans.append((r, pending, base + len(text.rstrip())))
    stretches = runs(chunks)

    def joined(i: int, j: int) -> bool:
        return 0 <= i < len(spans) and 0 <= j < len(spans) and touching(stretches, spans[i][0], spans[j][0])

    out = []
    for i, (r, s, e) in enumerate(spans):
        base, text = stretches[r]
        sentence = text[s - base:e - base]
        needs = [i - 1] if joined(i - 1, i) and needs_previous(sentence) else []
        needs += [i + 1] if joined(i, i + 1) and needs_next(sentence) else []
        out.append(Unit(doc_id, i, r, s, e, sentence, tuple(needs)))
    return out


def score_parts(question: str, qvec: np.ndarray, pool: Sequence[Unit], vectors: SentenceVectors,
                weights: FocusWeights = FocusWeights()) -> tuple[list[float], list[set[str]], dict[str, float]]:
    """Each unit's cosine + answer part of the score, the question's words it holds, and each word's
    weight (its rarity among the units, the weights summing to 1): the score is the first plus
    `weights.words` times the weights of the words held (see `FocusWeights`)."""
    if not pool:
        return [], [], {}
    cosine = vectors.vectors([u.text for u in pool]) @ np.asarray(qvec, dtype=np.float32)
    asked = set(tokens(question))
    held = [set(tokens(u.text)) & asked for u in pool]
    rarity = {w: math.log((len(pool) + 1) / (sum(w in h for h in held) + 0.5)) for w in asked}
    total = sum(rarity.values()) or 1.0
    kind = answer_type(question)
    base = [float(c) + weights.answer * holds_answer(kind, u.text, question) for c, u in zip(cosine, pool)]
    return base, held, {w: r / total for w, r in rarity.items()}


def closure(unit: Unit, by_index: dict[int, Unit], hops: int = 2) -> list[Unit]:
    """The unit and the neighbours it needs, theirs too up to `hops` steps away."""
    out, frontier = {unit.index: unit}, [unit]
    for _ in range(hops):
        frontier = [by_index[n] for u in frontier for n in u.needs if n in by_index and n not in out]
        out.update({u.index: u for u in frontier})
    return [out[i] for i in sorted(out)]


def build_focused(question: str, hits: Sequence[Hit], docs: dict[str, DocRecord], prompts: Prompts,
                  count_tokens: Callable[[str], int], budget: int, vectors: SentenceVectors,
                  weights: FocusWeights = FocusWeights()) -> list[Source]:
    """The sentences of `hits` that bear on `question`, with the neighbours they need, as numbered
    sources whose rendering fits in `budget` tokens. When not even one sentence fits, the best chunk
    trimmed to the budget (`context.build_sources`)."""
    chunks: dict[str, list[Chunk]] = {}
    for h in hits:  # articles in the order of their best hit: that order numbers the sources
        chunks.setdefault(h.chunk.doc_id, []).append(h.chunk)
    pools = {d: units(d, cs) for d, cs in chunks.items()}
    flat = [u for us in pools.values() for u in us]
    at = {(u.doc_id, u.index): i for i, u in enumerate(flat)}
    base, held, weight = score_parts(question, vectors.vectors([question])[0], flat, vectors, weights)
    covered: set[str] = set()  # the question's words the chosen sentences hold (with `cover`, they count no more)
    chosen: dict[str, frozenset[int]] = {}
    sources: list[Source] = []
    left = list(range(len(flat)))
    while left:
        i = max(left, key=lambda i: (base[i] + weights.words * sum(weight[w] for w in held[i] - covered), -i))
        left.remove(i)
        unit = flat[i]
        if unit.index in chosen.get(unit.doc_id, ()):
            continue
        added = closure(unit, {u.index: u for u in pools[unit.doc_id]})
        trial = {**chosen, unit.doc_id: chosen.get(unit.doc_id, frozenset()) | {u.index for u in added}}
        candidate = assemble(trial, chunks, pools, docs)
        if count_tokens(render(candidate, prompts)) <= budget:
            chosen, sources = trial, candidate
            if weights.cover:
                covered.update(*(held[at[(u.doc_id, u.index)]] for u in added))
    return sources or build_sources(hits, docs, prompts, count_tokens, budget)


def assemble(chosen: dict[str, frozenset[int]], chunks: dict[str, list[Chunk]], pools: dict[str, list[Unit]],
             docs: dict[str, DocRecord]) -> list[Source]:
    """Numbered sources from the chosen sentence indexes of each article (articles in `chunks` order)."""
    out = []
    for doc_id, cs in chunks.items():
        if chosen.get(doc_id):
            picked = [u for u in pools[doc_id] if u.index in chosen[doc_id]]
            out.append(source(len(out) + 1, doc_id, *_text(picked, cs), docs, cs[0].title))
    return out


def _text(picked: Sequence[Unit], chunks: Sequence[Chunk]) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
    """(text, chunk ids, offset of each chunk in text) for the picked sentences of one article: consecutive
    sentences of one stretch form one verbatim slice; slices are joined by "\n" where the stretches
    touch and nothing was left out between them (as `context.merge`), else by GAP."""
    stretches = runs(chunks)
    slices: list[tuple[str, int, int]] = []  # (separator before it, start, end) in the article
    prev: Unit | None = None
    for u in picked:
        if prev is not None and u.index == prev.index + 1 and u.run == prev.run:
            slices[-1] = (slices[-1][0], slices[-1][1], u.end)
        else:
            close = prev is not None and u.index == prev.index + 1 and touching(stretches, prev.run, u.run)
            slices.append(("" if prev is None else "\n" if close else GAP, u.start, u.end))
        prev = u
    text, ids, starts = "", [], []
    ordered = sorted(chunks, key=lambda c: c.start)
    for sep, a, b in slices:
        text += sep
        base, body = next(st for st in stretches if st[0] <= a < st[0] + len(st[1]))
        holder = max((c for c in ordered if c.start <= a < c.end), key=lambda c: c.start)
        for c in [holder] + [c for c in ordered if a < c.start < b]:
            if not ids or ids[-1] != c.chunk_id:
                ids.append(c.chunk_id)
                starts.append(len(text) + max(0, c.start - a))
        text += body[a - base:b - base]
    return text, tuple(ids), tuple(starts)
