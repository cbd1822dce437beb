"""Who did what to whom: the shared machinery of claim checking, and the role check.

Tokens of canonical text with a name flag; when two words are forms of one word or near-synonyms
(`same_word`) and when two names are one (`same_name`: exactly, or country and demonym, never by
prefix); verb-like tokens and their voice; `role_conflict`: a name is the doer of a shared verb on
one side and the done-to on the other (passive counted: "X was replaced by Y" makes Y the doer), or
the verb has another doer (where the source uses it several times: every doer it names is another one),
another with-object or (for "became", "named") another complement in the source. Also splits a
sentence into clauses and reads the items of a list ("including A, B and C").
Negation and hedges are in rag.answer.polarity, numbers and names in slots in rag.answer.slots.
Does not score support or decide verdicts (rag.answer.support does); no model, standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from rag.text.lexicon import COPULAR, DEMONYMS, LIST_CUES, NEGATIONS, OPENERS, PARTICIPLES, SYNONYMS
from rag.text.words import STOPWORDS, normalise, related

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+(?:'[A-Za-z]+)*|[,;:()\"—–.!?]|--| - ")
_AUX = frozenset("will would must can could may might should shall to did does do has have had".split())
BE = frozenset("was were is are be been being".split())
_HAVE = frozenset("has have had having".split())
_ROLE_REACH = 5  # tokens between a name and the verb it does or undergoes; 4 missed "the withdrawal of Franklin"
_ROLE_VERBS = frozenset(["told"])  # a reporting verb with a named addressee: "X told Y"; "said" has none
_ADVERBS = frozenset("first later earlier again still then now soon already ago".split())
_CONJUNCTIONS = frozenset("and or but".split())
_RELATIVES = frozenset("who which that".split())
_DETERMINERS = frozenset("a an the".split())
_PRONOUNS = frozenset("he she they it we i".split())
_DEMONYM_SUFFIXES = ("ian", "ean", "an", "n", "i", "ese", "ish", "ic")


@dataclass(frozen=True)
class Tok:
    text: str  # as written
    low: str  # lower case, possessive dropped
    name: bool  # a capitalised word not at the sentence start, or an acronym
    punct: bool


@lru_cache(maxsize=2048)  # a source's text is tokenised once per answer, not once per check
def tokens(text: str, names: frozenset[str] = frozenset()) -> tuple[Tok, ...]:
    """Tokens of canonical text; a capitalised first word is a name when it is in `names`, an acronym or
    a demonym."""
    out: Sequence[Tok] = []
    for i, raw in enumerate(_TOKEN.findall(normalise(text))):
        if not (raw[0].isalnum()):
            out.append(Tok(raw, raw.strip(), False, True))
            continue
        low = raw.lower()
        low = low[:-2] if low.endswith("'s") else low
        cap = raw[0].isupper() and low not in STOPWORDS
        out.append(Tok(raw, low, cap and (i > 0 or raw.isupper() or low in DEMONYMS or low in names), False))
    return tuple(out)


@lru_cache(maxsize=4096)
def syn_stems(word: str) -> frozenset[str]:
    stems = [s for s in SYNONYMS if word == s or (len(s) >= 4 and word.startswith(s))]
    return frozenset().union(*(SYNONYMS[s] for s in stems)) if stems else frozenset()


@lru_cache(maxsize=16384)
def same_name(a: str, b: str) -> bool:
    """Names match exactly or as country and demonym ("Iran"/"Iranian", "China"/"Chinese")."""
    if a == b:
        return True
    if len(a) > 4 and len(b) > 4 and a.endswith("s") != b.endswith("s"):  # "Iranians" / "Iranian"
        a, b = a.rstrip("s") if a.endswith("s") else a, b.rstrip("s") if b.endswith("s") else b
        if a == b:
            return True
    if b in DEMONYMS.get(a, ()) or a in DEMONYMS.get(b, ()):
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    bases = {short, short[:-1]} if short[-1] in "aeoy" else {short}
    return any(long_ == base + suf for base in bases for suf in _DEMONYM_SUFFIXES)


@lru_cache(maxsize=65536)  # the slot and role checks compare the same pairs many times
def same_word(a: str, b: str) -> bool:
    """Forms of one word ("mediated"/"mediation") or curated near-synonyms ("bought"/"acquired")."""
    if related(a, b):
        return True
    if a[0].isdigit() or b[0].isdigit():
        return False
    syn = syn_stems(a)
    return bool(syn) and any(b == s or (len(s) >= 4 and b.startswith(s)) or related(b, s) for s in syn)


def verbs(toks: Sequence[Tok]) -> dict[int, bool]:
    """Positions of verb-like tokens -> passive? (an -ed/-en word, or a word after an auxiliary)."""
    out: dict[int, bool] = {}
    for i, t in enumerate(toks):
        if t.punct or t.name or (t.low in STOPWORDS and t.low not in _ROLE_VERBS) or t.low in _AUX \
                or t.low[0].isdigit() or t.low.endswith("ly") or t.low in _ADVERBS:
            continue
        before = [toks[j].low for j in range(max(0, i - 2), i)]
        ing = t.low.endswith("ing") and len(t.low) > 5 and i > 0 and (toks[i - 1].low in BE or toks[i - 1].low == ",")
        if i > 0 and toks[i - 1].low in _DETERMINERS and i + 1 < len(toks) and content(toks[i + 1]):
            continue  # "a jailed leader", "the injured man": an adjective, not a deed
        if t.low.endswith(("ed", "en", "wn")) or t.low in COPULAR or t.low in _ROLE_VERBS or ing \
                or any(b in _AUX or b in BE or b in NEGATIONS for b in before):
            out[i] = (any(b in BE for b in before) and t.low.endswith(("ed", "en", "wn", "t"))) \
                or (t.low in PARTICIPLES and not any(b in _HAVE for b in before))
    return out


def chain_end(toks: Sequence[Tok], j: int) -> int:
    while j + 1 < len(toks) and toks[j + 1].name:
        j += 1
    return j


def _subject(toks: Sequence[Tok]) -> str | None:
    """The sentence's first name (its end: "Stephen Hadley" -> "hadley"), when it opens the sentence."""
    for j, t in enumerate(toks[:3]):
        if t.name or (j == 0 and t.text[:1].isupper() and t.low not in STOPWORDS and t.low not in OPENERS):
            return toks[chain_end(toks, j)].low
    return None


