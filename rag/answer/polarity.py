"""Polarity of a claim against its evidence: negation flips, dropped hedges and ordinals, unstated outcomes.

`negation_flip`: a shared verb or predicate is under a negation ("not", "never", "no one", "without",
"yet to", "refrained from", "un-") on one side only, an antonym replaces the source's word ("rose" /
"fell"), or the source restricts with "only" what the claim extends. `hedge_dropped`: the source
only expects, alleges or hopes a deed or an amount the claim states flatly. `ordinal_dropped`: the
source's "second-largest" became "largest". `outcome_unstated`: the claim says a new name won what the
question asks about, and the source states no outcome at all (a list of nominees, a poll).
`claimed_superlatives`: the largest, richest, best ... the question asks for and the claim repeats (support
then needs a source that says it). Does not score support (rag.answer.support); standard library only.
"""
from __future__ import annotations

import re
from typing import Sequence

from rag.answer import claims
from rag.answer.claims import Tok
from rag.text.lexicon import (
    ANTONYMS,
    HEDGES,
    NEGATION_PHRASES,
    NEGATIONS,
    NOT_SUPERLATIVE,
    ORDINALS,
    OUTCOME,
    SCOPE_ENDS,
    WON,
)
from rag.text.words import STOPWORDS

_NEG_WINDOW = 8  # a negation covers at most this many tokens: longer scopes reached into the next fact
_SUPERLATIVE = re.compile(r"\b(?:the|its|their|[a-z]+'s)\s+(best|worst|[a-z]{2,}est)\b")  # "the world's largest"
_COMPARATIVES = frozenset("later earlier longer shorter more less fewer than sooner".split())  # "no later than"


def _negated(toks: Sequence[Tok]) -> dict[int, int]:
    """Token index -> index of the negation cue it is under."""
    out: dict[int, int] = {}
    for i, t in enumerate(toks):
        cue = t.low in NEGATIONS or any(t.low == a and i + 1 < len(toks) and toks[i + 1].low == b
                                        for a, b in NEGATION_PHRASES)
        if not cue or (i == 0 and t.low == "no" and len(toks) > 1 and toks[1].punct):  # "No, ..." answers
            continue
        if t.low == "no" and i + 1 < len(toks) and toks[i + 1].low in _COMPARATIVES:  # "no later than"
            continue
        if t.low == "not" and i + 1 < len(toks) and toks[i + 1].low in ("only", "just"):  # "not only A but B" adds
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


def _un(word: str, other: Sequence[Tok]) -> bool:
    """`word` is "un" + a word of `other` ("unaware" against "aware")."""
    return word.startswith("un") and len(word) > 5 and any(t.low == word[2:] for t in other)


def _asserted(toks: Sequence[Tok], j: int, neg: dict[int, int], verbs: dict[int, bool]) -> bool:
    """Whether the negation over token j bears on what is asserted: j is a verb or predicate, or it
    comes right after the cue ("without a major agreement"); a noun deep in the scope does not."""
    return j in neg and (j in verbs or j - neg[j] <= 3)


def negation_flip(claim: str, evidence: str, names: frozenset[str] = frozenset()) -> bool:
    """The claim asserts what the evidence negates, or negates what it asserts, or uses an antonym."""
    c, e = claims.tokens(claim, names), claims.tokens(evidence)
    c_neg, e_neg = _negated(c), _negated(e)
    c_verbs, e_verbs = claims.verbs(c), claims.verbs(e)
    c_flag = e_flag = False
    for i, t in enumerate(c):
        if t.punct or t.low in STOPWORDS or t.low in NEGATIONS or len(t.low) < 3:
            continue
        hits = [j for j, u in enumerate(e) if not u.punct and u.low not in STOPWORDS and claims.same_word(t.low, u.low)]
        if t.name:  # a name under the claim's negation counts ("has never been a Neo-Fascist"); in the
            c_flag |= bool(hits) and _asserted(c, i, c_neg, c_verbs)  # source it is rarely what is denied
            continue
        if not hits:
            if _un(t.low, e) or any(_un(u.low, [t]) for u in e):
                return True
            if t.low in ANTONYMS and any(u.low in ANTONYMS[t.low] for u in e):
                return True
            continue
        mine = _asserted(c, i, c_neg, c_verbs)
        c_flag |= mine
        # a word the source mentions both ways takes the claim's way: "a 'ban on eating' rather than a ban
        # on smoking" still asserts a ban
        theirs = {_asserted(e, j, e_neg, e_verbs) for j in hits}
        e_flag |= mine if mine in theirs else not mine
        if _only(e, hits) and not any(u.low == "only" for u in c) and len(c) > 2:
            extra = [u for u in c[i + 1:] if claims.content(u) or u.name]
            if any(not any(claims.same_word(u.low, w.low) for w in e) for u in extra):
                return True  # "would only target the rebels" against "would target forces as well as the rebels"
    if e_flag and not c_flag and c_neg:  # the claim negates too, in its own words
        return False
    return c_flag != e_flag


