"""Who did what, to what, how many: consistency checks of one claim against one source text.

Given a claim (an answer sentence or clause) and source text, both in `canonical` spelling, it finds
contradictions that word overlap cannot see:
- negation: a shared word is under a negation ("not", "never", "no one", "without", "yet to", "un-")
  on one side only, or the claim uses the antonym of the source's word ("rose" / "fell");
- roles: a name is the doer of a shared verb on one side and the done-to on the other (passive voice
  counted: "X was replaced by Y" makes Y the doer);
- slots: a number or a name sits in a slot that the source fills with another one ("killing 8
  people" where the source has "4 people were killed"; "Hastert of Texas" where it has "of Illinois").
It also splits a claim into clauses and reads the items of a list ("including A, B and C").
Does not score support or decide verdicts (rag.answer.cite does); no model, standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text.lexicon import (ANTONYMS, COPULAR, DEMONYMS, HEDGES, LIST_CUES, NEGATION_PHRASES, NEGATIONS, ORDINALS, SCOPE_ENDS,
                              SYNONYMS)
from rag.text.words import CALENDAR, STOPWORDS, normalise, related

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+(?:'[A-Za-z]+)*|[,;:()\"—–.!?]|--| - ")
_AUX = frozenset("will would must can could may might should shall to did does do has have had".split())
_BE = frozenset("was were is are be been being".split())
_NEG_WINDOW = 8  # a negation covers at most this many tokens: longer scopes reached into the next fact
_ROLE_REACH = 5  # tokens between a name and the verb it does or undergoes; 4 missed "the withdrawal of Franklin"
_ROLE_VERBS = frozenset(["told"])  # a reporting verb with a named addressee: "X told Y"; "said" has none
_ADVERBS = frozenset("first later earlier again still then now soon already ago".split())
_CONJUNCTIONS = frozenset("and or but".split())
_RELATIVES = frozenset("who which that".split())
_PRONOUNS = frozenset("he she they it we i".split())
_COMPARATIVES = frozenset("later earlier longer shorter more less fewer than sooner".split())
_DEMONYM_SUFFIXES = ("ian", "ean", "an", "n", "i", "ese", "ish", "ic")


@dataclass(frozen=True)
class Tok:
    text: str  # as written
    low: str  # lower case, possessive dropped
    name: bool  # a capitalised word not at the sentence start, or an acronym
    punct: bool


def tokens(text: str, names: frozenset[str] = frozenset()) -> list[Tok]:
    """Tokens of canonical text; a capitalised first word is a name when it is in `names`, an acronym or
    a demonym."""
    out: list[Tok] = []
    for i, raw in enumerate(_TOKEN.findall(normalise(text))):
        if not (raw[0].isalnum()):
            out.append(Tok(raw, raw.strip(), False, True))
            continue
        low = raw.lower()
        low = low[:-2] if low.endswith("'s") else low
        cap = raw[0].isupper() and low not in STOPWORDS
        out.append(Tok(raw, low, cap and (i > 0 or raw.isupper() or low in DEMONYMS or low in names), False))
    return out


@lru_cache(maxsize=4096)
def _syn_stems(word: str) -> frozenset[str]:
    stems = [s for s in SYNONYMS if word == s or (len(s) >= 4 and word.startswith(s))]
    return frozenset().union(*(SYNONYMS[s] for s in stems)) if stems else frozenset()


def same_name(a: str, b: str) -> bool:
    """Names match exactly or as country and demonym ("Iran"/"Iranian", "China"/"Chinese")."""
    if a == b:
        return True
    if b in DEMONYMS.get(a, ()) or a in DEMONYMS.get(b, ()):
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    bases = {short, short[:-1]} if short[-1] in "aeoy" else {short}
    return any(long_ == base + suf for base in bases for suf in _DEMONYM_SUFFIXES)


def same_word(a: str, b: str) -> bool:
    """Forms of one word ("mediated"/"mediation") or curated near-synonyms ("bought"/"acquired")."""
    if related(a, b):
        return True
    if a[0].isdigit() or b[0].isdigit():
        return False
    syn = _syn_stems(a)
    return bool(syn) and any(b == s or (len(s) >= 4 and b.startswith(s)) or related(b, s) for s in syn)


def _negated(toks: list[Tok]) -> dict[int, int]:
    """Token index -> index of the negation cue it is under."""
    out: dict[int, int] = {}
    for i, t in enumerate(toks):
        cue = t.low in NEGATIONS or any(t.low == a and i + 1 < len(toks) and toks[i + 1].low == b
                                        for a, b in NEGATION_PHRASES)
        if not cue or (i == 0 and t.low == "no" and len(toks) > 1 and toks[1].punct):  # "No, ..." answers
            continue
        if t.low == "no" and i + 1 < len(toks) and toks[i + 1].low in _COMPARATIVES:  # "no later than"
            continue
        scope = []
        for j in range(i + 1, min(len(toks), i + 1 + _NEG_WINDOW)):
            if toks[j].punct or (toks[j].low in SCOPE_ENDS and j > i + 1):
                break
            scope.append(j)
        if not any(toks[j].low not in STOPWORDS for j in scope):  # "... does not." looks back
            scope = []
            for j in range(i - 1, -1, -1):
                if toks[j].punct:
                    break
                scope.append(j)
        for j in scope:
            out.setdefault(j, i)
    return out


def _un(word: str, other: list[Tok]) -> bool:
    """`word` is "un" + a word of `other` ("unaware" against "aware")."""
    return word.startswith("un") and len(word) > 5 and any(t.low == word[2:] for t in other)


def _asserted(toks: list[Tok], j: int, neg: dict[int, int], verbs: dict[int, bool]) -> bool:
    """Whether the negation over token j bears on what is asserted: j is a verb or predicate, or it
    comes right after the cue ("without a major agreement"); a noun deep in the scope does not."""
    return j in neg and (j in verbs or j - neg[j] <= 3)


def negation_flip(claim: str, evidence: str, names: frozenset[str] = frozenset()) -> bool:
    """The claim asserts what the evidence negates, or negates what it asserts, or uses an antonym."""
    c, e = tokens(claim, names), tokens(evidence)
    c_neg, e_neg = _negated(c), _negated(e)
    c_verbs, e_verbs = _verbs(c), _verbs(e)
    c_flag = e_flag = False
    for i, t in enumerate(c):
        if t.punct or t.low in STOPWORDS or t.low in NEGATIONS or len(t.low) < 3:
            continue
        hits = [j for j, u in enumerate(e) if not u.punct and u.low not in STOPWORDS and same_word(t.low, u.low)]
        if t.name:  # a name under the claim's negation counts ("has never been a Neo-Fascist"); in the
            c_flag |= bool(hits) and _asserted(c, i, c_neg, c_verbs)  # source it is rarely what is denied
            continue
        if not hits:
            if _un(t.low, e) or any(_un(u.low, [t]) for u in e):
                return True
            if t.low in ANTONYMS and any(u.low in ANTONYMS[t.low] for u in e):
                return True
            continue
        c_flag |= _asserted(c, i, c_neg, c_verbs)
        e_flag |= any(_asserted(e, j, e_neg, e_verbs) for j in hits)
        if _only(e, hits) and not any(u.low == "only" for u in c) and len(c) > 2:
            extra = [u for u in c[i + 1:] if _content(u) or u.name]
            if any(not any(same_word(u.low, w.low) for w in e) for u in extra):
                return True  # "would only target the rebels" against "would target forces as well as the rebels"
    if e_flag and not c_flag and c_neg:  # the claim negates too, in its own words
        return False
    return c_flag != e_flag


def _only(toks: list[Tok], hits: list[int]) -> bool:
    """A verb of `hits` comes right after "only" ("would only target")."""
    return any(j > 0 and toks[j - 1].low == "only" for j in hits)


def _verbs(toks: list[Tok]) -> dict[int, bool]:
    """Positions of verb-like tokens -> passive? (an -ed/-en word, or a word after an auxiliary)."""
    out: dict[int, bool] = {}
    for i, t in enumerate(toks):
        if t.punct or t.name or (t.low in STOPWORDS and t.low not in _ROLE_VERBS) or t.low in _AUX \
                or t.low[0].isdigit() or t.low.endswith("ly") or t.low in _ADVERBS:
            continue
        before = [toks[j].low for j in range(max(0, i - 2), i)]
        if t.low.endswith(("ed", "en", "wn")) or t.low in COPULAR or t.low in _ROLE_VERBS or (t.low.endswith("ing") and len(t.low) > 5) \
                or any(b in _AUX or b in _BE or b in NEGATIONS for b in before):
            out[i] = any(b in _BE for b in before) and t.low.endswith(("ed", "en", "wn", "t"))
    return out


def _chain_end(toks: list[Tok], j: int) -> int:
    while j + 1 < len(toks) and toks[j + 1].name:
        j += 1
    return j


def _subject(toks: list[Tok]) -> str | None:
    """The sentence's first name (its end: "Stephen Hadley" -> "hadley"), when it opens the sentence."""
    for j, t in enumerate(toks[:3]):
        if t.name or (j == 0 and t.text[:1].isupper() and t.low not in STOPWORDS):
            return toks[_chain_end(toks, j)].low
    return None


