"""What the candidate pool agrees on: for a "who", "what" or "which" question the name words, for a "when"
question the complete dates (day, month, year) that several pooled passages state, and how strongly each
passage states one.

A passage that states the answer often shares few words with the question ("The match ... was contested
by France and Croatia"), while look-alikes share the words but not the answer. Well-ranked passages
that answer tend to repeat one candidate; a passage stating the candidate they agree on is more likely
to answer than one that states none.

Does: extract candidates of the asked kind from each passage (its dateline aside; name words the question
gives do not count), weigh each candidate by the votes of the distinct documents that state it (the
caller's weights: fused score, question-name coverage), and score each passage by its best-supported
candidate, 0..1.
Does not: decide what the answer is, read the chunks' neighbours, or handle non-English text. Measured
and left out (bench/fusion_sweep.py, rgb-dev and wikinews-dev, k 4, votes by fused score alone): days
without a year (rgb-dev recall 0.572 -> 0.566: look-alikes repeat "November 17" of another season) and
numbers for "how many" (wikinews-dev MRR 0.939 -> 0.931; with scaled votes 0.946 -> 0.938). Names for "what/which" lost wikinews-dev hit
(1.00 -> 0.99) with fused-score votes and gain (MRR 0.939 -> 0.946) with votes scaled by the question's
names, as `rag.retrieval.rerank.features` casts them.
Standard library only.
"""
from __future__ import annotations

import re
from typing import Sequence

from rag.retrieval.answer_type import DATE, NAME, PERSON, answer_type
from rag.retrieval.constraints import MONTHS, parse, split_dateline

KINDS = (PERSON, NAME, DATE)  # the question kinds it scores; see the module docstring for the others

_CAP = re.compile(r"[A-Z][\w'-]{2,}")
_NOT_NAMES = set(MONTHS) | {m[:3] for m in MONTHS} | set(
    "monday tuesday wednesday thursday friday saturday sunday the this that these there his her their its".split())
_MON = "|".join(m[:3] for m in MONTHS)
_FULL_DATE = re.compile(rf"\b(?:({_MON})[a-z]*\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?"  # November 17 | Nov. 17th
                        rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MON})[a-z]*\.?)"  # 17 November | 3rd of March
                        rf",?\s+((?:19|20)\d\d)\b", re.I)  # then the year


def dates(text: str) -> set[str]:
    """The complete dates a passage states (day, month and year), as "2020-11-15"; its dateline aside."""
    out = set()
    for m in _FULL_DATE.finditer(split_dateline(text)[1]):
        mon, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        out.add(f"{m.group(5)}-{[x[:3] for x in MONTHS].index(mon[:3].lower()) + 1:02d}-{int(day):02d}")
    return out


def candidates(text: str, asked: set[str]) -> set[str]:
    """The name words a passage states ("croatia", "zuckerberg"), lower case, none of the question's own
    words (`asked`, lower case) and no month or weekday."""
    words = {w.lower() for e in parse(split_dateline(text)[1]).entities for w in _CAP.findall(e)}
    return {w for w in words if w not in asked and w not in _NOT_NAMES}


def agreement(question: str, texts: Sequence[str], doc_ids: Sequence[str], weights: Sequence[float]) -> list[float]:
    """For each passage, the support of its best-supported candidate over the most supported one (0..1).
    A candidate's support is the sum of `weights` (each passage's vote) over the distinct documents that
    state it, each document counted once at its best passage's weight; a candidate only one document
    states has none. 0 for every passage when the question's kind is not in KINDS or no candidate is
    stated by two documents."""
    kind = answer_type(question)
    if kind not in KINDS:
        return [0.0] * len(texts)
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    per = [dates(t) if kind == DATE else candidates(t, asked) for t in texts]
    best_of: dict[tuple[str, str], float] = {}
    for cands, doc, w in zip(per, doc_ids, weights):
        for a in cands:
            best_of[(a, doc)] = max(best_of.get((a, doc), 0.0), w)
    support: dict[str, float] = {}
    count: dict[str, int] = {}
    for (a, _), w in best_of.items():
        support[a] = support.get(a, 0.0) + w
        count[a] = count.get(a, 0) + 1
    top = max((s for a, s in support.items() if count[a] > 1), default=0.0)
    if not top:
        return [0.0] * len(texts)
    return [max((support[a] / top for a in cands if count.get(a, 0) > 1), default=0.0) for cands in per]
