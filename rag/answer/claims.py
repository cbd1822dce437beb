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

from rag.text.lexicon import ANTONYMS, DEMONYMS, LIST_CUES, NEGATION_PHRASES, NEGATIONS, SCOPE_ENDS, SYNONYMS
from rag.text.words import STOPWORDS, normalise, related

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+(?:'[A-Za-z]+)*|[,;:()\"—–]|--| - ")
_AUX = frozenset("will would must can could may might should shall to did does do has have had".split())
_BE = frozenset("was were is are be been being".split())
_NEG_WINDOW = 8  # a negation covers at most this many tokens: longer scopes reached into the next fact
_ROLE_WINDOW = 12  # tokens between a name and the verb it is the doer or done-to of
_DEMONYM_SUFFIXES = ("ian", "ean", "an", "n", "i", "ese", "ish", "ic")


@dataclass(frozen=True)
class Tok:
    text: str  # as written
    low: str  # lower case, possessive dropped
    name: bool  # a capitalised word not at the sentence start, or an acronym
    punct: bool


def tokens(text: str) -> list[Tok]:
    """Tokens of canonical text; a capitalised first word counts as a name when it is not a stopword."""
    out: list[Tok] = []
    for i, raw in enumerate(_TOKEN.findall(normalise(text))):
        if not (raw[0].isalnum()):
            out.append(Tok(raw, raw.strip(), False, True))
            continue
        low = raw.lower()
        low = low[:-2] if low.endswith("'s") else low
        cap = raw[0].isupper() and low not in STOPWORDS
        out.append(Tok(raw, low, cap and (i > 0 or raw.isupper() or low in DEMONYMS), False))
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


def _negated(toks: list[Tok]) -> set[int]:
    """Indices of the tokens under a negation cue."""
    out: set[int] = set()
    for i, t in enumerate(toks):
        cue = t.low in NEGATIONS or any(t.low == a and i + 1 < len(toks) and toks[i + 1].low == b
                                        for a, b in NEGATION_PHRASES)
        if not cue or (i == 0 and t.low == "no" and len(toks) > 1 and toks[1].punct):  # "No, ..." answers
            continue
        scope = []
        for j in range(i + 1, min(len(toks), i + 1 + _NEG_WINDOW)):
            if toks[j].punct or (toks[j].low in SCOPE_ENDS and j > i + 1):
                break
            scope.append(j)
        if not any(not toks[j].low in STOPWORDS for j in scope):  # "... does not." looks back
            scope = []
            for j in range(i - 1, -1, -1):
                if toks[j].punct:
                    break
                scope.append(j)
        out |= set(scope)
    return out


def _un(word: str, other: list[Tok]) -> bool:
    """`word` is "un" + a word of `other` ("unaware" against "aware")."""
    return word.startswith("un") and len(word) > 5 and any(t.low == word[2:] for t in other)


def negation_flip(claim: str, evidence: str) -> bool:
    """The claim asserts what the evidence negates, or negates what it asserts, or uses an antonym."""
    c, e = tokens(claim), tokens(evidence)
    c_neg, e_neg = _negated(c), _negated(e)
    c_flag = e_flag = False
    for i, t in enumerate(c):
        if t.punct or t.low in STOPWORDS or t.low in NEGATIONS or len(t.low) < 3:
            continue
        hits = [j for j, u in enumerate(e) if not u.punct and u.low not in STOPWORDS and same_word(t.low, u.low)]
        if not hits:
            if _un(t.low, e) or any(_un(u.low, [t]) for u in e):
                return True
            if any(a in ANTONYMS and b in ANTONYMS[a] for u in e for a in (t.low,) for b in (u.low,)) and \
                    not any(u.low == t.low for u in e):
                return True
            continue
        c_flag |= i in c_neg
        e_flag |= any(j in e_neg for j in hits)
    return c_flag != e_flag


def _verbs(toks: list[Tok]) -> dict[int, bool]:
    """Positions of verb-like tokens -> passive? (an -ed/-en word, or a word after an auxiliary)."""
    out: dict[int, bool] = {}
    for i, t in enumerate(toks):
        if t.punct or t.name or t.low in STOPWORDS or t.low in _AUX or t.low[0].isdigit():
            continue
        before = [toks[j].low for j in range(max(0, i - 2), i)]
        if t.low.endswith(("ed", "en", "wn")) or any(b in _AUX for b in before):
            out[i] = any(b in _BE for b in before) and t.low.endswith(("ed", "en", "wn", "t"))
    return out


def _roles(toks: list[Tok], at: int, passive: bool) -> dict[str, str]:
    """name -> "doer" / "done" for the names within reach of the verb at `at`."""
    out: dict[str, str] = {}
    for j, t in enumerate(toks):
        if not t.name or abs(j - at) > _ROLE_WINDOW:
            continue
        if j < at:
            role = "done" if passive else "doer"
        else:
            by = any(toks[k].low in ("by", "with") for k in range(at + 1, j))
            role = "doer" if passive and by else "done"
        if out.get(t.low, role) != role:
            out[t.low] = "both"
        else:
            out[t.low] = role
    return out


def role_conflict(claim: str, evidence: str) -> bool:
    """A name does the shared verb in one text and undergoes it in the other."""
    c, e = tokens(claim), tokens(evidence)
    cv, ev = _verbs(c), _verbs(e)
    for i, passive in cv.items():
        hits = [j for j in ev if same_word(c[i].low, e[j].low)]
        if len(hits) != 1 or sum(same_word(c[i].low, c[k].low) for k in cv) != 1:
            continue
        cr, er = _roles(c, i, passive), _roles(e, hits[0], ev[hits[0]])
        for name, role in cr.items():
            other = [r for n, r in er.items() if same_name(name, n)]
            if role != "both" and other and all(r not in (role, "both") for r in other):
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


def _neighbour(toks: list[Tok], i: int, step: int) -> int | None:
    """The next non-stopword token from `i` in direction `step`, skipping the rest of a name."""
    j = i + step
    while 0 <= j < len(toks) and toks[j].name and j - step >= 0 and toks[j - step].name and abs(j - i) == 1:
        j += step  # "Dennis Hastert": the neighbour of "Hastert" is not "Dennis"
    while 0 <= j < len(toks) and toks[j].low in STOPWORDS and not toks[j].punct:
        j += step
    if 0 <= j < len(toks) and not toks[j].punct and abs(j - i) <= 3:
        return j
    return None


def name_slot_conflict(claim: str, evidence: str, names: set[str]) -> bool:
    """A name of `names` sits next to a word that, in the source, has another name in that place."""
    c, e = tokens(claim), tokens(evidence)
    for i, t in enumerate(c):
        if not t.name or t.low not in names:
            continue
        for step in (-1, 1):
            k = _neighbour(c, i, step)
            if k is None or c[k].name == t.name and c[k].name and abs(k - i) == 1:
                continue
            word, others, mine = c[k].low, set(), False
            for j, u in enumerate(e):
                if u.punct or not (u.low == word or (not u.name and not c[k].name and same_word(word, u.low))):
                    continue
                m = _neighbour(e, j, -step)
                if m is not None and e[m].name:
                    if same_name(t.low, e[m].low):
                        mine = True
                    else:
                        others.add(e[m].low)
            if others and not mine and not any(t.low == u.low for u in e):
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
    m = LIST_CUES.search(sentence)
    if not m:
        return []
    rest = re.split(r"[;:.!?]", sentence[m.end():])[0]
    return [p.strip() for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", rest) if p.strip()]