def _skippable(t: Tok, budget: list[int]) -> bool:
    """Tokens between a name and its verb: function words, auxiliaries, adverbs, up to 2 nouns."""
    if t.punct or t.name:
        return False
    if t.low in STOPWORDS or t.low in _AUX or t.low.endswith("ly"):
        return True
    budget[0] -= 1
    return budget[0] >= 0


def _with(toks: list[Tok], at: int) -> str | None:
    """The name after "with" right after the verb at `at` ("replaced with Ingrida Udre")."""
    for k in range(at + 1, min(len(toks) - 1, at + 3)):  # "replacing her with Andris Piebalgs"
        if toks[k].punct or toks[k].name:
            return None
        if toks[k].low == "with" and toks[k + 1].name:
            return toks[_chain_end(toks, k + 1)].low
    return None


def _complement(toks: list[Tok], at: int) -> set[str]:
    k, _ = _walk(toks, at + 1, 1)
    out: set[str] = set()
    while k < len(toks) and not toks[k].punct and toks[k].low not in STOPWORDS and len(out) < 3:
        out.add(toks[k].low)
        k += 1
    return out


def _complement_differs(c: list[Tok], i: int, e: list[Tok], j: int) -> bool:
    """A copular verb ("became", "was named") with another complement in the source:
    "X became prime minister" against "Prime Minister X became president"."""
    if c[i].low not in COPULAR:
        return False
    mine, theirs = _complement(c, i), _complement(e, j)
    if not mine or not theirs:
        return False
    return not any(same_word(a, b) for a in mine for b in theirs)


