"""Words: the stop-word lists, content words, key terms (numbers, dates, names), and when two words
are forms of one word. Used by the lexical index, verification, digests and briefs.

Does not split sentences (see rag.text.sentences) or weigh words by rarity (see rag.retrieval.lexical).
"""
from __future__ import annotations

import os
import re

# Function words: dropped by the lexical index (BM25) and, with the words below, by verification.
FUNCTION_WORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that "
    "these those there their they them he she his her we our you your i me my not no do does did have has had "
    "will would can could should may might must shall so than then too very also just about into over after "
    "before between during what which who whom whose when where why how s t".split()
)
# Verification also ignores quantifiers, connectives and reporting verbs: a claim is not supported
# by sharing "said" or "however" with its source.
STOPWORDS = FUNCTION_WORDS - {"s", "t"} | frozenset(
    "theirs him hers ours nor done being under again further all any both each few more most other some such "
    "only own same up down out off once here while however yet still whether though although because since "
    "until unless per via said says say told according stated reported yes okay ok one".split()
)
NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split()) if w != "_"}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                     "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000"})
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")  # a token that reads as a year
CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_ALIASES = ((re.compile(r"\bUnited States\b"), "US"), (re.compile(r"\bUnited Nations\b"), "UN"),
            (re.compile(r"\bUnited Kingdom\b"), "UK"))
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+(?:'[A-Za-z]+)*")


def normalise(text: str) -> str:
    """Apostrophes, dotted acronyms ("U.S." -> "US") and a few long names folded to one form."""
    text = text.replace("’", "'")
    text = re.sub(r"\b((?:[A-Z]\.){2,})", lambda m: m.group(1).replace(".", ""), text)
    for pattern, short in _ALIASES:
        text = pattern.sub(short, text)
    return text


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stopwords; possessives and plurals of lower-case words folded."""
    out: set[str] = set()
    for tok in _WORD.findall(normalise(text)):
        if tok[0].isdigit():
            out.add(tok.replace(",", ""))
            continue
        tok = tok[:-2] if tok.lower().endswith("'s") else tok
        low, acronym = tok.lower(), tok.isupper() and len(tok) > 1
        if len(low) < 2 or (low in STOPWORDS and not acronym):
            continue
        if tok.islower() and len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
            low = low[:-1]
        out.add(low)
    return out


def key_terms(text: str) -> set[str]:
    """Numbers (digits), months and weekdays, acronyms and capitalised names, lower-cased."""
    toks = [t[:-2] if t.lower().endswith("'s") else t for t in _WORD.findall(normalise(text))]
    terms = {t.replace(",", "") for t in toks if t[0].isdigit()}
    terms |= {NUMBER_WORDS[t.lower()] for t in toks if t.lower() in NUMBER_WORDS}
    for i, tok in enumerate(toks):
        low = tok.lower()
        if tok[0].isdigit() or not tok[0].isupper():
            continue
        if (len(tok) > 1 and tok.isupper()) or low in CALENDAR:
            terms.add(low)
        elif i > 0 and low not in STOPWORDS and len(low) > 1:
            terms.add(low)
    return terms


def related(a: str, b: str) -> bool:
    """Same word up to a suffix: "iran"/"iranian", "mediated"/"mediation"; numbers exact only."""
    if a == b:
        return True
    if a[0].isdigit() or b[0].isdigit():
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short):
        return True
    return len(os.path.commonprefix([a, b])) >= max(5, len(short) - 3)


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' content words."""
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / (len(wa | wb) or 1)
