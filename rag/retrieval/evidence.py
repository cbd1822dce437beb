"""Sentence-level answer evidence for the re-ranker: does one sentence of a passage hold the question's
focus (its rare words, a role under any of its curated names) together with a candidate of the asked kind?

- `focus_words(question)`: the question's content words, a role word ("CEO") widened to the names of the
  same office ("chief executive", "president") from the small curated `ROLES` lexicon.
- `evidence(question, text, rarity)`: the best sentence's share of the focus words (rarity-weighted),
  counted in full only when that sentence (or, for a person, the sentence before it: "X is ... He is the
  president of Y") holds a candidate of the asked kind; for a "who" question about a role the candidate
  must be a name next to the role word ("CEO Jane Doe", "Jane Doe, CEO of", "Jane Doe is the CEO").
  A role that the sentence marks as past ("former CEO") does not count for a present-tense question.

Does not: find or check the answer, call a model, weigh features against each other (`rag.retrieval.rerank`
does), or handle non-English text. Pure functions of the strings: no model, no store.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

from rag.retrieval.answer_type import PERSON, answer_type, holds_answer
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
_PAST = frozenset("former late then previous outgoing onetime one-time erstwhile was were".split())
_PRESENT = re.compile(r"^\s*(?:who|what)\s+(?:is|are)\b|\bcurrent(?:ly)?\b", re.I)
# Words that end a company's name: a capitalised run ending in one is not a person ("Nintendo Co").
_SUFFIXES = frozenset("group inc co corp corporation company ltd plc llc sa ag ab nv holdings limited".split())
# A person's name: capitalised words or initials ("Niels B. Christiansen"), not all-capitals ("LEGO Group").
_NAME = r"\b[A-Z](?:[a-z][\w'’-]*|\.)(?:\s+(?:[A-Z](?:[a-z][\w'’-]*|\.)|de|van|von|der|da|di|le))*"
BARE = 0.0  # credit of a focus sentence without a candidate of the asked kind; 0.5 measured worse (see rerank.py)
PAST_WORDS = 5  # words before a role that may mark it past: "was the global president and CEO"
WINDOW = 6  # words between a role word and the name it belongs to ("Niels B. Christiansen, CEO of")


def _roles_in(question: str) -> list[tuple[str, ...]]:
    low = question.lower()
    return list(dict.fromkeys(g for name, g in _ROLE_OF.items() if re.search(rf"\b{re.escape(name)}\b", low)))


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
    out = []
    for w in words:
        out += [m.span() for m in re.finditer(rf"(?<![\w-]){re.escape(w)}(?![\w-])", sentence, re.I)]
    return out


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
    names = [m.span() for m in re.finditer(_NAME, masked) if len(m.group(0).split()) >= 2
             and m.group(0).split()[-1].lower().rstrip(".") not in _SUFFIXES]
    if subject:
        names.append(re.match(r"\s*\w+", sentence).span())
    orgs = _spans(org, sentence)
    for r in _spans(words, sentence):
        if present and _past(sentence[:r[0]]):
            continue
        if org and not any(_near(r, o, sentence, no_names=True) or o[0] <= r[0] < o[1] for o in orgs):
            continue
        if any(_near(n, r, sentence) for n in names):
            return True
    return False


def evidence(question: str, text: str, rarity: Mapping[str, float] | None = None) -> float:
    """0..1: the best sentence's focus coverage (`rarity` weighs each focus word, default 1), times BARE when
    the sentence holds no candidate of the asked kind."""
    kind, focus = answer_type(question), focus_words(question)
    if not focus:
        return 0.0
    roles = _roles_in(question) if kind == PERSON else []
    present, org = bool(_PRESENT.search(question)), _asked_names(question) if roles else []
    ss = split_sentences(split_dateline(text)[1]) or [text]
    best = 0.0
    for i, s in enumerate(ss):
        cov = _coverage(focus, s, rarity or {})
        window = f"{ss[i - 1]} {s}" if i else s
        if roles:
            found = role_holder(roles, s, present, org) or (i > 0 and _pronoun(ss[i - 1], s) and role_holder(
                roles, s, present, org, subject=True))
        else:
            found = holds_answer(kind, window if kind == PERSON else s, question) if kind else True
        best = max(best, cov if found else cov * BARE)
    return best


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