def _doer_done(toks: list[Tok], at: int, passive: bool) -> tuple[str | None, str | None]:
    """(the name doing the verb at `at`, the name it is done to), by position and voice; a pronoun
    subject stands for the sentence's first name ("Bao said he stepped forward")."""
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
    if k >= 0 and toks[k].name:
        before = toks[k].low
    elif k >= 0 and toks[k].low in _PRONOUNS:
        before = _subject(toks[:k])
    elif k >= 0 and not noun_passed and (toks[k].punct or toks[k].low in _CONJUNCTIONS):  # "Boeing, which had won ..., must
        # hand", "Tatars used X and then transferred": the sentence's subject
        before = _subject(toks[:k])
    k, budget = at + 1, [2]
    while k < len(toks) and k - at <= _ROLE_REACH and _skippable(toks[k], budget):
        if toks[k].low in ("by", "with") and k + 1 < len(toks) and toks[k + 1].name:
            by = toks[_chain_end(toks, k + 1)].low
            break
        k += 1
    if by is None and k < len(toks) and toks[k].name:
        after = toks[_chain_end(toks, k)].low
    if passive or (by and toks[at].low.endswith(("ed", "en", "wn"))):  # "talks, facilitated by Oman"
        return by, before
    return before, after


def role_conflict(claim: str, evidence: str, names: frozenset[str] = frozenset(),
                  asked: frozenset[str] = frozenset()) -> bool:
    """The shared verb has another doer in the source, or a name's role is swapped (passive counted).
    A doer the question named (`asked`) is the user's wording, not a claim: only a swap counts there."""
    c, e = tokens(claim, names), tokens(evidence)
    cv, ev = _verbs(c), _verbs(e)
    for i, passive in cv.items():
        hits = [j for j in ev if same_word(c[i].low, e[j].low)]
        if len(hits) != 1 or sum(same_word(c[i].low, c[k].low) for k in cv) != 1:
            continue
        c_doer, c_done = _doer_done(c, i, passive)
        e_doer, e_done = _doer_done(e, hits[0], ev[hits[0]])
        if c_doer and e_doer and not same_name(c_doer, e_doer) and c_doer not in asked \
               :  # another doer: the wrong entity
            return True
        c_with, e_with = _with(c, i), _with(e, hits[0])
        if c_with and e_with and not same_name(c_with, e_with):  # "replaced with X" / "replacing her with Y"
            return True
        if _complement_differs(c, i, e, hits[0]):
            return True
        for mine, theirs, other in ((c_doer, e_doer, e_done), (c_done, e_done, e_doer)):
            if mine and other and same_name(mine, other) and not (theirs and same_name(mine, theirs)):
                return True  # swapped
    return False


