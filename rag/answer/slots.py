"""Numbers and names in their slots: the source may hold the claim's number or name, but elsewhere.

`number_conflict`: a number counts a noun ("8 people" against "4 people were killed") or follows a
verb ("hand over 14" against "hand over seven") that the source gives another number (numbers of different
units of time are not compared: "2 weeks" / "not exceeding 14 days").
`name_slot_conflict`: a name sits next to a word that, in the source, has another name in that
place, with the same function words between ("Hastert of Texas" / "Hastert of Illinois"; "the
envoy was Araghchi" / "envoy Steve Witkoff"). `name_chain_conflict`: a two-word name whose head the
source names with another first word ("Kansas City" / "Cawker City, Kansas"; "Shaquille O'Neal" /
"Jermaine O'Neal"); titles do not count ("President Bush" / "George W. Bush"). `title_conflict`: a name
given a title ("Prime Minister Bao Shusheng") that the source gives only to someone else ("Prime Minister
Serge Vohor"). `longer_name`: a name of the question that the evidence writes only inside another body's
or edition's name ("the NFL Players Association", "Cyberpunk 2077: Phantom Liberty") or with another
number ("Pixel 5a" for "Pixel 6"). Does not score support (rag.answer.support). Standard library only.
"""
from __future__ import annotations

import bisect
import functools
import re
from typing import Sequence

from rag.answer import claims
from rag.answer.claims import Tok
from rag.text.lexicon import PEOPLE
from rag.text.words import CALENDAR, STOPWORDS, YEAR


def _num(tok: Tok) -> str | None:
    return tok.low.replace(",", "") if tok.low[0].isdigit() else None


COUNTED_WORDS = 3  # "nearly 3,500 retail stores": the words a number counts, at most
_UNITS = re.compile(r"^(?:second|minute|hour|day|week|fortnight|month|year|decade|century|centuries)s?$")


def _other_unit(c: Sequence[Tok], i: int, e: Sequence[Tok], j: int) -> bool:
    """The two numbers count different units of time ("2 weeks" / "not exceeding 14 days"): not comparable."""
    mine, theirs = (toks[k + 1].low if k + 1 < len(toks) else "" for toks, k in ((c, i), (e, j)))
    return bool(_UNITS.match(mine) and _UNITS.match(theirs)) and mine.rstrip("s") != theirs.rstrip("s")


def _counted(toks: Sequence[Tok], i: int) -> list[str]:
    """The words the number at i counts: the content words right after it ("3,500 retail stores")."""
    out = []
    for t in toks[i + 1:i + 1 + COUNTED_WORDS]:
        if not claims.content(t):
            break
        out.append(t.low)
    return out


def _counts_other(c: Sequence[Tok], i: int, e: Sequence[Tok]) -> bool:
    """The claim's number is in the source only counting something else: "3,500 people" against "about
    3,500 stores" (every time the source writes it, it counts words of which the claim's are none; two
    words for people count the same: "12 people" / "12 dead"; two units of time are not compared: "2 weeks"
    / "2 months", but "2 hours" is not "two countries"). Years, days of the month and numbers in names are
    not compared."""
    mine = _counted(c, i)
    if not mine or mine[0] in CALENDAR or YEAR.match(c[i].low) or i and c[i - 1].name:
        return False  # ... or the number is part of a name ("the Band Aid 20 video")
    theirs = [_counted(e, j) for j, u in enumerate(e) if _num(u) == _num(c[i])]
    mine = [_singular(w) for w in mine]
    return bool(theirs) and all(theirs) and not any(_same_count(_singular(a), b) for words in theirs for a in words
                                                    for b in mine)


def _same_count(a: str, b: str) -> bool:
    """Two counted words that may count the same things: forms, near-synonyms, both words for people, or both
    units of time."""
    return claims.same_word(a, b) or claims.same_word(b, a) or _people(a) and _people(b) \
        or bool(_UNITS.match(a) and _UNITS.match(b))


def _people(word: str) -> bool:
    return word in PEOPLE or any(word.startswith(p) for p in PEOPLE if len(p) >= 6)  # "policemen", not "deadline"


