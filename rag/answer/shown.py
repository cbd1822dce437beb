"""What the sources shown with an answer state together, that a claim may add to the one source it cites.

`stated(text)`: the years a source states and the places it writes with their country or state ("beijing,
china"). `added(claim, whole, shown)`: the words of a claim that need not be in its source because another
shown source states them: a year added to a day the source gives without one ("November 10, 2004" against
"strayed Nov. 10", when the source states no year at all), and the qualifier of a place the source names
("Beijing, China hosted ..." against "Beijing was elected as the host city", when another source writes
"Beijing, China"). A year or a qualifier that no shown source states is still required, and so is a year
that contradicts a year of the source. Does not score support (rag.answer.support); standard library only.
"""
from __future__ import annotations

import re

from rag.text.lexicon import MONTHS

_MONTH = "(?:" + "|".join(m.capitalize() for m in MONTHS) + ")"
_DAY_YEAR = re.compile(rf"\b(?:({_MONTH}) (\d{{1,2}}),? |(\d{{1,2}}) ({_MONTH}),? )((?:19|20)\d\d)\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CAP = r"[A-Z][\w'-]+"
# "Beijing, China", "Austin, Texas", "Kansas City, Missouri": a place of up to three words and one or two
# words after the comma, which end the name (no capitalised word follows).
_QUALIFIED = re.compile(rf"(?<![\w'-])({_CAP}(?: {_CAP}){{0,2}}), ({_CAP}(?: {_CAP})?)(?! [A-Z])(?![\w'-])")


def stated(text: str) -> frozenset[str]:
    """The years (1900-2099) a text states, and each "place, qualifier" it writes, lower case."""
    return frozenset(_YEAR.findall(text)) | {f"{m.group(1)}, {m.group(2)}".lower() for m in _QUALIFIED.finditer(text)}


def _years(claim: str, whole: str, shown: frozenset[str]) -> set[str]:
    if _YEAR.search(whole):  # a source that states any year must state this one (its own date counts)
        return set()
    out = set()
    for m in _DAY_YEAR.finditer(claim):
        month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if m.group(5) in shown and re.search(rf"\b(?:{month} {day}|{day} {month})\b", whole):
            out.add(m.group(5))
    return out


def _qualifiers(claim: str, whole: str, shown: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for m in _QUALIFIED.finditer(claim):
        place, qualifier = m.group(1), m.group(2)
        if f"{place}, {qualifier}".lower() in shown and re.search(rf"(?<![\w-]){re.escape(place)}(?![\w-])", whole) \
                and not re.search(rf"(?<![\w-]){re.escape(qualifier)}(?![\w-])", whole):
            out |= {w.lower() for w in qualifier.split()}
    return out


def added(claim: str, whole: str, shown: frozenset[str]) -> set[str]:
    """The claim's words (lower case) that another shown source states for it: see the module docstring.
    `whole`: the source's canonical text with its metadata; `shown`: `stated` of every source shown."""
    return _years(claim, whole, shown) | _qualifiers(claim, whole, shown)