def hedge_dropped(claim: str, evidence: str) -> bool:
    """The source hedges the shared verb ("is expected to last") and the claim hedges nothing."""
    c, e = tokens(claim), tokens(evidence)
    if any(t.low in HEDGES for t in c):
        return False
    verbs = _verbs(e)
    for i, t in enumerate(e):
        if t.low not in HEDGES:
            continue
        scope = []
        for j in range(i + 1, min(len(e), i + 9)):  # 8 tokens: "could bring him a prison term of five years"
            if e[j].punct and e[j].low != "$":
                break
            scope.append(j)
        shared = [j for j in scope if any(not u.punct and u.low not in STOPWORDS and same_word(u.low, e[j].low)
                                          for u in c)]
        if any(j in verbs or e[j].low[0].isdigit() for j in shared):  # the hedged deed or amount
            return True
    return False


def ordinal_dropped(claim: str, evidence: str) -> bool:
    """The source says "second-largest", the claim "largest"."""
    c, e = tokens(claim), tokens(evidence)
    for j in range(1, len(e)):
        if e[j].low.endswith("est") and e[j - 1].low in ORDINALS:
            for i, t in enumerate(c):
                if t.low == e[j].low and (i == 0 or c[i - 1].low != e[j - 1].low):
                    return True
    return False


def _num(tok: Tok) -> str | None:
    return tok.low.replace(",", "") if tok.low[0].isdigit() else None


def _content(tok: Tok) -> bool:
    return not tok.punct and not tok.name and tok.low not in STOPWORDS and not tok.low[0].isdigit()


def number_conflict(claim: str, evidence: str) -> bool:
    """A number of the claim counts a noun, or follows a verb, that the source gives another number."""
    c, e = tokens(claim), tokens(evidence)
    for i, t in enumerate(c):
        n = _num(t)
        if n is None:
            continue
        if i + 1 < len(c) and _content(c[i + 1]):  # "8 people" against "4 people"
            noun = c[i + 1].low
            seen = {_num(e[j - 1]) for j in range(1, len(e)) if _num(e[j - 1]) and same_word(noun, e[j].low)}
            if seen and n not in seen:
                return True
        k = i - 1
        while k >= 0 and c[k].low in STOPWORDS and i - k <= 2:
            k -= 1
        if k >= 0 and _content(c[k]) and i - k <= 3:  # "hand over 14" against "hand over seven"
            verb, seen = c[k].low, set()
            for j, u in enumerate(e):
                if _content(u) and same_word(verb, u.low):
                    nxt = j + 1
                    while nxt < len(e) and e[nxt].low in STOPWORDS and nxt - j <= 2:
                        nxt += 1
                    if nxt < len(e) and _num(e[nxt]):
                        seen.add(_num(e[nxt]))
            if seen and n not in seen:
                return True
    return False


def _chain(toks: list[Tok], i: int) -> tuple[int, int]:
    """(first, last) index of the run of name tokens holding i."""
    lo, hi = i, i
    while lo > 0 and toks[lo - 1].name:
        lo -= 1
    while hi + 1 < len(toks) and toks[hi + 1].name:
        hi += 1
    return lo, hi