def _singular(word: str) -> str:
    """"jobs" -> "job" (the synonym table's short stems match whole words only)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def number_conflict(claim: str, evidence: str) -> bool:
    """A number of the claim counts a noun, or follows a verb, that the source gives another number."""
    c, e = claims.tokens(claim), claims.tokens(evidence)
    for i, t in enumerate(c):
        n = _num(t)
        if n is None:
            continue
        if i + 1 < len(c) and claims.content(c[i + 1]):  # "8 people" against "4 people"
            noun = c[i + 1].low
            seen = {_num(e[j - 1]) for j in range(1, len(e)) if _num(e[j - 1]) and claims.same_word(noun, e[j].low)}
            if seen and n not in seen or not seen and _counts_other(c, i, e):
                return True
        k = i - 1
        while k >= 0 and c[k].low in STOPWORDS and i - k <= 2:
            k -= 1
        if k >= 0 and claims.content(c[k]) and i - k <= 3:  # "hand over 14" against "hand over seven"
            verb, seen = c[k].low, set()
            for j, u in enumerate(e):
                if claims.content(u) and claims.same_word(verb, u.low):
                    nxt = j + 1
                    while nxt < len(e) and e[nxt].low in STOPWORDS and e[nxt].low not in ("and", "or", "but") \
                            and nxt - j <= 2:  # "killed and eight wounded": 8 is not the killed
                        nxt += 1
                    if nxt < len(e) and _num(e[nxt]) and not _other_unit(c, i, e, nxt):
                        seen.add(_num(e[nxt]))
            if seen and n not in seen:
                return True
    return False


def _neighbour(toks: Sequence[Tok], i: int, step: int) -> tuple[int, tuple[str, ...]] | None:
    """The word next to the name at i in direction `step`, past the rest of the name and function words
    (a common word, or a name joined by "of": "Hastert of Texas"), and the function words passed."""
    lo, hi = claims.chain(toks, i)
    j, skipped = claims.walk(toks, hi + 1 if step > 0 else lo - 1, step)
    if not 0 <= j < len(toks) or toks[j].punct or abs(j - i) > 4 or toks[j].low in CALENDAR:
        return None
    if toks[j].name and skipped != ("of",):
        return None
    return j, skipped


def _names_near(toks: Sequence[Tok], j: int, step: int) -> tuple[set[str], set[str]]:
    """(the first name chain beside the word at j, when only function words lie between; every name
    within 5 tokens, stopping at punctuation)."""
    k, _ = claims.walk(toks, j + step, step)
    first: set[str] = set()
    if 0 <= k < len(toks) and toks[k].name and toks[k].low not in CALENDAR:
        lo, hi = claims.chain(toks, k)
        if not (step > 0 and hi + 1 < len(toks) and claims.content(toks[hi + 1])):  # "of the American crime
            first = {toks[x].low for x in range(lo, hi + 1)}  # thriller": a name that modifies a noun fills no slot
    near: set[str] = set()
    k = j + step
    while 0 <= k < len(toks) and abs(k - j) <= 5 and not toks[k].punct:
        if toks[k].name:
            near.add(toks[k].low)
        k += step
    return first, near | _coordinated(toks, j, step)


def _coordinated(toks: Sequence[Tok], j: int, step: int) -> set[str]:
    """Every name of a list of names beside the word at j ("Ron Artest, Jermaine O'Neal and Stephen Jackson,
    and Detroit's Ben Wallace were suspended"): each of them fills the slot, not only the nearest."""
    k, _ = claims.walk(toks, j + step, step)
    out: set[str] = set()
    while 0 <= k < len(toks) and (toks[k].name or toks[k].low in (",", "and", "or")):
        if toks[k].name:
            out.add(toks[k].low)
        k += step
    return out if len(out) > 1 else set()


def _slot_taken(c: Sequence[Tok], k: int, step: int, rel: tuple[str, ...], mine: set[str], e: Sequence[Tok],
                verb: bool = False) -> bool:
    """The word c[k] has, in the source, another name in the place where the claim puts `mine`. Beside a
    verb the name may stand on either side ("X was awarded the prize" / "the prize was awarded X")."""
    others, found = set(), False
    for j, u in enumerate(e):
        if u.punct or not (u.low == c[k].low or (not u.name and not c[k].name and claims.same_word(c[k].low, u.low))):
            continue
        first, near = _names_near(e, j, -step)
        if verb:
            near = near | _names_near(e, j, step)[1]
        if any(claims.same_name(x, y) for x in mine for y in near):
            found = True
        elif first and sorted(claims.walk(e, j - step, -step)[1]) == sorted(rel):
            others |= first
    return bool(others) and not found


def name_slot_conflict(claim: str, evidence: str, names: set[str]) -> bool:
    """A name of `names` sits next to a word that, in the source, has another name in that place
    ("Hastert of Texas" / "Hastert of Illinois"; "the envoy was Araghchi" / "envoy Steve Witkoff")."""
    c, e = claims.tokens(claim, frozenset(names)), claims.tokens(evidence)
    verbs = claims.verbs(c)
    for i, t in enumerate(c):
        if not t.name or t.low not in names or t.low in CALENDAR:
            continue
        lo, hi = claims.chain(c, i)
        mine = {c[x].low for x in range(lo, hi + 1)}
        for step in (-1, 1):
            got = _neighbour(c, i, step)
            if got is not None and _slot_taken(c, got[0], step, got[1], mine, e, got[0] in verbs) \
                    and not _before_head(c, got[0], mine, e):
                return True
        j, skipped = claims.walk(c, lo - 1, -1)
        if skipped and skipped[0] in claims.BE:  # "the US special envoy at the talks was Abbas Araghchi"
            for k in range(j, -1, -1):
                if c[k].punct:
                    break
                if claims.content(c[k]) and _slot_taken(c, k, -1, (), mine, e):
                    return True
    return False


def _before_head(c: Sequence[Tok], k: int, mine: set[str], e: Sequence[Tok]) -> bool:
    """c[k] modifies the noun after it ("Japanese territorial waters") and the source puts the name right
    before that noun ("Japanese waters"): the modifier's other name ("Chinese territorial waters") is
    another place, not this one's slot."""
    head = k + 1
    if head >= len(c) or not claims.content(c[head]) or k == 0 or not c[k - 1].name:
        return False
    for j, u in enumerate(e):
        if j > 0 and not u.punct and claims.same_word(c[head].low, u.low) and e[j - 1].name \
                and any(claims.same_name(x, e[j - 1].low) for x in mine):
            return True
    return False


# Words that stand before a name as a title, not as part of it: "President Bush" is "George W. Bush".
_TITLES = frozenset(
    "president minister secretary mr mrs ms dr sen senator gen general king queen prince princess pope "
    "chancellor governor judge rep representative prime foreign deputy chief leader envoy ambassador "
    "commissioner mayor sir lord lady st saint coach captain former new".split())


def _modifiers(toks: Sequence[Tok], head: str) -> set[str]:
    """The word right before each `head` of `toks` in a name chain ("" where it opens one). A chain need not
    end with the head: a headline capitalises on ("Abigail Johnson Named CEO")."""
    out: set[str] = set()
    for i, t in enumerate(toks):
        if t.name and t.low == head:
            out.add(toks[i - 1].low if i > 0 and toks[i - 1].name else "")
    return out


def name_chain_conflict(claim: str, evidence: str, names: set[str]) -> bool:
    """A name chain of the claim ends with a head that, in the source, always follows another first word."""
    c, e = claims.tokens(claim, frozenset(names)), claims.tokens(evidence)
    for i, t in enumerate(c):
        if not t.name or i == 0 or not c[i - 1].name or claims.chain(c, i)[1] != i or t.low in CALENDAR:
            continue
        mine = c[i - 1].low
        if mine in _TITLES or mine in CALENDAR:
            continue
        theirs = _modifiers(e, t.low)
        if theirs and "" not in theirs and not any(claims.same_name(mine, m) for m in theirs) \
                and not theirs <= _TITLES:
            return True
    return False


# Words that come with a name whoever holds an office: they say nothing about which office.
_HONORIFICS = frozenset("mr mrs ms dr sir lord lady st saint former new".split())


def _titled(toks: Sequence[Tok]) -> list[tuple[frozenset[str], frozenset[str], frozenset[str]]]:
    """(title words, name words, title words of its sentence) of each name chain: "Vanuatu's Prime Minister
    Serge Vohor" -> ({prime, minister}, {serge, vohor}, ...); a chain without a title has empty title words."""
    out, i = [], 0
    ends = [k for k, t in enumerate(toks) if t.low in (".", "!", "?")] + [len(toks)]
    while i < len(toks):
        if not toks[i].name:
            i += 1
            continue
        lo, hi = claims.chain(toks, i)
        while lo > 0 and toks[lo - 1].text[:1].isupper() and toks[lo - 1].low in _TITLES:  # a sentence's first word
            lo -= 1
        last = max((k for k in range(lo, hi) if toks[k].low in _TITLES), default=None)  # the last title word
        first = last
        while first is not None and first > lo and toks[first - 1].low in _TITLES:
            first -= 1
        titles = frozenset() if last is None else frozenset(toks[k].low for k in range(first, last + 1)) - _HONORIFICS
        person = frozenset(toks[k].low for k in range((lo if last is None else last + 1), hi + 1))
        at = bisect.bisect_left(ends, lo)  # the sentence around the chain: ends are sorted
        start, end = (ends[at - 1] + 1 if at else 0), ends[bisect.bisect_left(ends, hi)]
        near = frozenset(t.low for t in toks[start:end] if t.low in _TITLES) - _HONORIFICS
        out.append((titles, person, near))
        i = hi + 1
    return out


@functools.lru_cache(maxsize=64)
def _titled_source(evidence: str) -> tuple[tuple[frozenset[str], frozenset[str], frozenset[str]], ...]:
    """`_titled` of a source's text, kept for the next claim checked against it (a brief checks each of
    its points against every article: without this, and with a scan of every sentence end per name, a
    warm front page of the Wikinews dev corpus spent 391 of its 466 s here)."""
    return tuple(_titled(claims.tokens(evidence)))


def title_conflict(claim: str, evidence: str, names: set[str]) -> bool:
    """A name the claim gives a title ("Prime Minister Bao Shusheng") appears in the source with another
    role in its sentence ("envoy to Port Vila, Bao Shusheng"), and the source gives the claim's title to
    other names only ("Prime Minister Serge Vohor"). A name the source mentions with no role at all keeps
    the title ("President Bush met Putin" does not refuse "President Putin")."""
    theirs = _titled_source(evidence)
    for titles, person, _ in _titled(claims.tokens(claim, frozenset(names))):
        if not titles or not person & names:
            continue
        holders = [p for t, p, _ in theirs if titles <= t]
        roles = set().union(*(t | near for t, p, near in theirs if _same_person(p, person)))
        if holders and not any(_same_person(p, person) for p in holders) and roles - titles:
            return True
    return False


def _same_person(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(claims.same_name(x, y) for x in a for y in b)


# Head nouns of another body's name: "the NFL Players Association", "The LEGO Foundation" are other bodies
# than "the NFL", "Lego". Not here: company suffixes ("Lego Group", "Tesla Inc": the same firm), and heads
# that name the thing itself or its own organ ("Harvard University", "Louvre Museum", "Labour Party",
# "Federal Reserve Board"), which would refuse right answers.
_BODIES = frozenset(
    "association foundation federation confederation union council committee commission institute society "
    "trust fund".split())


def _name_runs(toks: Sequence[Tok]) -> list[tuple[int, int]]:
    """(first, last) of each run of name tokens, a number inside or after a name included ("Cyberpunk 2077")."""
    out, i = [], 0
    while i < len(toks):
        if not toks[i].name:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and (toks[j + 1].name or _num(toks[j + 1]) and not toks[j + 1].punct):
            j += 1
        out.append((i, j))
        i = j + 1
    return out


def _extended(e: Sequence[Tok], end: int, claimed: set[str]) -> bool:
    """The name ending at e[end] goes on into a longer name the claim does not write: another body
    ("NFL Players Association") or a subtitle ("Cyberpunk 2077: Phantom Liberty")."""
    k = end + 1 + (end + 1 < len(e) and e[end + 1].low == ":")
    run = []
    while k < len(e) and e[k].name:
        run.append(e[k].low)
        k += 1
    if not run or any(claims.same_word(w, x) for w in run for x in claimed):  # "The Godfather: Directed by":
        return False  # the claim's own words ("director") are not another name
    if e[end + 1].low == ":":  # "BILL GATES: Good morning", "Wimbledon: Djokovic wins": a new sentence opens
        return not (k < len(e) and claims.content(e[k]))
    return any(w in _BODIES for w in run)


def longer_name(claim: str, evidence: str, supplied: frozenset[str]) -> bool:
    """The claim names a thing of the question ("the NFL", "Cyberpunk 2077") that the evidence writes only
    inside a longer name: another organisation ("the NFL Players Association", "The LEGO Foundation") or
    another edition or product ("Cyberpunk 2077: Phantom Liberty"); or, for a name with a number, writes
    its head only with other numbers ("Pixel 5a" for "Pixel 6"). What the evidence says of that one is
    not said of the question's."""
    c, e = claims.tokens(claim, supplied), claims.tokens(evidence)
    claimed = {t.low for t in c if not t.punct and t.low not in STOPWORDS}
    for lo, hi in _name_runs(c):
        words = [c[k].low for k in range(lo, hi + 1)]
        if not all(any(claims.same_name(w, s) for s in supplied) for w in words):
            continue
        ends = [j + len(words) - 1 for j in range(len(e) - len(words) + 1)  # the same words: "Russian
                if all(w == e[j + x].low for x, w in enumerate(words))  # Federation" does not write "Russia"
                and (j == 0 or not e[j - 1].name or e[j - 1].low in _TITLES)]
        if ends and all(_extended(e, end, claimed) for end in ends):
            return True
        if not ends and _other_edition(words, e):
            return True
    return False


def _other_edition(words: Sequence[str], e: Sequence[Tok]) -> bool:
    """A name that ends with a number ("Pixel 6") whose head the evidence writes only with other numbers
    ("Pixel 5a", "Apollo 13"): another model or edition. A head written once without a number is no proof."""
    number = words[-1].replace(",", "")
    if len(words) < 2 or not number[0].isdigit():
        return False
    head = words[:-1]
    after = [j + len(head) for j in range(len(e) - len(head) + 1)
             if all(w == e[j + x].low for x, w in enumerate(head))]
    return bool(after) and all(k < len(e) and _num(e[k]) not in (None, number) for k in after)
