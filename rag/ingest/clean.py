"""Turn raw article text into clean paragraphs under one headline.

`normalize` makes characters and whitespace canonical. `clean_article` splits the text into
paragraphs, drops repeated paragraphs, share/cookie/ad lines and site chrome above the headline
(picking up the site name as the publisher), and chooses a title.

Punctuation choices: curly quotes become ASCII quotes; en dashes, figure dashes and minus signs
become "-"; em dashes become " - " so the words on either side stay separate words for the
tokenizer and the lexical index. NFKC also turns "…" into "...", ligatures into letters and
full-width forms into ASCII.

Does not read files (see `load.py`), split into chunks (see `chunk.py`) or find dates.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from rag.core.errors import SkipFile
from rag.ingest.load import RawArticle
from rag.text.sentences import sentence_spans

_QUOTES = {c: "'" for c in "‘’‚‛′‵"} | {c: '"' for c in "“”„‟″‶"}
_DASHES = {c: "-" for c in "‐‑‒–−﹣"} | {c: " - " for c in "—―⸺⸻"}
_BREAKS = {"\u2028": "\n", "\u2029": "\n\n", "\f": "\n", "\v": "\n", "\x85": "\n"}
# soft hyphen, zero-width space, direction marks and embeddings, word joiner, BOM; ZWJ/ZWNJ stay
_INVISIBLE = (
    "\u00ad\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_TABLE = str.maketrans(_QUOTES | _DASHES | _BREAKS | {c: None for c in _INVISIBLE})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]*$")
_ENDS_CLAUSE = re.compile(r"[.!?:;][\"')\]]*$")
_BOILERPLATE = re.compile(
    r"""^(?:spread\ the\ love|share(?:\ (?:this|the\ story|this\ (?:article|story|post|page)))?
    |share\ (?:on|via|to)\ \w+(?:\ \w+)?|tweet|email|e-mail|print|whatsapp|facebook|twitter|linkedin
    |follow\ us\b.*|subscribe(?:\ (?:now|here|today|to\ .*|for\ .*))?
    |sign\ up\ (?:for|to)\ .*newsletter.*|(?:get|join)\ our\ newsletter.*
    |click\ here\b.*|advertisements?|sponsored(?:\ content)?|ad|story\ continues\ below.*
    |read\ more\b.*|(?:also|further)\ read\b.*|read\ also\b.*
    |related(?:\ (?:articles?|stories|news|posts?|content))?|you\ may\ also\ like.*
    |skip\ to\ (?:main\ )?content|all\ rights\ reserved.*|copyright\ *(?:©|\(c\)|\d{4}).*|©.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_ASK = re.compile(r"\b(?:we\ use|(?:web)?site\ uses|accept|consent|privacy\ policy)\b", re.I | re.X)
_TAGLINE_NOUN = re.compile(r"\b(?:news|media|newspaper|magazine|network|portal|channel)\b", re.I)
_TAGLINE_ADJ = re.compile(
    r"\b(?:largest|leading|trusted|independent|digital|online|best|premier|fastest|voice)\b", re.I
)
_TITLE_CHARS = 120


@dataclass(frozen=True)
class Cleaned:
    """A cleaned article: `text` starts with the title (see `clean_article`)."""

    title: str
    text: str
    publisher: str | None


def normalize(text: str) -> str:
    """Canonical characters and whitespace; deterministic and idempotent."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFKC", text).translate(_TABLE)
    text = re.sub(r"[^\S\n]+", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_article(raw: RawArticle, fallback_title: str) -> Cleaned:
    """Clean one article. Raises SkipFile when nothing readable is left.

    The text is the title line, a blank line, then the body paragraphs separated by blank lines.
    The title is `raw.title`, else the headline line. With no headline it is the first sentence
    (cut to about 120 characters, ending in "..."), which the body already starts with, so it is
    not written twice; with no usable sentence either it is `fallback_title`, kept out of the text.
    """
    paras = [p for p in _paragraphs(normalize(raw.text)) if _key(p) and not _is_boilerplate(p)]
    if not paras:
        raise SkipFile("no article text left after cleaning")
    given = " ".join(normalize(raw.title).split()) if raw.title else ""
    title, prepend, start, chrome = _top(paras, given)
    if not title:
        title, prepend = " ".join(normalize(fallback_title).split()) or "Untitled", False
    # a title written above the body is not repeated in it; a first-sentence title is the body's own start
    drop = ({_key(title)} if prepend else set()) | {_key(c) for c in chrome}
    body = _dedupe([p for p in paras[start:] if _key(p) not in drop])
    if not body and not prepend:
        raise SkipFile("no article text left after cleaning")
    text = "\n\n".join(([title] if prepend else []) + body)
    publisher = " ".join(normalize(raw.publisher).split()) if raw.publisher else None
    return Cleaned(title=title, text=text, publisher=publisher or _site_name(chrome))


def _paragraphs(text: str) -> list[str]:
    """Non-empty lines are paragraphs, except hard-wrapped lines, which are joined back."""
    paras: list[str] = []
    for block in text.split("\n\n"):
        merged: list[str] = []
        for line in filter(None, block.split("\n")):
            if merged and _is_wrapped(merged[-1], line):
                joiner = "" if merged[-1].endswith("-") else " "
                merged[-1] += joiner + line
            else:
                merged.append(line)
        paras.extend(merged)
    return paras


def _is_wrapped(prev: str, line: str) -> bool:
    return len(prev) >= 40 and line[0].islower() and not _ENDS_CLAUSE.search(prev)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _is_boilerplate(para: str) -> bool:
    if len(para) <= 150 and _BOILERPLATE.match(para.strip(" -|•·:>*#_=~!.")):
        return True
    return len(para) <= 400 and bool(_COOKIE.search(para)) and bool(_COOKIE_ASK.search(para))


def _is_headingish(para: str) -> bool:
    return len(para) <= 200 and len(para.split()) <= 30 and not _ENDS_SENTENCE.search(para)


def _is_chrome(para: str) -> bool:
    """A site name ("DailyBeat") or a tagline ("India's Largest Digital News Media")."""
    words = para.split()
    return (len(words) == 1 and len(para) <= 40) or (len(words) <= 8 and _is_tagline(para))


def _is_tagline(line: str) -> bool:
    return bool(_TAGLINE_NOUN.search(line) and _TAGLINE_ADJ.search(line))


def _top(paras: list[str], given: str) -> tuple[str, bool, int, list[str]]:
    """(title, prepend title?, index where the body starts, site chrome above the headline)."""
    lead = 0
    while lead < len(paras) and _is_headingish(paras[lead]):
        lead += 1
    if given:
        found = [i for i in range(lead) if _key(paras[i]) == _key(given)]
        return (given, True, found[0] + 1, paras[: found[0]]) if found else (given, True, 0, [])
    head = _headline(paras, lead)
    if head is not None:
        return paras[head], True, head + 1, paras[:head]
    first = paras[lead] if lead < len(paras) else ""
    if first and len(first) <= _TITLE_CHARS and lead + 1 < len(paras):
        return first, True, lead + 1, paras[:lead]
    sentence = _first_sentence(first)
    return (sentence if len(sentence.split()) >= 3 else ""), False, lead, paras[:lead]


def _headline(paras: list[str], lead: int) -> int | None:
    """Index of the headline among the leading heading-like lines, or None."""
    last = {_key(p): i for i, p in enumerate(paras)}  # the last index of each paragraph
    for i in range(lead):
        if len(paras[i].split()) >= 3 and last[_key(paras[i])] > i:
            return i  # a repeated headline is the surest sign
    i = 0
    while i < lead - 1 and _is_chrome(paras[i]):
        i += 1
    return i if i < lead and not _is_chrome(paras[i]) else None


def _first_sentence(para: str) -> str:
    spans = sentence_spans(para)
    sentence = para[spans[0][0] : spans[0][1]] if spans else ""
    if len(sentence) <= _TITLE_CHARS:
        return sentence
    cut = sentence[: _TITLE_CHARS + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "..."


def _site_name(chrome: list[str]) -> str | None:
    for line in chrome:
        words = line.split()
        if len(words) <= 4 and len(line) <= 40 and not _is_tagline(line):
            return line
    return None


def _dedupe(paras: list[str]) -> list[str]:
    """Keep the first of each repeated paragraph: same words and punctuation aside, or ≥90% alike.

    Fuzzy matching is bounded (200 earlier paragraphs, 2,000 full comparisons, files of at most
    500 paragraphs), so pathological files cost a second, not minutes.
    """
    kept: list[str] = []
    keys: set[str] = set()
    earlier: list[_Long] = []
    budget = 2000 if len(paras) <= 500 else 0
    for para in paras:
        key = _key(para)
        if key in keys:
            continue
        long = _Long.of(para)
        if long and budget > 0:
            candidates = [other for other in earlier if long.may_match(other)][:budget]
            budget -= len(candidates)
            if any(long.ratio(other) >= 0.9 for other in candidates):
                continue
        keys.add(key)
        kept.append(para)
        if long and len(earlier) < 200:
            earlier.append(long)
    return kept


@dataclass(frozen=True)
class _Long:
    """A paragraph of 8+ words, prepared for fuzzy comparison."""

    words: tuple[str, ...]
    trigrams: frozenset[tuple[str, ...]]

    @staticmethod
    def of(para: str) -> _Long | None:
        words = tuple(re.findall(r"\w+", para.lower()))
        if len(words) < 8:
            return None
        return _Long(words, frozenset(words[i : i + 3] for i in range(len(words) - 2)))

    def may_match(self, other: _Long) -> bool:
        """Cheap filters: similar length and at least half the word trigrams shared."""
        if min(len(self.words), len(other.words)) / max(len(self.words), len(other.words)) < 0.8:
            return False
        shared = len(self.trigrams & other.trigrams)
        return shared >= 0.5 * min(len(self.trigrams), len(other.trigrams))

    def ratio(self, other: _Long) -> float:
        """difflib's similarity of the two word sequences (1.0: identical)."""
        return difflib.SequenceMatcher(None, self.words, other.words, autojunk=False).ratio()