def _skippable(t: Tok, budget: list[int]) -> bool:
    """Tokens between a name and its verb: function words, auxiliaries, adverbs, up to 2 nouns."""
    if t.punct or t.name:
        return False
    if t.low in STOPWORDS or t.low in _AUX or t.low.endswith("ly"):
        return True
    budget[0] -= 1
    return budget[0] >= 0


def _with(toks: Sequence[Tok], at: int) -> str | None:
    """The name after "with" right after the verb at `at` ("replaced with Ingrida Udre")."""
    for k in range(at + 1, min(len(toks) - 1, at + 3)):  # "replacing her with Andris Piebalgs"
        if toks[k].punct or toks[k].name:
            return None
        if toks[k].low == "with" and toks[k + 1].name:
            return toks[chain_end(toks, k + 1)].low
    return None


def _complement(toks: Sequence[Tok], at: int) -> set[str]:
    k, _ = walk(toks, at + 1, 1)
    out: set[str] = set()
    while k < len(toks) and not toks[k].punct and toks[k].low not in STOPWORDS and len(out) < 3:
        out.add(toks[k].low)
        k += 1
    return out


def _complement_differs(c: Sequence[Tok], i: int, e: Sequence[Tok], j: int) -> bool:
    """A copular verb ("became", "was named") with another complement in the source:
    "X became prime minister" against "Prime Minister X became president"."""
    if c[i].low not in COPULAR:
        return False
    mine, theirs = _complement(c, i), _complement(e, j)
    if not mine or not theirs:
        return False
    return not any(same_word(a, b) for a in mine for b in theirs)


