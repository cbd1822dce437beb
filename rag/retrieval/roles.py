"""Sentence-level answer evidence for the re-ranker, for "who" questions about a role ("Who is the CEO of
Lego in 2021?"): does one sentence of a passage name a person next to the role (under any of its curated
names: CEO, chief executive, president) and the role next to the asked organisation?

- `focus_words(question)`: the question's content words, a role word ("CEO") widened to the names of the
  same office ("chief executive", "president") from the small curated `ROLES` lexicon.
- `evidence(question, text, rarity)`: the best sentence's share of the focus words (rarity-weighted),
  counted only when that sentence names the role's holder: a person's name next to the role word ("CEO
  Jane Doe", "Jane Doe, CEO of", "Jane Doe is the CEO"; "She is the CEO" after a sentence opening with
  her name) with the role next to the asked organisation and no other name between them. A role the
  sentence marks as past ("former CEO", "was the president") does not count for a present-tense question.
  Other questions get 0: the same sentence test for "when" (a date in the focus sentence) and "what"
  (a name) did not pay (see `rag.retrieval.rerank.RerankWeights`).

For the checker (`rag.answer.support`, `rag.answer.cite`), from the same lexicon: `asks_role(question)`, the
question asks for a role's holder; `past_holder(question, claim, evidence)`, the source gives the claim's
person the asked role only as past; `aside_holder(question, claim, evidence)`, only in a bracketed aside of
another organisation ("(CEO: John Hanke) and Nintendo Co., Ltd."); `tells_of_asked(question, texts)`, the
answer or its sources name the asked organisation or work at all.

Does not: find or check the answer, call a model, weigh features against each other (`rag.retrieval.rerank`
does), or handle non-English text. Pure functions of the strings: no model, no store.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from rag.retrieval.answer_type import PERSON, answer_type
from rag.retrieval.constraints import parse, split_dateline
from rag.retrieval.lexical import tokens
from rag.text.lexicon import COPULAR
from rag.text.sentences import split_sentences

# Names of one office or one relation as news writes them (lower-case; multi-word names allowed). Small
# and general on purpose: offices and film/award roles that questions ask "who" about.
ROLES = (
    ("ceo", "chief executive", "president", "chief", "boss", "head", "managing director"),
    ("chairman", "chairwoman", "chair", "chairperson"),
    ("founder", "co-founder", "founded", "cofounder"),
    ("director", "directed", "filmmaker"),
    ("actress", "actor", "star", "starring", "stars", "starred", "played", "plays", "portrays", "portrayed", "lead"),
    ("coach", "manager", "head coach"),
    ("prime minister", "premier"),
    ("winner", "won", "wins", "champion", "awarded", "recipient"),
    ("author", "wrote", "writer", "written"),
)
_ROLE_OF = {name: group for group in ROLES for name in group}
_ROLE_WORD = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(_ROLE_OF, key=len, reverse=True)) + r")\b", re.I)
_PAST = frozenset("former late then previous outgoing onetime one-time erstwhile was were".split())
_PRESENT = re.compile(r"^\s*(?:who|what)\s+(?:is|are)\b|\bcurrent(?:ly)?\b", re.I)
# Words that end a company's name: a capitalised run ending in one is not a person ("Nintendo Co").
_SUFFIXES = frozenset("group inc co corp corporation company ltd plc llc sa ag ab nv holdings limited".split())
# A person's name: capitalised words or initials ("Niels B. Christiansen"), not all-capitals ("LEGO Group").
_NAME = r"\b[A-Z](?:[a-z][\w'’-]*|\.)(?:\s+(?:[A-Z](?:[a-z][\w'’-]*|\.)|(?:de|van|von|der|da|di|le)\b))*"
BARE = 0.5  # credit of a focus sentence that names no holder; measured against 0 in rag.retrieval.rerank.RerankWeights
# Both measured flat on the three suites' pools (rgb-dev, seeds, wikinews-dev): PAST_WORDS 3, 5 and 8 rank
# identically; WINDOW 4 / 6 / 8 give rgb-dev recall 0.568 / 0.572 / 0.572, MRR 0.785 / 0.775 / 0.775.
PAST_WORDS = 5  # words before a role that may mark it past: "was the global president and CEO"
WINDOW = 6  # words between a role word and the name it belongs to ("Niels B. Christiansen, CEO of")


def _roles_in(question: str) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(_ROLE_OF[m.group(0).lower()] for m in _ROLE_WORD.finditer(question)))


@lru_cache(maxsize=256)
def _words_rx(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                      + r")(?![\w-])", re.I)


def focus_words(question: str) -> list[frozenset[str]]:
    """The question's content words but numbers (the constraint feature judges years), each as the set of
    its accepted forms: a role word stands for the one-word names of its office."""
    roles = _roles_in(question)
    out: list[frozenset[str]] = []
    for w in dict.fromkeys(tokens(question)):
        if w.isdigit():
            continue
        group = next((g for g in roles if w in g), None)
        out.append(frozenset(n for n in group if " " not in n) if group else frozenset({w}))
    return list(dict.fromkeys(out))


def _coverage(focus: list[frozenset[str]], sentence: str, rarity: Mapping[str, float]) -> float:
    have = set(tokens(sentence))
    weights = [max(rarity.get(w, 1.0) for w in f) for f in focus]
    total = sum(weights)
    return sum(wt for f, wt in zip(focus, weights) if f & have) / total if total else 0.0


def _spans(words: Sequence[str], sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in _words_rx(tuple(words)).finditer(sentence)] if words else []


def _near(a: tuple[int, int], b: tuple[int, int], sentence: str, no_names: bool = False) -> bool:
    """Two spans of one clause at most WINDOW words apart (commas allowed: "Jane Doe, CEO of X"); with
    `no_names`, no other name between them ("CEO of Illumination, said the Lego ..." is not Lego's CEO)."""
    if a[0] < b[1] and b[0] < a[1]:
        return False
    gap = sentence[a[1]:b[0]] if a[1] <= b[0] else sentence[b[1]:a[0]]
    if no_names and re.search(r"\b[A-Z]", gap):
        return False
    return len(re.findall(r"\w+", gap)) <= WINDOW and not re.search(r"[;.!?()\[\]]", gap)


def _past(before: str) -> bool:
    """The role is marked as past: "former CEO", "was the president" (not "was named CEO")."""
    words = re.findall(r"[\w'-]+", before.lower())[-PAST_WORDS:]
    return any(w in _PAST or w.startswith("ex-") for w in words) and not any(w in COPULAR for w in words)


def role_holder(roles: list[tuple[str, ...]], sentence: str, present: bool, org: Sequence[str] = (),
                subject: bool = False) -> bool:
    """A person's name (two words or more; with `subject`, the pronoun opening the sentence) next to a role
    word of `sentence`, and the role next to one of `org` when given ("CEO Jane Doe of X", "Jane Doe, CEO
    of X", "X's CEO Jane Doe"). A role marked past ("former CEO") does not count when `present`."""
    words = [n for g in roles for n in g]
    masked = sentence
    for a, b in _spans(words, sentence):
        masked = masked[:a] + "~" * (b - a) + masked[b:]
    orgs = _spans(org, sentence)
    names = [m.span() for m in re.finditer(_NAME, masked) if len(m.group(0).split()) >= 2
             and m.group(0).split()[-1].lower().rstrip(".") not in _SUFFIXES
             and not any(o[0] < m.end() and m.start() < o[1] for o in orgs)]  # the organisation is no person
    if subject:
        names.append(re.match(r"\s*\w+", sentence).span())
    for r in _spans(words, sentence):
        if present and _past(sentence[:r[0]]):
            continue
        if org and not any(_near(r, o, sentence, no_names=True) or o[0] <= r[0] < o[1] for o in orgs):
            continue
        if any(_near(n, r, sentence) for n in names):
            return True
    return False


@dataclass(frozen=True)
class _Question:
    kind: str | None
    focus: tuple[frozenset[str], ...]
    roles: tuple[tuple[str, ...], ...]
    present: bool
    org: tuple[str, ...]


@lru_cache(maxsize=256)
def _question(question: str) -> _Question:
    """What `evidence` needs of a question, once per question (the pool asks it 40 times)."""
    kind = answer_type(question)
    roles = tuple(_roles_in(question)) if kind == PERSON else ()
    return _Question(kind, tuple(focus_words(question)), roles, bool(_PRESENT.search(question)),
                     tuple(_asked_names(question)) if roles else ())


def evidence(question: str, text: str, rarity: Mapping[str, float] | None = None) -> float:
    """0..1 for a "who" question about a role (0 for any other): the best sentence's focus coverage
    (`rarity` weighs each focus word, default 1), times BARE when it does not name the role's holder."""
    q = _question(question)
    if not q.focus or not q.roles:
        return 0.0
    ss = split_sentences(split_dateline(text)[1]) or [text]
    best = 0.0
    for i, s in enumerate(ss):
        cov = _coverage(list(q.focus), s, rarity or {})
        if cov <= best:  # a candidate here could not raise the best
            continue
        best = max(best, cov if _holds(q, ss, i) else cov * BARE)
    return best


def _holds(q: _Question, ss: Sequence[str], i: int) -> bool:
    """Sentence i names the holder of the asked role (see `role_holder`), or opens with a pronoun for the
    person the sentence before opens with."""
    s, roles = ss[i], list(q.roles)
    return role_holder(roles, s, q.present, q.org) or (
        i > 0 and _pronoun(ss[i - 1], s) and role_holder(roles, s, q.present, q.org, subject=True))


def _pronoun(before: str, sentence: str) -> bool:
    """"Jane Doe is ... . She is the current CEO of X": the sentence opens with a pronoun and the one before
    with a person's name."""
    m = re.match(rf"\s*({_NAME})", before)
    return bool(re.match(r"\s*(?:he|she)\b", sentence, re.I) and m and len(m.group(1).split()) >= 2)


def _asked_names(question: str) -> list[str]:
    """The question's names without a leading role ("CEO of Lego" -> "Lego")."""
    roles = {n for g in _roles_in(question) for n in g}
    lead = "|".join(re.escape(n) for n in sorted(roles, key=len, reverse=True)) or "$^"
    asked = [re.sub(rf"^(?:the\s+)?(?:{lead})\s+(?:of|for|at|in)\s+", "", e, flags=re.I) for e in parse(question).entities]
    return [e for e in asked if len(e) > 2 and e.lower() not in roles]


_ASKED_PART = re.compile(r"^.*?(?=\b(?:of|in|at|for|over|by|with|from|on)\b|$)", re.I | re.S)


def asks_role(question: str) -> bool:
    """A "who" question that asks for the holder of a role of the `ROLES` lexicon, the role word before the
    question's first preposition ("Who is the lead actress in ...?", "Who directed Titanic?"; not "Who is the
    bouncer charged over the death of cricket coach David Hookes?")."""
    return bool(_question(question).roles) and bool(_ROLE_WORD.search(_ASKED_PART.match(question).group(0)))


def _claim_names(claim: str) -> list[re.Pattern[str]]:
    """A pattern for the last word of each person's name the claim gives (two words or more, no company)."""
    out = []
    for m in re.finditer(_NAME, claim):
        parts = m.group(0).split()
        if len(parts) >= 2 and parts[-1].lower().rstrip(".") not in _SUFFIXES:
            out.append(re.compile(rf"\b{re.escape(parts[-1])}\b"))
    return out


_GLUE = frozenset("the and for with from".split())  # words of a name that do not name it ("The Shape of Water")
# A bracketed aside, closed or cut off by the end of the text: "(HQ: Kyoto; President: Shuntaro ..."
_ASIDE = re.compile(r"[(（\[][^()（）\[\]]*(?:[)）\]]|$)")
ASIDE_LEAD = 6  # words before an aside that may name what it belongs to: "Nintendo Co., Ltd. (HQ: ..."


def aside_holder(question: str, claim: str, evidence: str) -> bool:
    """For a question about a role's holder at a named organisation: the source names a person the claim
    gives only inside bracketed asides that hold the role and belong to something listed before the asked
    organisation ("(CEO: John Hanke) and Nintendo Co., Ltd. (President: ...)": Hanke is another company's
    CEO): the asked organisation follows the aside in its sentence, and is neither in it nor in the
    ASIDE_LEAD words before it. Used by the checker (`rag.answer.support`). No verdict (False) when the
    source names the person outside such an aside, or not at all."""
    q = _question(question)
    if not q.roles or not q.org or not asks_role(question):
        return False
    roles, org = _words_rx(tuple(n for g in q.roles for n in g)), _words_rx(q.org)

    def another(s: str, at: int) -> bool:  # the mention at `at` sits in an aside of another organisation's
        a = next((a for a in _ASIDE.finditer(s) if a.start() <= at < a.end()), None)
        lead = " ".join(re.findall(r"\S+", s[:a.start()])[-ASIDE_LEAD:]) if a else ""
        return a is not None and bool(roles.search(a.group(0))) and not org.search(a.group(0)) \
            and bool(org.search(s[a.end():])) and not org.search(lead)

    ss = split_sentences(split_dateline(evidence)[1]) or [evidence]
    for last in _claim_names(claim):
        found = [another(s, m.start()) for s in ss for m in last.finditer(s)]
        if found and all(found):
            return True
    return False


def tells_of_asked(question: str, texts: Sequence[str]) -> bool:
    """For a question about the holder of a role at a named organisation or work ("Who is the lead actress in
    The Shape of Water?"): one of `texts` (an answer sentence, the sources that support it) names it, by a
    word of its name ("Shape", "Water"). A source that never does ("Sally Hawkins plays Mia, an aspiring
    actress in Los Angeles") tells of another film's cast. True for any other question. Used by the checker
    (`rag.answer.cite`) for the sentence that fills the asked slot."""
    q = _question(question)
    if not q.org or not asks_role(question):
        return True
    words = tuple(w for o in q.org for w in re.findall(r"[\w'-]{3,}", o) if w.lower() not in _GLUE)
    return not words or any(_words_rx(words).search(t) for t in texts)


def past_holder(question: str, claim: str, evidence: str) -> bool:
    """For a present-tense question about a role ("Who is the CEO of Nintendo?"): a person the claim names
    holds a role of that office in the source only as past ("Satoru Iwata was the global president and
    CEO of Nintendo"; "former CEO Jane Doe"), in every sentence that names them (or opens with a pronoun
    for them) next to the role. Used by the checker (`rag.answer.support`): such a source does not say who
    holds the role now. No verdict (False) when the source never names them next to the role. Requiring
    the role next to the asked organisation as well was tried and refused right answers ("Pretty Woman is
    a 1990 American romantic comedy film directed by Garry Marshall")."""
    q = _question(question)
    if not q.roles or not q.present:
        return False
    roles = list(q.roles)
    ss = split_sentences(split_dateline(evidence)[1]) or [evidence]
    for last in _claim_names(claim):
        mine = [(s, False) for s in ss if last.search(s)]
        mine += [(b, True) for a, b in zip(ss, ss[1:]) if last.search(a) and _pronoun(a, b)]
        if any(role_holder(roles, s, False, subject=p) for s, p in mine) and not any(
                role_holder(roles, s, True, subject=p) for s, p in mine):
            return True
    return False