def _walk(toks: list[Tok], j: int, step: int) -> tuple[int, tuple[str, ...]]:
    """From j, past function words in direction `step`: (where it stops, the words passed)."""
    skipped: list[str] = []
    while 0 <= j < len(toks) and toks[j].low in STOPWORDS and not toks[j].punct and not toks[j].name:
        skipped.append(toks[j].low)
        j += step
    return j, tuple(skipped)


def _neighbour(toks: list[Tok], i: int, step: int) -> tuple[int, tuple[str, ...]] | None:
    """The word next to the name at i in direction `step`, past the rest of the name and function words
    (a common word, or a name joined by "of": "Hastert of Texas"), and the function words passed."""
    lo, hi = _chain(toks, i)
    j, skipped = _walk(toks, hi + 1 if step > 0 else lo - 1, step)
    if not 0 <= j < len(toks) or toks[j].punct or abs(j - i) > 4 or toks[j].low in CALENDAR:
        return None
    if toks[j].name and skipped != ("of",):
        return None
    return j, skipped


def _names_near(toks: list[Tok], j: int, step: int) -> tuple[set[str], set[str]]:
    """(the first name chain beside the word at j, when only function words lie between; every name
    within 5 tokens, stopping at punctuation)."""
    k, _ = _walk(toks, j + step, step)
    first: set[str] = set()
    if 0 <= k < len(toks) and toks[k].name and toks[k].low not in CALENDAR:
        lo, hi = _chain(toks, k)
        first = {toks[x].low for x in range(lo, hi + 1)}
    near: set[str] = set()
    k = j + step
    while 0 <= k < len(toks) and abs(k - j) <= 5 and not toks[k].punct:
        if toks[k].name:
            near.add(toks[k].low)
        k += step
    return first, near


def _slot_taken(c: list[Tok], k: int, step: int, rel: tuple[str, ...], mine: set[str], e: list[Tok]) -> bool:
    """The word c[k] has, in the source, another name in the place where the claim puts `mine`."""
    others, found = set(), False
    for j, u in enumerate(e):
        if u.punct or not (u.low == c[k].low or (not u.name and not c[k].name and same_word(c[k].low, u.low))):
            continue
        first, near = _names_near(e, j, -step)
        if any(same_name(x, y) for x in mine for y in near):
            found = True
        elif first and sorted(_walk(e, j - step, -step)[1]) == sorted(rel):
            others |= first
    return bool(others) and not found


def name_slot_conflict(claim: str, evidence: str, names: set[str]) -> bool:
    """A name of `names` sits next to a word that, in the source, has another name in that place
    ("Hastert of Texas" / "Hastert of Illinois"; "the envoy was Araghchi" / "envoy Steve Witkoff")."""
    c, e = tokens(claim, frozenset(names)), tokens(evidence)
    for i, t in enumerate(c):
        if not t.name or t.low not in names or t.low in CALENDAR:
            continue
        lo, hi = _chain(c, i)
        mine = {c[x].low for x in range(lo, hi + 1)}
        for step in (-1, 1):
            got = _neighbour(c, i, step)
            if got is not None and _slot_taken(c, got[0], step, got[1], mine, e):
                return True
        j, skipped = _walk(c, lo - 1, -1)
        if skipped and skipped[0] in _BE:  # "the US special envoy at the talks was Abbas Araghchi"
            for k in range(j, -1, -1):
                if c[k].punct:
                    break
                if _content(c[k]) and _slot_taken(c, k, -1, (), mine, e):
                    return True
    return False


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence: split at ";", ",", and before "because", "but", "and has", ..."""
    parts = [p.strip() for p in re.split(r"\s*;\s*|,\s+|\s+(?=(?:because|but|while|whereas|although|once)\s)"
                                         r"|\s+(?=and\s+(?:has|have|had|was|were|is|are|will|would|did|also|"
                                         r"then|[a-z]+ed)\b)", sentence)]
    return [p for p in parts if p]


def list_items(sentence: str) -> list[str]:
    """The items after "including", "such as", "namely", "among them": "A, B and C" -> [A, B, C]."""
    m = LIST_CUES.search(sentence) or re.search(r":\s+", sentence)
    if not m:
        return []
    rest = re.split(r"[;:.!?]", sentence[m.end():])[0]
    return [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", rest) if p.strip()]
