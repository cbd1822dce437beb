"""The kind of thing a question asks for (a date, a person, a name, a number) and whether a passage
holds one that the question itself does not already name.

Does: classify a question by its wh-word and head ("When...", "What is the release date...", "Who...",
"Which city...", "How many..."), and test a passage for a candidate of that kind (for a date, one of the
year the question asks, when it asks one; for a person, a name after the words the question gives:
"CEO Jane Doe").
Does not: find the answer, check that a candidate is the right one, or handle non-English text.
Standard library only.
"""
from __future__ import annotations

import re

from rag.retrieval.constraints import MONTHS, parse, split_dateline

DATE, PERSON, NAME, NUMBER = "date", "person", "name", "number"

_KINDS = (
    (DATE, re.compile(r"^\s*when\b|\b(?:what|which)\s+(?:\w+\s+){0,3}?(?:date|day|year|month)\b|"
                      r"\b(?:release|premiere|launch|air)\s+date\b", re.I)),
    (NUMBER, re.compile(r"\bhow\s+(?:many|much|long|old|far|big|tall)\b|\bwhat\s+(?:\w+\s+)?(?:number|amount|price|"
                        r"percentage|score)\b", re.I)),
    (PERSON, re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:which|what)\s+(?:\w+\s+)?(?:actor|actress|director|player|"
                        r"person|singer|author|writer|ceo|president|leader|coach)\b", re.I)),
    (NAME, re.compile(r"^\s*(?:which|what)\b", re.I)),
)
_MON = "|".join(m[:3] for m in MONTHS)
_MONTH_DAY = re.compile(rf"\b(?:{_MON})[a-z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
                        rf"(?:{_MON})[a-z]*\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b", re.I)
_NUM = re.compile(r"(?<![\w.])\d[\d,.]*\b")
_YEAR_AFTER = re.compile(r"(?:,|\s+of)?\s*(\d{4})\b")


def _asked_years(question: str) -> set[int]:
    """The years a question asks about, but a year inside a name ("Cyberpunk 2077")."""
    c = parse(question)
    return {y for y in c.years if not any(str(y) in e for e in c.entities)}


def _in_years(text: str, m: re.Match, years: set[int]) -> bool:
    """A month-day date holds an answer for a question about `years` unless its own year is another one:
    "November 18, 2020" does not answer "the date of the 2021 draft", "July 29" may."""
    after = _YEAR_AFTER.match(text, m.end())
    return not years or after is None or int(after.group(1)) in years


def answer_type(question: str) -> str | None:
    """date | number | person | name, or None when the question's form does not say."""
    for kind, rx in _KINDS:
        if rx.search(question):
            return kind
    return None


def holds_answer(kind: str | None, text: str, question: str) -> bool:
    """Whether the passage (its dateline aside) holds a candidate of `kind` that the question does not name."""
    if kind is None:
        return False
    text = split_dateline(text)[1]
    if kind == DATE:
        return any(_in_years(text, m, _asked_years(question)) for m in _MONTH_DAY.finditer(text))
    asked = {w.lower() for w in re.findall(r"\w+", question)}
    if kind == NUMBER:
        return any(m.group(0) not in asked for m in _NUM.finditer(text))
    if kind == PERSON:  # "CEO Niels B. Christiansen" is a name the question does not give, after its role word
        people = [[w for w in e.split() if w.lower().strip(".") not in asked] for e in parse(text).entities]
        return any(len(p) >= 2 and not any(ch.isdigit() for w in p for ch in w) for p in people)
    return any(not ({w.lower() for w in re.findall(r"\w+", e)} & asked) for e in parse(text).entities)
