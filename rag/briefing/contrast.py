"""Where the sources differ, found without the model: close sentence pairs from different stories
where one side negates or limits what the other says, kept only when each side is in its own
article and not in the other's; and notable facts that only one story reports.

Does not decide which side is right.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from rag.briefing.digest import Digest
from rag.briefing.evidence import Ctx, Group, make, supported
from rag.briefing.extract import body_sentences
from rag.core.types import Contrast, Point
from rag.text.markers import strip_markers
from rag.text.words import content_words

CONFLICTS, ONLY = 4, 3
PAIR_SIM, STRICT_SIM = 0.5, 0.55  # cross-story sentence pairs: each sentence in its closest pair only;
# a pair this close (and sharing a rarer word) may be a difference
_CONTRAST = re.compile(r"\b(?:not|no|never|outside|without|refus\w*|reject\w*|den(?:y|ied|ies)|fail\w*|"
                       r"rather than|limited to|exclud\w*|however|but)\b", re.IGNORECASE)


def conflicts(digests: Sequence[Digest], embedder: object, ctx: Ctx) -> tuple[Contrast, ...]:
    """Statements on one point that one story makes and another contradicts or limits (see `_pairs`)."""
    if len(set(ctx.story.values())) < 2:
        return ()
    return tuple(c for one, other in _pairs(digests, embedder, ctx) for c in _differ(one, other, ctx))[:CONFLICTS]


def _differ(one: tuple[str, str], other: tuple[str, str], ctx: Ctx) -> list[Contrast]:
    """The two sides, (doc id, sentence) each, when each is found in its own article and not in the
    other's (else they agree on it)."""
    (d1, t1), (d2, t2) = one, other  # from different stories (see `_pairs`)
    if not (supported(t1, d1, ctx) and supported(t2, d2, ctx)):
        return []
    if supported(t1, d2, ctx) or supported(t2, d1, ctx):
        return []
    return [Contrast((make(t1, [d1], ctx), make(t2, [d2], ctx)))]


def _pairs(digests: Sequence[Digest], embedder: object, ctx: Ctx) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Closest cross-story sentence pairs where only one side negates or limits something and both
    share a word that not every story uses, best first."""
    rows, words = [], {}
    for d in digests:
        sentences = [s for _, _, s in body_sentences(ctx.texts[d.doc_id], d.title)]
        rows += [(d.doc_id, _with_antecedent(sentences, k)) for k in range(len(sentences))]
        words.setdefault(ctx.story[d.doc_id], set()).update(content_words(ctx.texts[d.doc_id]))
    if len(rows) < 2:
        return []
    common = set.intersection(*words.values())
    v = np.asarray(embedder.embed([s for _, s in rows]))  # type: ignore[attr-defined]
    story = np.array([ctx.story[d] for d, _ in rows])
    neg = np.array([bool(_CONTRAST.search(s)) for _, s in rows])
    sims = np.where((story[:, None] != story[None, :]) & neg[:, None] & ~neg[None, :], v @ v.T, -1.0)
    out, used = [], set()
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(rows))
        if sims[i, j] < PAIR_SIM or len(out) >= CONFLICTS:
            break
        if i in used or j in used:
            continue
        used |= {i, j}
        shared = (content_words(rows[i][1]) & content_words(rows[j][1])) - common
        if shared and sims[i, j] >= STRICT_SIM:
            one, other = sorted((rows[i], rows[j]), key=lambda r: ctx.number[r[0]])
            out.append((one, other))
    return out


def _with_antecedent(sentences: Sequence[str], k: int) -> str:
    """The sentence, after the one before it when it opens by pointing back ("This stance...")."""
    if k and re.match(r"(?:However,\s+)?(?:This|These|That|Those|They|It|Such)\b", sentences[k]):
        return f"{sentences[k - 1]} {sentences[k]}"
    return sentences[k]


def clean(side: str) -> str:
    side = strip_markers(side).strip()
    if len(side) > 2 and side[0] == side[-1] == '"':
        side = side[1:-1].strip()
    return side if re.search(r"[.!?]$", side) else side + "."


def only(points: Sequence[tuple[Group, Point]], ctx: Ctx) -> tuple[Contrast, ...]:
    """Notable facts a single story reports and no other article supports."""
    out = []
    for g, p in points if len(set(ctx.story.values())) > 1 else ():
        own = ctx.story[p.doc_ids[0]]
        if {ctx.story[d] for d in (*g.doc_ids, *p.doc_ids)} == {own} and not any(
                supported(p.text, d, ctx) for d in ctx.texts if ctx.story[d] != own):
            first = p.text.split()[0] if p.text.split() else ""
            text = p.text if first in ctx.names or first.isupper() else p.text[:1].lower() + p.text[1:]
            lead = f"Only {ctx.sources[p.cites[0] - 1].outlet} reports that"
            out.append(Contrast((replace(p, text=text, lead=lead),)))
    return tuple(out[:ONLY])


