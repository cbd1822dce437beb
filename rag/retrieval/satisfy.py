"""Whether a passage states what a question's constraints ask, and whether an answer sentence's year,
quarter, season or edition disagrees with its cited evidence.

Does: `satisfies` tells whether a passage states the constrained year/quarter/season/edition/decade
(+1; PASSING when only outside its sentences about the question's names), is silent (0) or states only
other values for that slot (-1); `entity_coverage` is the share of the question's names a passage
contains; `conflicts` gives a short reason when a cited passage states another year/quarter/season/
edition than an answer sentence claims, or lists the sentence's name under another year.
Does not: parse text into constraints (rag.retrieval.constraints), understand who-did-what (a passage
naming 2014 and 2018 satisfies "2014"), map an edition to its year or call any model.
Standard library and the sentence splitter (rag.text.sentences) only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Mapping, NamedTuple

from rag.retrieval.constraints import CONNECTORS, YEAR, YEAR_RE, Constraints, as_date, parse, split_dateline
from rag.text.sentences import split_sentences


@dataclass(frozen=True)
class Satisfaction:
    """How a passage stands to the constraints: `score` in [-1, 1] is the mean over constrained slots
    of +1 (states the value), 0 (silent) and -1 (states only other values for that slot)."""

    score: float
    matched: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "satisfies" if self.score > 0 else "contradicts" if self.score < 0 else "silent"


DOC_DATE_WEIGHT = 0.5  # a metadata date says less than the text: a 2022 article may recall 2014


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Slot(NamedTuple):
    label: str  # what the question asks: "2014", "Q3 2021", "season 4"
    score: float  # +1 stated, 0 silent, -1 only other values stated
    stated: str  # what the passage states for the slot


def _slot_scores(c: Constraints, p: Constraints, doc_year: int | None) -> list[Slot]:
    """One `Slot` for each slot the constraints fix; `p` is what the passage states."""
    slots: list[Slot] = []
    for year, q in c.quarters:
        same = [(y, pq) for y, pq in p.quarters if pq == q and (not year or not y or y == year)]
        stated = ", ".join(f"Q{pq} {y or ''}".strip() for y, pq in p.quarters)
        slots.append(Slot(f"Q{q} {year or ''}".strip(), 1.0 if same else -1.0 if p.quarters else 0.0, stated))
    for season in (x for x in c.seasons if "-" in x):
        spans = [x for x in p.seasons if "-" in x]
        slots.append(Slot(season, 1.0 if season in spans else -1.0 if spans else 0.0, ", ".join(spans)))
    for n, noun in c.editions:
        same_noun = [pn for pn, pnoun in p.editions if pnoun == noun]
        slots.append(Slot(f"{_ordinal(n)} {noun}", 1.0 if n in same_noun else -1.0 if same_noun else 0.0,
                          ", ".join(f"{_ordinal(pn)} {noun}" for pn in same_noun)))
    years = "/".join(map(str, p.years))
    for decade in c.decades:
        inside = [y for y in p.years if decade <= y < decade + 10]
        slots.append(Slot(f"{decade}s", 1.0 if inside else -1.0 if p.years else 0.0, years))
    if c.years and not any(x.score for x in slots):  # a decided quarter or season already judged its year
        slots.append(Slot("/".join(map(str, c.years)), _year_score(c.years, p.years, doc_year), years))
    return slots


def _year_score(asked: tuple[int, ...], stated: tuple[int, ...], doc_year: int | None) -> float:
    if set(asked) & set(stated):
        return 1.0
    if stated:
        return -1.0
    if doc_year is not None:
        return DOC_DATE_WEIGHT if doc_year in asked else -DOC_DATE_WEIGHT
    return 0.0


def _year_of(doc_date: str | date | None) -> int | None:
    if isinstance(doc_date, date):
        return doc_date.year
    m = re.match(r"(\d{4})", doc_date or "")
    return int(m.group(1)) if m else None


def satisfies(constraints: Constraints, text: str, doc_date: str | date | None = None) -> Satisfaction:
    """Whether `text` states the constrained year/quarter/season/edition/decade; `doc_date` (ISO) counts
    for the year only when the text names no year, and resolves the text's own "last year"."""
    if constraints.empty:
        return Satisfaction(0.0)
    dateline, text = split_dateline(text)
    doc_date = doc_date or dateline
    constraints, slots = _name_year_slots(constraints, text)
    stated = parse(text, as_date(doc_date))
    slots += _slot_scores(constraints, stated, _year_of(doc_date)) if not constraints.empty else []
    if not slots:
        return Satisfaction(0.0)
    bound = _about(constraints, text)
    if bound is not None and bound != text:  # some value may be stated only in passing
        in_place = {x.label: x.score for x in _slot_scores(constraints, parse(bound, as_date(doc_date)), _year_of(doc_date))}
        slots = [x._replace(score=PASSING) if x.score > 0 and in_place.get(x.label, 0) < x.score else x for x in slots]
    return Satisfaction(sum(x.score for x in slots) / len(slots),
                        tuple(x.label for x in slots if x.score > 0), tuple(x.label for x in slots if x.score < 0))