def _doer_done(toks: Sequence[Tok], at: int, passive: bool) -> tuple[str | None, str | None, bool]:
    """(the name doing the verb at `at`, the name it is done to, whether the doer is a guess), by position
    and voice; a pronoun subject stands for the sentence's first name ("Bao said he stepped forward"),
    and so does a subject across a comma (a guess: an apposition may stand between)."""
    guessed = False
    before = after = by = None
    k, budget = at - 1, [2]
    while k >= 0 and at - k <= _ROLE_REACH and toks[k].low not in _PRONOUNS | _RELATIVES | _CONJUNCTIONS \
            and _skippable(toks[k], budget):
        k -= 1
    noun_passed = budget[0] < 2  # "but negotiators didn't put": the subject is that common noun
    if k >= 0 and toks[k].low in _RELATIVES:  # "Barghouti, who is serving": the name before "who"
        k -= 1 + (k > 0 and toks[k - 1].punct)
    if k >= 0 and toks[k].low == ")" and k >= 1 and toks[k - 1].name:  # "Bureau (ATSB) will lead"
        k -= 1
    if not passive and k >= 0 and toks[k].name and toks[k].text.lower().endswith("'s") and k + 1 < at \
            and content(toks[k + 1]):
        guessed = True  # "Bush's choice to succeed": the possessor is not the doer
    elif k >= 0 and toks[k].name:
        lo = chain(toks, k)[0]
        of = lo >= 2 and toks[lo - 1].low == "of" and toks[lo - 2].name  # "Durbin of Illinois was unopposed"
        before = toks[lo - 2].low if of else toks[k].low
    elif k >= 0 and toks[k].low in _PRONOUNS:
        before = _subject(toks[:k])
    elif k >= 0 and not noun_passed and (toks[k].punct or toks[k].low in _CONJUNCTIONS):
        # "Boeing, which had won ..., must
        # hand", "Tatars used X and then transferred": the sentence's subject
        before, guessed = _subject(toks[:k]), True
    k, budget = at + 1, [2]
    while k < len(toks) and k - at <= _ROLE_REACH and _skippable(toks[k], budget):
        if toks[k].low in ("by", "with") and k + 1 < len(toks) and toks[k + 1].name:
            by = toks[chain_end(toks, k + 1)].low
            break
        k += 1
    if by is None and k < len(toks) and toks[k].name:
        after = toks[chain_end(toks, k)].low
    if passive or (by and toks[at].low.endswith(("ed", "en", "wn"))):  # "talks, facilitated by Oman"
        return by, before, False
    return before, after, guessed


def role_conflict(claim: str, evidence: str, names: frozenset[str] = frozenset(),
                  asked: frozenset[str] = frozenset()) -> bool:
    """The shared verb has another doer in the source, or a name's role is swapped (passive counted).
    A doer the question named (`asked`) is the user's wording, not a claim: only a swap counts there."""
    c, e = tokens(claim, names), tokens(evidence)
    cv, ev = verbs(c), verbs(e)
    for i, passive in cv.items():
        hits = [j for j in ev if same_word(c[i].low, e[j].low)]
        if sum(same_word(c[i].low, c[k].low) for k in cv) != 1:
            continue
        if len(hits) > 1:
            if _doer_elsewhere(c, i, passive, e, ev, hits, asked):
                return True
            continue
        if not hits:
            continue
        c_doer, c_done, _ = _doer_done(c, i, passive)
        e_doer, e_done, guessed = _doer_done(e, hits[0], ev[hits[0]])
        ambiguous = guessed and any(u.name and same_name(c_doer or "", u.low) for u in e[:hits[0]])
        # "London, England hosted" against "London also hosted": the claim names the source's doer too
        ambiguous = ambiguous or any(c[k].name and same_name(e_doer or "", c[k].low) for k in range(max(0, i - 4), i))
        if c_doer and e_doer and not same_name(c_doer, e_doer) and c_doer not in asked and not ambiguous:
            return True  # another doer: the wrong entity
        c_with, e_with = _with(c, i), _with(e, hits[0])
        if c_with and e_with and not same_name(c_with, e_with):  # "replaced with X" / "replacing her with Y"
            return True
        if _complement_differs(c, i, e, hits[0]):
            return True
        for mine, theirs, other in ((c_doer, e_doer, e_done), (c_done, e_done, e_doer)):
            if mine and other and same_name(mine, other) and not (theirs and same_name(mine, theirs)):
                return True  # swapped
    return False