def _only(toks: Sequence[Tok], hits: list[int]) -> bool:
    """A verb of `hits` comes right after "only" ("would only target")."""
    return any(j > 0 and toks[j - 1].low == "only" for j in hits)


def hedge_dropped(claim: str, evidence: str) -> bool:
    """The source hedges the shared verb ("is expected to last") and the claim hedges nothing."""
    c, e = claims.tokens(claim), claims.tokens(evidence)
    if any(t.low in HEDGES for t in c):
        return False
    verbs = claims.verbs(e)
    for i, t in enumerate(e):
        if t.low not in HEDGES:
            continue
        scope = []
        for j in range(i + 1, min(len(e), i + 9)):  # 8 tokens: "could bring him a prison term of five years"
            if e[j].punct and e[j].low != "$":
                break
            scope.append(j)
        shared = [j for j in scope if any(not u.punct and u.low not in STOPWORDS and claims.same_word(u.low, e[j].low)
                                          for u in c)]
        if any(j in verbs or e[j].low[0].isdigit() for j in shared):  # the hedged deed or amount
            return True
    return False


def ordinal_dropped(claim: str, evidence: str) -> bool:
    """The source says "second-largest", the claim "largest"."""
    c, e = claims.tokens(claim), claims.tokens(evidence)
    for j in range(1, len(e)):
        if e[j].low.endswith("est") and e[j - 1].low in ORDINALS:
            for i, t in enumerate(c):
                if t.low == e[j].low and (i == 0 or c[i - 1].low != e[j - 1].low):
                    return True
    return False


def bare(claim: str) -> bool:
    """The claim is only a name or figure ("Onward (2020)", "Toy Story 4"): every word capitalised or a
    number. As an answer it says what the question asks of it, so the question's own words (won, the
    largest) are its claim too."""
    words = [t.text for t in claims.tokens(claim) if not t.punct]
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words)


def outcome_unstated(claim: str, question: str, source: str, new_names: bool) -> bool:
    """The question asks who or what won ("What film won the prize?"), the claim gives a new name (`new_names`)
    with a word of winning, or is only that name, and the source states no outcome anywhere: a list of
    nominees or a poll does not say who won ("Vote! Onward (2020)" supports neither "Onward won the Oscar"
    nor the bare "Onward (2020)")."""
    return new_names and bool(WON.search(question)) and bool(WON.search(claim) or bare(claim)) \
        and not OUTCOME.search(source)


def claimed_superlatives(claim: str, question: str) -> frozenset[str]:
    """The superlatives the question asks for ("the largest recipient", "the world's richest person") that
    the claim repeats (all of them when it is `bare`): a claim giving a new name one of them needs a source
    that says it (rag.answer.support; "Indonesia, a longtime aid recipient" does not say Indonesia is the
    largest one)."""
    wanted = {w for w in _SUPERLATIVE.findall(question.lower().replace("\u2019", "'")) if w not in NOT_SUPERLATIVE}
    if not wanted:
        return frozenset()
    return frozenset(wanted) if bare(claim) else frozenset({t.low for t in claims.tokens(claim)} & wanted)
