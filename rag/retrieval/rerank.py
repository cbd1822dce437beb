"""Re-ranking a pool of fused candidates by a finer score, without a model call: whether a passage states
the year, quarter, season or edition the question asks (`rag.retrieval.satisfy.satisfies`; a positive score
weighed by how much of the question's names the passage holds, rare words counting more), whether it
holds a candidate of the asked type (`rag.retrieval.answer_type`), and the fused score. Also measurable,
and off by default because they did not pay (see `RerankWeights`): whether it states the name or date
other well-ranked passages agree on (`rag.retrieval.consensus`), best-sentence similarity with the index's
embedder (sentence vectors cached by text), chunk similarity, word overlap, title match, name coverage.

Does: score each candidate from those features with fixed weights, sort, and hand the hits back with
the new score (the dense similarity and ranks are kept).
Does not: call a chat model, query the store, apply the per-story cap or cut to k (`rag.retrieval.retrieve`
does both after this), or know what the answer is.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping, Sequence

import numpy as np

from rag.core.types import Hit
from rag.retrieval.answer_type import answer_type, holds_answer
from rag.retrieval.consensus import agreement
from rag.retrieval.constraints import Constraints, parse
from rag.retrieval.lexical import tokens
from rag.retrieval.roles import evidence, focus_words
from rag.retrieval.satisfy import entity_coverage, name_words, satisfies
from rag.text.sentences import split_sentences

log = logging.getLogger(__name__)

EmbedFn = Callable[[Sequence[str]], np.ndarray]

MAX_SENTENCES = 6  # per candidate: the first six sentences hold the answer in news; bounds the work
MIN_WORDS = 3  # shorter "sentences" (datelines, "Mar 4, 2018 ...") are scored with their neighbour


@dataclass(frozen=True)
class RerankWeights:
    """Weights of the features. Measured with bench/rerank_sweep.py (hit/recall/MRR at k 4, by document),
    the pool being the best 40 of today's two rankings: rgb-dev (50 questions, 494 snippets in one
    index) 0.92/0.451/0.700 -> 0.92/0.550/0.767; seed suite 1.00/0.988/0.964 unchanged; wikinews-dev
    story titles as questions (45) 0.956/0.806/0.902 unchanged. Without `answer`: rgb-dev recall 0.475;
    without `constraint`: 0.510. The constraint weight is flat between 0.15 and 0.6 (recall 0.545-0.553):
    at 0.3 a passage of another year drops below every passage that does not contradict the question,
    whatever the corpus. Left at 0 because they did not pay: sentence (rgb-dev recall 0.507, seeds MRR
    0.911, 0.1-5.7 s a question to embed a pool's sentences with a cold cache); dense, overlap, title
    and entity (+0.03 MRR on rgb-dev at best, each a loss on the seeds; names act through the
    constraint gate instead).
    Role evidence (`rag.retrieval.roles`), same pools re-scored offline, k 4 by document, grid evidence
    0-0.5 x answer 0-0.1 x constraint 0.3/0.5 x entity 0/0.1, BARE 0/0.5; wikinews-dev = its 71 questions:
    evidence 0.1 (BARE 0.5): rgb-dev 0.92/0.550/0.757 -> 0.92/0.572/0.775, its odd ids 0.92/0.583/0.823 ->
    0.92/0.603/0.823 and even ids 0.92/0.518/0.690 -> 0.92/0.541/0.727; seeds 1.00/0.988/0.964 and
    wikinews-dev 1.00/0.931/0.939 unchanged. 0.15 adds rgb-dev hit (0.94/0.584/0.767) but loses MRR on the
    odd half (0.797), so 0.1. Did not pay and were dropped: the same sentence test for every question kind
    (a date in the focus sentence for "when", a name for "what": rgb-dev recall 0.529, seeds recall 0.970),
    and a penalty for a passage naming the subject only inside another name ("Nintendo of America"): it
    fired on 3 of 4,612 pooled passages, one of them a gold, and changed no ranking."""

    fused: float = 1.0  # the hybrid score, divided by the pool's best
    dense: float = 0.0  # the chunk's cosine to the question (free: dense retrieval computed it)
    sentence: float = 0.0  # best sentence cosine to the question (embeds the pool's sentences)
    overlap: float = 0.0  # share of the question's words in the best-covering sentence
    constraint: float = 0.3  # `satisfies` score, -1..1; a positive one scaled by the name coverage
    entity: float = 0.0  # share of the question's names found in the title and text (rare words count more)
    title: float = 0.0  # share of the question's words found in the title
    answer: float = 0.1  # the passage holds something of the asked type (a date for "when", a name for "who")
    evidence: float = 0.1  # `rag.retrieval.roles.evidence`: one sentence names the holder of the asked role
    # `rag.retrieval.consensus.agreement`: the passage states the name ("who", "what", "which") or complete
    # date ("when") that other well-ranked passages state. bench/fusion_sweep.py (results in
    # bench/results/agreement-2026-11-30.txt), k 4 by document, at 0.1: rgb-dev 0.94/0.572/0.813 ->
    # 0.94/0.608/0.840; wikinews-dev 1.00/0.931/0.939 -> 1.00/0.931/0.946; seeds 1.00/0.988/0.964 unchanged
    # at every weight. Leave-half-out by id parity: rgb-dev chosen on the odd ids 0.1, which scores the even
    # ids 0.96/0.554/0.773 -> 0.96/0.584/0.840; chosen on the even ids 0.8, which loses on the odd ids
    # (0.92/0.589/0.853 -> 0.84/0.617/0.727); wikinews-dev chooses 0.3 on both halves (gains on both). So
    # a small weight: look-alikes of one subject agree on their own answer too (passages on the later
    # Avengers films name the Russo brothers: "Who directed The Avengers?" loses its first place at 0.1).
    # Cost: features() over a 40-passage pool, cold parse cache, p50 +0.3 ms. Off (0.0) by the default
    # model's answers, both weights run the same way (1 thread, same workspaces, 2026-11-30), 0.1 vs 0:
    # Wikinews dev accuracy 0.676 vs 0.704, false abstention 0.056 vs 0.042, abstention on unanswerable
    # 0.86 vs 1.00 (the reordered prompts changed the model's text on 15 questions, the verdict on 4);
    # RGB dev 0.84 (replayed) vs 0.82.
    agreement: float = 0.0


@dataclass(frozen=True)
class Features:
    fused: float
    dense: float
    sentence: float
    overlap: float
    constraint: float
    entity: float
    title: float
    answer: float
    evidence: float = 0.0
    agreement: float = 0.0

    def score(self, w: RerankWeights) -> float:
        return sum(getattr(w, f) * getattr(self, f) for f in self.__dataclass_fields__)


class SentenceVectors:
    """Sentence embeddings cached by text (least recently used out first), so a passage that comes back
    for the next question costs nothing."""

    def __init__(self, embed: EmbedFn, capacity: int = 20000):
        self._embed, self._capacity = embed, capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for t, v in zip(missing, self._embed(missing)):
                self._cache[t] = np.asarray(v, dtype=np.float32)
        for t in texts:
            self._cache.move_to_end(t)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def sentences(text: str) -> list[str]:
    """The passage's first MAX_SENTENCES sentences, short fragments glued to the next one."""
    out: list[str] = []
    carry = ""
    for s in split_sentences(text):
        s = f"{carry} {s}".strip() if carry else s
        if len(re.findall(r"[A-Za-z]{2,}", s)) < MIN_WORDS:
            carry = s
            continue
        carry = ""
        out.append(s)
        if len(out) == MAX_SENTENCES:
            break
    if carry or not out:
        out.append(carry or text.strip() or " ")
    return out


def _title_share(query: str, title: str) -> float:
    q = set(tokens(query))
    return len(q & set(tokens(title))) / len(q) if q and title else 0.0


def _overlap(query_words: set[str], ss: Sequence[str]) -> float:
    """The largest share of the question's words that one sentence holds."""
    if not query_words:
        return 0.0
    return max(len(query_words & set(tokens(x))) / len(query_words) for x in ss)


def _best_sentence(qvec: np.ndarray | None, per_hit: list[list[str]], vectors: SentenceVectors | None) -> list[float]:
    """Each hit's best sentence cosine; questions in a passage ("Who directed Titanic? Q8.") do not count."""
    if vectors is None or qvec is None:
        return [0.0] * len(per_hit)
    answers = [[x for x in ss if not x.rstrip().endswith("?")] for ss in per_hit]
    flat = [x for ss in answers for x in ss]
    sims = vectors.vectors(flat) @ np.asarray(qvec, dtype=np.float32) if flat else np.zeros(0)
    out, i = [], 0
    for ss in answers:  # a passage of questions only answers none: 0
        out.append(float(sims[i:i + len(ss)].max()) if ss else 0.0)
        i += len(ss)
    return out


def _rarity(words: set[str], hits: Sequence[Hit]) -> dict[str, float]:
    """Inverse document frequency of each name word within the pool: the word that tells the look-alikes
    apart ("Lego" among CEO passages) counts more than the one they all share ("CEO")."""
    texts = [set(re.findall(r"[\w']+", f"{h.chunk.title} {h.chunk.text}".lower())) for h in hits]
    n = len(texts)
    return {w: math.log((n + 1) / (sum(w in t for t in texts) + 0.5)) for w in words}


def features(query: str, qvec: np.ndarray | None, hits: Sequence[Hit], vectors: SentenceVectors | None,
             dates: Mapping[str, str | None] | None = None, constraints: Constraints | None = None,
             split: bool = True, roles: bool = True, agree: bool = True) -> list[Features]:
    """The features of each hit; `dates` maps doc ids to their ISO date, `qvec` is the question's unit vector.
    Without `vectors` the sentence feature is 0 and nothing is embedded; with `split` False the passages
    are not split into sentences (sentence and overlap are then 0); with `roles` False the evidence feature is 0,
    with `agree` False the agreement feature."""
    c = constraints if constraints is not None else parse(query)
    kind, words = answer_type(query), set(tokens(query))
    per_hit = [sentences(h.chunk.text) if split else [h.chunk.text] for h in hits]
    best = _best_sentence(qvec, per_hit, vectors)
    top = max((h.score for h in hits), default=0.0) or 1.0
    floor = min((h.similarity for h in hits if h.similarity is not None), default=0.0)
    focus = {w for f in focus_words(query) for w in f}
    rarity = _rarity(name_words(c) | focus, hits)
    named = [entity_coverage(c, f"{h.chunk.title}\n{h.chunk.text}", rarity) for h in hits]
    fits = [satisfies(c, h.chunk.text, (dates or {}).get(h.chunk.doc_id)).score for h in hits]
    # a passage votes by its fused score, scaled by how much of the question's names it holds; one about
    # another year does not vote (look-alikes of another subject agree among themselves on their own answer)
    agreed = [0.0] * len(hits)
    if agree:
        votes = [h.score / top * (1.0 if n is None else n) * (fit >= 0) for h, n, fit in zip(hits, named, fits)]
        agreed = agreement(query, [h.chunk.text for h in hits], [h.chunk.doc_id for h in hits], votes)
    out = []
    for h, ss, sim, ag, n, fit in zip(hits, per_hit, best, agreed, named, fits):
        text = h.chunk.text
        out.append(Features(
            fused=h.score / top, dense=h.similarity if h.similarity is not None else floor, sentence=sim,
            overlap=_overlap(words, ss) if split else 0.0, constraint=fit if fit < 0 or n is None else fit * n,
            entity=n or 0.0, title=_title_share(query, h.chunk.title), answer=float(holds_answer(kind, text, query)),
            evidence=evidence(query, text, rarity) if roles else 0.0, agreement=ag))
    return out


def rerank(query: str, qvec: np.ndarray | None, hits: Sequence[Hit], vectors: SentenceVectors,
           dates: Mapping[str, str | None] | None = None, weights: RerankWeights = RerankWeights(),
           reference: date | None = None) -> list[Hit]:
    """`hits` sorted by the weighted features, best first; each hit's `score` becomes that value.
    `qvec` (the question's unit vector) is needed only when the sentence weight is not 0."""
    if not hits:
        return []
    feats = features(query, qvec, hits, vectors if weights.sentence else None, dates, parse(query, reference),
                     split=bool(weights.sentence or weights.overlap), roles=bool(weights.evidence),
                     agree=bool(weights.agreement))
    scored = [dataclasses.replace(h, score=f.score(weights)) for h, f in zip(hits, feats)]
    return sorted(scored, key=lambda h: (-h.score, h.chunk.chunk_id))
