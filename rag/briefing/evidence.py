"""What a brief checks its sentences against: the selected articles' texts, their source numbers,
their stories (near-duplicates share one) and the names they use; and the grouping of facts.

Does not select articles, call the model or render anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from rag.answer import cite
from rag.core.types import BriefSource, Point


@dataclass(frozen=True)
class Group:
    """Facts of one or more articles that say the same thing, most important member first."""

    texts: tuple[str, ...]
    doc_ids: tuple[str, ...]
    priority: float


@dataclass(frozen=True)
class Ctx:
    texts: dict[str, str]  # doc id -> cleaned article text
    number: dict[str, int]  # doc id -> source number
    story: dict[str, str]  # doc id -> story (near-duplicates share one)
    sources: tuple[BriefSource, ...]
    names: frozenset[str]  # words the articles capitalise mid-sentence and never write in lower case
    dates: dict[str, str | None] = field(default_factory=dict)  # doc id -> ISO publication date (None: unknown)


def names_in(texts: Sequence[str]) -> frozenset[str]:
    joined = " ".join(texts)
    lower = set(re.findall(r"\b[a-z][\w'-]*", joined))
    return frozenset(w for w in re.findall(r"(?<=[a-z,;] )[A-Z][\w'-]*", joined) if w.lower() not in lower)


def score(text: str, doc_id: str, ctx: Ctx) -> float:
    return cite.support(text, ctx.texts[doc_id])[0]


def supported(text: str, doc_id: str, ctx: Ctx, threshold: float = cite.SUPPORT_THRESHOLD) -> bool:
    return score(text, doc_id, ctx) >= threshold


def make(text: str, doc_ids: Sequence[str], ctx: Ctx, lead: str = "") -> Point:
    ids = sorted(set(doc_ids), key=lambda d: ctx.number[d])
    return Point(" ".join(text.split()), tuple(ctx.number[d] for d in ids), tuple(ids), lead)


def stories(p: Point, ctx: Ctx) -> int:
    return len({ctx.story[d] for d in p.doc_ids})