def _doer_elsewhere(c: Sequence[Tok], i: int, passive: bool, e: Sequence[Tok], ev: dict[int, bool],
                    hits: list[int], asked: frozenset[str]) -> bool:
    """The source uses the claim's verb several times, and each use whose doer it names names another one
    ("Andi Mack star Asher Angel will play Billy Batson ..., cast an actor to play the young ..." against
    "Andi Mack will play Billy Batson"). A use whose doer is a guess, or the claim's doer, ends the check."""
    c_doer = _doer_done(c, i, passive)[0]
    if not c_doer or c_doer in asked:
        return False
    others = 0
    for j in hits:
        e_doer, _, guessed = _doer_done(e, j, ev[j])
        if guessed or (e_doer and same_name(c_doer, e_doer)):
            return False
        if e_doer and any(c[k].name and same_name(e_doer, c[k].low) for k in range(max(0, i - 4), i)):
            return False  # "London, England hosted" against "England hosted": the claim names that doer too
        others += bool(e_doer)
    return others > 0


def content(tok: Tok) -> bool:
    return not tok.punct and not tok.name and tok.low not in STOPWORDS and not tok.low[0].isdigit()


def chain(toks: Sequence[Tok], i: int) -> tuple[int, int]:
    """(first, last) index of the run of name tokens holding i."""
    lo, hi = i, i
    while lo > 0 and toks[lo - 1].name:
        lo -= 1
    while hi + 1 < len(toks) and toks[hi + 1].name:
        hi += 1
    return lo, hi


def walk(toks: Sequence[Tok], j: int, step: int) -> tuple[int, tuple[str, ...]]:
    """From j, past function words in direction `step`: (where it stops, the words passed)."""
    skipped: list[str] = []
    while 0 <= j < len(toks) and toks[j].low in STOPWORDS and not toks[j].punct and not toks[j].name:
        skipped.append(toks[j].low)
        j += step
    return j, tuple(skipped)


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence: split at ";", ",", and before "because", "but", "and has", ..."""
    parts = [p.strip() for p in re.split(r"\s*;\s*|,\s+|\s+(?=(?:because|but|while|whereas|although|once)\s)"
                                         r"|\s+(?=and\s+(?:has|have|had|was|were|is|are|will|would|did|also|"
                                         r"then|[a-z]+ed)\b)", sentence)]
    out: list[str] = []
    for p in (p for p in parts if p):  # "London, England hosted": a place and its country are one name;
        # "Ben Wallace, Jermaine O'Neal, and Ron Artest were suspended": a list of names is the subject of
        # the clause that ends it, not a clause of its own
        joins = p[:1].isupper() or re.match(r"(?:and|or)\s+[A-Z]", p)
        if out and names_only(out[-1]) and joins and sentence.find(out[-1] + ", " + p) >= 0:
            out[-1] = out[-1] + ", " + p
        else:
            out.append(p)
    return out


def names_only(part: str) -> bool:
    """A piece made of capitalised words only (and "and"/"or" between them): a name or a list of names."""
    words = [w for w in part.split() if w not in ("and", "or")]
    return bool(words) and all(w[:1].isupper() for w in words)


def _counted_names(sentence: str) -> list[str]:
    """The names an apposition lists after a count: "4 players, Artest, O'Neal, Jackson and Wallace, were
    suspended" -> [Artest, O'Neal, Jackson, Wallace] (canonical text: number words are digits)."""
    m = re.search(r"\b\d+\s+[a-z]+,\s+(?=[A-Z])", sentence)
    if not m:
        return []
    items: list[str] = []
    for piece in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", sentence[m.end():]):
        if not piece.strip() or not names_only(piece.strip()):
            break
        items.append(piece.strip())
    return items


def list_items(sentence: str) -> list[str]:
    """The items after "including", "such as", "namely", "among them": "A, B and C" -> [A, B, C]."""
    m = LIST_CUES.search(sentence) or re.search(r":\s+", sentence)
    if not m:
        return _counted_names(sentence)
    rest = re.split(r"[;:.!?]", sentence[m.end():])[0]
    return [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", rest) if p.strip()]
