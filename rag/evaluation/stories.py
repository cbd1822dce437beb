"""Scoring a story grouping against a gold grouping: B-cubed precision, recall and F1 (Bagga and
Baldwin, 1998), and reading the gold file of a corpus (`stories.json`: `[{story, doc_ids}, ...]`).

B-cubed is computed per article: precision is the share of the articles in its predicted story that
are also in its gold story (itself included), recall the share of its gold story that is in its
predicted story; both are averaged over the articles, and F1 is their harmonic mean. Only articles
in both groupings are scored (an article the ingest skipped as junk is in neither).
Does not group anything (see rag.retrieval.stories).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float
    articles: int  # scored: in both groupings
    stories: int  # predicted stories over the scored articles
    gold_stories: int  # gold stories over the scored articles


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> BCubed:
    """Score `predicted` (doc id -> story id) against `gold` (doc id -> gold story id)."""
    ids = sorted(set(predicted) & set(gold))
    if not ids:
        return BCubed(0.0, 0.0, 0.0, 0, 0, 0)
    members: dict[tuple[str, str], set[str]] = {}
    for d in ids:
        members.setdefault(("p", predicted[d]), set()).add(d)
        members.setdefault(("g", gold[d]), set()).add(d)
    p = r = 0.0
    for d in ids:
        mine, truth = members[("p", predicted[d])], members[("g", gold[d])]
        both = len(mine & truth)
        p += both / len(mine)
        r += both / len(truth)
    p, r = p / len(ids), r / len(ids)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return BCubed(p, r, f1, len(ids), len({predicted[d] for d in ids}), len({gold[d] for d in ids}))


def read_gold(path: Path) -> dict[str, str]:
    """doc id -> gold story id, from a corpus's `stories.json`."""
    return {d: str(s["story"]) for s in json.loads(path.read_text(encoding="utf-8")) for d in s["doc_ids"]}