def _name_year_slots(constraints: Constraints, text: str) -> tuple[Constraints, list[Slot]]:
    """A year that is part of a name ("Wonder Woman 1984", "Cyberpunk 2077", "Euro 2016") is stated by the
    year itself and contradicted only by the same name with another year ("Euro 2012"), not by a passage
    that dates something else ("2017's Wonder Woman"). (The constraints without those years, their slots.)"""
    slots, named = [], set()
    for name in constraints.entities:
        m = re.search(rf"(?:^|\s)(?P<stem>[^\s]+(?:\s+[^\s]+)?)\s+(?P<year>{YEAR})$", name)
        if not m or int(m.group("year")) not in constraints.years or m.group("stem").lower() in CONNECTORS:
            continue
        year, stem = int(m.group("year")), re.escape(m.group("stem").split()[-1])
        other = re.search(rf"\b{stem}\s+(?!{year}\b)(?:{YEAR})\b", text, re.I)
        score = 1.0 if re.search(rf"\b{year}\b", text) else -1.0 if other else 0.0
        slots.append(Slot(name, score, other.group(0) if other else ""))
        named.add(year)
    if not named:
        return constraints, []
    return replace(constraints, years=tuple(y for y in constraints.years if y not in named)), slots


# A value the passage states only outside its sentences about the asked names ("Hinako Shibuno won the
# 2019 Women's British Open ... the first major of 2020" for "the British Open in 2020") is a mention in
# passing, not the event's value: it counts as much as the article's date does.
PASSING = DOC_DATE_WEIGHT


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    """The sentences of a passage, cached: the next question's pool holds many of the same passages."""
    return tuple(split_sentences(text))


def _about(constraints: Constraints, text: str) -> str | None:
    """The sentences of `text` that name one of the constraints' name words, joined; None when the
    question names nothing or no sentence names it (then no sentence can be told from another)."""
    words = name_words(constraints)
    if not words:
        return None
    ss = _sentences(text)
    about = [x for x in ss if _words(x) & words]
    return " ".join(about) if about and len(about) < len(ss) else None if not about else text


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w']+", text)}


def name_words(constraints: Constraints) -> set[str]:
    """The lower-cased words of the constraints' names, connectors ("of", "the") left out."""
    return {w for name in constraints.entities for w in _words(name) if w not in CONNECTORS}


def entity_coverage(constraints: Constraints, text: str, weight: Mapping[str, float] | None = None) -> float | None:
    """The share of the names' words found in `text`, each word counted by `weight` (default 1: a rare
    word such as "Lego" can be made to count more than "CEO"); None without names."""
    words = name_words(constraints)
    if not words:
        return None
    have = _words(text)
    total = sum((weight or {}).get(w, 1.0) for w in words)
    return sum((weight or {}).get(w, 1.0) for w in words if w in have) / total if total else 0.0


# --- an answer sentence against its cited evidence ----------------------------------------------

def conflicts(constraints: Constraints, sentence: str, evidence: str) -> str | None:
    """A short reason when `evidence` states another value than `sentence` for a slot the question
    constrains (year, quarter, season, edition), or puts the sentence's names in another year's row
    of a list of years; None when it agrees or is silent."""
    claim, ev = parse(sentence), parse(evidence)
    target = Constraints(
        years=tuple(y for y in claim.years if y in constraints.years) or constraints.years,
        quarters=tuple(q for q in claim.quarters if q in constraints.quarters) or constraints.quarters,
        seasons=constraints.seasons, editions=constraints.editions, decades=constraints.decades)
    for slot in _slot_scores(target, ev, None):
        if slot.score < 0:
            return f"the source is about {slot.stated}, not {slot.label}"
    if target.years and len(ev.years) >= 3:
        return _row_conflict(target.years, claim, constraints, evidence)
    return None


def _row_conflict(years: tuple[int, ...], claim: Constraints, constraints: Constraints, evidence: str) -> str | None:
    """In a list of years ("2018. France ; 2014. Germany ; 2010. Spain"), each name belongs to the year
    next to it (before it when the list starts with a year). A conflict when every name of the claim
    that is not in the question sits only in other years' rows."""
    marks = [(m.start(), int(m.group("year"))) for m in YEAR_RE.finditer(evidence)]
    if len(marks) < 3:
        return None
    year_first = marks[0][0] <= 12
    asked = {w for e in constraints.entities for w in _words(e)}
    names = [e for e in claim.entities if not (_words(e) <= asked) and not e.isdigit()]
    rows_of: dict[str, set[int]] = {}
    for name in names:
        for m in re.finditer(re.escape(name), evidence, re.I):
            before = [y for pos, y in marks if pos < m.start()]
            after = [y for pos, y in marks if pos > m.end()]
            row = (before[-1] if before else None) if year_first else (after[0] if after else None)
            if row is not None:
                rows_of.setdefault(name, set()).add(row)
    if names and rows_of and all(n in rows_of for n in names) and not any(rows_of[n] & set(years) for n in names):
        name = names[0]
        return f"the source lists {name} under {'/'.join(map(str, sorted(rows_of[name])))}, not {'/'.join(map(str, years))}"
    return None
