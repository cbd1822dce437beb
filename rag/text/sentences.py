"""Sentence splitting for articles and answers: one splitter, one list of abbreviations.

A line break always ends a sentence; a leading bullet ("- ", "1. ", "# ") is not part of it; a
citation marker after the full stop ("... talks. [1]") stays with its sentence, and a marker alone
belongs to the sentence before. "Mr.", "Gen.", "Jan." never end a sentence; "Inc.", "U.S." end one
only before a function word ("the U.S. The talks" splits, "the U.S. Steve" does not).
Does not find paragraphs or clean text (see rag.ingest.clean).
"""
from __future__ import annotations

import re

from rag.text.markers import strip_markers
from rag.text.words import STOPWORDS

TITLES = frozenset(  # never end a sentence after these
    "mr mrs ms dr prof st jr sr gen col lt sgt capt cmdr adm sen rep gov pres amb fr rev hon mt ft vs no fig "
    "jan feb mar apr jun jul aug sep sept oct nov dec approx dept e.g i.e cf al".split()
)
ABBREVIATIONS = frozenset("etc inc ltd co corp bros".split())  # end one only before "The", "It", ...
_ANY_BRACKET = r"(?:\[[^\[\]\n]{1,30}\]|【[^】\n]{1,30}】)"
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)]*(?:\s*" + _ANY_BRACKET + r")*(?=\s|$)")
_BULLET = re.compile(r"\s*(?:[-*•·–]\s+|\d{1,2}[.)]\s+|#+\s+)?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        pos = line.start() + _BULLET.match(line.group()).end()
        start = pos
        for m in _BOUNDARY.finditer(text, pos, line.end()):
            rest = text[m.end():line.end()].lstrip()
            if rest and not _ends_sentence(text[start:m.start()], m.group(), rest):
                continue
            spans.append((start, m.end()))
            start = m.end()
        spans.append((start, line.end()))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        seg = text[s:e]
        s, e = s + len(seg) - len(seg.lstrip()), e - len(seg) + len(seg.rstrip())
        if s >= e:
            continue
        if out and not strip_markers(text[s:e]):  # a marker alone belongs to the sentence before
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _ends_sentence(before: str, punct: str, rest: str) -> bool:
    if rest[0].islower():
        return False
    if not punct.startswith(".") or punct.startswith(".."):
        return True
    token = (before.split() or [""])[-1].lstrip("(\"'“‘").lower()
    next_word = re.sub(r"\W", "", rest.split()[0].lower())
    if token in TITLES:
        return False
    if token in ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+[a-z]|[a-z]", token):
        return next_word in STOPWORDS
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (see the module docstring for the rules)."""
    return [text[s:e] for s, e in sentence_spans(text)]
