"""How well one source supports one answer sentence: a score, the best quote, and the clauses to drop.

Lexical and deterministic. A claim's content words must be found in the source (word forms and a
short synonym list count; framing words such as "the sources mention" do not count); every number,
date and name must be there too (names exactly or as a demonym, never by prefix), unless the question
supplied it and the source gives no other value for that slot, or another source shown states it
(rag.answer.shown: a year added to a day a yearless source gives, a place's country: "Beijing, China").
The source's title, publisher and date count as evidence. A negation flip, a role swap or a number or name in the wrong slot
(rag.answer.claims) makes the score 0, and so does a claim that states a year, quarter, season or
edition while its evidence is about another one than the question asks (rag.retrieval.constraints), a
name of the question the evidence writes only inside a longer name ("the NFL Players Association";
rag.answer.slots), a "won" the source states no outcome for (a list of nominees; rag.answer.polarity), or,
for a question about a role's holder, a person the source gives the role only as past or names apart from
the asked work (rag.retrieval.roles).
A claim that opens with a full name the question supplied is capped when the source never mentions it. Clauses are scored one by one: a sentence whose first clause
holds keeps it and reports the others as dropped. Does not place markers or decide abstention
(rag.answer.cite, rag.answer.ask); no model, standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer import asked as asked_slot
from rag.answer import claims, polarity, shown, slots
from rag.retrieval import constraints, roles, satisfy
from rag.text.lexicon import (
    CONNECTIVES,
    DEMONYMS,
    FRAMING,
    HEDGES,
    LIGHT_VERBS,
    OPENERS,
    PUBLICATION,
    canonical,
    date_spellings,
)
from rag.text.sentences import sentence_spans
from rag.text.words import STOPWORDS, content_words, key_terms

# 60% of the claim's content words must be in the source. Faithful paraphrases by a small model
# keep most nouns and names (0.7-1.0 in our tests); a claim from the model's own memory shares
# only topic words (Iran, talks) and those that repeat the question are not counted, so it lands
# well under half. Numbers, dates and names are checked separately and cap the score.
# 0.5 -> 0.6 measured on the seed suite: unanswerable 0.71 -> 1.00, accuracy 0.86 -> 0.82
SUPPORT_THRESHOLD: float = 0.6
KEY_TERM_CAP = SUPPORT_THRESHOLD / 2  # the score when a number, date or name is missing
# A clause is judged on its own when it has this many content words the question did not supply;
# shorter pieces (", 22,", "in May") belong to their neighbour. 2 on the pair set: 3 let the added
# clauses of 4 partial items through ("and was paid for by private donors" has 3 but "paid" is
# found), 1 split names and ages off their sentence.
MIN_CLAUSE_WORDS = 2
# Words about the sources, how sure they are, or how a sentence is joined: not about the world.
_IGNORED = FRAMING | PUBLICATION | HEDGES | CONNECTIVES | LIGHT_VERBS
# Endings of common words (lawmakers, unlike, shares, approved): a first word shaped so is not taken
# for a name unless the source or question writes it capitalised mid-sentence.
_COMMON = re.compile(r"(?:s|ed|ing|ly|er|ers|ion|ment|ness|ity|ive|able|ful|al|ike|ic)$")
_YES_NO = re.compile(r"^\s*(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|may|might)\b", re.I)
_YES = re.compile(r"^\s*yes\b", re.I)
_IS_ANSWER = re.compile(r"\s(?:is|was|are|were)\s+(?:the\s+)?[A-Z]")  # "... was the Netherlands"
_INCOMPLETE = re.compile(r"\b(?:in|on|at|of|to|the|a|an|was|were|is|are|by|for|with|and|or|from)\W*$", re.I)


@dataclass(frozen=True)
class Prepared:
    """A source text's sentence spans and, per word, the sentences it occurs in; lower-case words."""

    spans: tuple[tuple[int, int], ...]
    texts: tuple[str, ...]  # each sentence in canonical spelling; the last one may be the metadata
    where: dict[str, frozenset[int]]
    by_prefix: dict[str, tuple[str, ...]]
    lower: frozenset[str]  # words written in lower case somewhere: not names
    capital: frozenset[str]  # words written capitalised somewhere (names, and sentence openers)
    whole: str  # the canonical text with its metadata, for the slot checks


@dataclass(frozen=True)
class Assessment:
    score: float
    quote: str
    offset: int
    dropped: tuple[str, ...] = ()  # clauses of the sentence the source does not support
    kept: float = 0.0  # the score of the other clauses, when some are dropped


def metadata(title: str | None, publisher: str | None, date: str | None) -> str:
    """The source's metadata as one sentence of evidence."""
    parts = [p for p in (title, publisher, date_spellings(date)) if p]
    return ". ".join(parts) + "." if parts else ""


@lru_cache(maxsize=256)
def prepare(text: str, meta: str = "") -> Prepared:
    spans = list(sentence_spans(text))
    texts = [canonical(text[s:e]) for s, e in spans]
    if meta:
        spans.append((0, 0))
        texts.append(canonical(meta))
    where: dict[str, set[int]] = {}
    lower: set[str] = set()
    capital: set[str] = set()
    for k, sent in enumerate(texts):
        for w in content_words(sent) | key_terms(sent):
            where.setdefault(w, set()).add(k)
        toks = claims.tokens(sent)
        lower |= {t.low for t in toks if t.text.islower()}
        capital |= {t.low for t in toks if t.text[:1].isupper()}
    by_prefix: dict[str, list[str]] = {}
    for w in sorted(where):
        by_prefix.setdefault(w[:4], []).append(w)
    return Prepared(tuple(spans), tuple(texts), {w: frozenset(k) for w, k in where.items()},
                    {p: tuple(ws) for p, ws in by_prefix.items()}, frozenset(lower), frozenset(capital),
                    " \n".join(texts))


def _found(word: str, name: bool, prep: Prepared) -> set[int]:
    """The sentences holding `word`: names exactly or as demonyms, other words in any form or synonym."""
    hits = set(prep.where.get(word, ()))
    if name or word[0].isdigit():
        for w in prep.by_prefix.get(word[:4], ()):
            if claims.same_name(word, w):
                hits |= prep.where[w]
        for country, forms in DEMONYMS.items():
            if word == country or word in forms:
                for w in (country, *forms):
                    hits |= prep.where.get(w, set())
        return hits
    stems = {word[:4]} | {s[:4] for s in claims.syn_stems(word)}
    for p in stems:
        for w in prep.by_prefix.get(p, ()):
            if claims.same_word(word, w):
                hits |= prep.where[w]
    return hits


def _names(sentence: str, prep: Prepared, question: str = "") -> set[str]:
    """Key terms that are not numbers, plus a first word that looks like a name: written capitalised
    inside the source or the question, or unknown there and shaped like a name ("Sophos", "Latvia's")."""
    terms = {t for t in key_terms(sentence) if not t[0].isdigit()}
    toks = claims.tokens(sentence)
    if not toks or not toks[0].text[0].isupper() or toks[0].text.isupper() or len(toks[0].low) < 2 \
            or toks[0].low in STOPWORDS | _IGNORED or toks[0].low in prep.lower:
        return terms
    first = toks[0].low
    if first in OPENERS or first.endswith("ly"):
        return terms
    inside = first in prep.where or first in {t.low for t in claims.tokens(question)[1:] if t.name}
    possessive = toks[0].text.lower().endswith("'s")
    if inside or possessive or not _COMMON.search(first) or not _found(first, False, prep):
        terms.add(first)
    return terms


def _quote(found: list[set[int]], text: str, prep: Prepared) -> tuple[str, int, tuple[int, int]]:
    """The source sentence, or two adjacent ones, holding most words; its offset; its sentence indices."""
    best, best_hits = (0, 0), 0
    count = len(prep.spans)
    for i, j in [(i, i) for i in range(count)] + [(i, i + 1) for i in range(count - 1)]:
        hits = sum(i in f or j in f for f in found)
        if hits > best_hits:  # a pair wins only by covering more than any single sentence
            best, best_hits = (i, j), hits
    if not best_hits:
        return "", 0, (0, 0)
    if prep.spans[best[0]] == (0, 0) or prep.spans[best[1]] == (0, 0):  # the metadata
        return " ".join(prep.texts[best[0]:best[1] + 1]), 0, best
    start, end = prep.spans[best[0]][0], prep.spans[best[1]][1]
    return " ".join(text[start:end].split()), start, best


def _asked(term: str, asked: set[str]) -> bool:
    return any(term == a or claims.same_name(term, a) for a in asked)


def _counted(words: set[str], terms: set[str], found: dict[str, set[int]], question: str, asked: set[str],
             clause: bool) -> set[str] | None:
    """The words the ratio is taken over; None when the sentence only echoes the question.

    A whole sentence counts the words the question did not supply (a yes/no answer that adds under
    2 words is checked whole); a clause counts all its words, since a clause may be short. Names and
    numbers the question supplied and the source lacks are the user's wording, not counted."""
    new = words if clause else {w for w in words if not any(claims.same_word(w, a) for a in asked)}
    yes_no = bool(_YES_NO.search(question))
    if asked and not new and not yes_no:
        return None
    if len(new) < 2 and yes_no and not clause:  # "No, the two leaders did not meet"
        new = {w for w in words if found[w] or not _asked(w, asked)} or words
    new = new or words
    qterms = _question_terms(question)
    return {w for w in new if found[w] or not (w in terms and _asked(w, qterms))} or new


def _capped(claim: str, question: str, prep: Prepared, names: set[str], terms: set[str],
            found: dict[str, set[int]], asked: set[str], clause: bool) -> bool:
    """A number, date or name is missing, a listed item is not there, or a "yes" lacks the asked deed."""
    missing = {t for t in terms if not found[t]}
    items = claims.list_items(claim)
    missing -= {str(len(items))} if len(items) > 1 else set()  # "3 provinces: A, B and C" counts the list
    if any(not _asked(t, asked) for t in missing):
        return True
    if not clause and _YES_NO.search(question) and _YES.search(claim):  # "Yes, Lagos rejected the report"
        toks = claims.tokens(claim)
        if any(toks[k].low in found and not found[toks[k].low] for k in claims.verbs(toks)):
            return True
    for item in items:  # every listed item must be there
        iw = content_words(item) - _IGNORED
        if iw and sum(bool(_found(w, w in names, prep)) for w in iw) / len(iw) < 0.5:
            return True
    return False


def _score(claim: str, question: str, text: str, prep: Prepared, asked: set[str], clause: bool = False,
           stated: frozenset[str] = frozenset()) -> Assessment | None:
    """One claim (sentence or clause) against a source; None when it asserts nothing checkable."""
    added = shown.added(claim, prep.whole, stated)  # stated by another source shown: neither counted nor required
    words = content_words(claim) - _IGNORED - added
    names = _names(claim, prep, question) - added
    terms = {t for t in key_terms(claim) if t[0].isdigit()} - added | names
    if not words and not terms:
        return None
    found = {w: _found(w, w in names, prep) for w in words | terms}
    counted = _counted(words, terms, found, question, asked, clause)
    if counted is None:
        return None
    score = sum(bool(found[w]) for w in counted) / len(counted) if counted else 1.0
    if _capped(claim, question, prep, names, terms, found, asked, clause):
        score = min(score, KEY_TERM_CAP)
    quote, offset, (i, j) = _quote(list(found.values()), text, prep)
    evidence = " ".join(prep.texts[i:j + 1])
    if not clause and polarity.hedge_dropped(claim, evidence):  # a clause's hedge may sit in its sentence
        score = min(score, KEY_TERM_CAP)
    frozen = frozenset(names)
    new_names = any(not _asked(n, asked) for n in names)
    superlatives = polarity.claimed_superlatives(claim, question) if new_names else frozenset()  # need a source
    if question and _twin(question, claim, evidence):
        score = 0.0
    if question and (_absent_subject(claim, question, prep) or _absent_topic(claim, question, prep)):
        score = min(score, KEY_TERM_CAP)
    if question and not _relation_held(claim, question, prep):
        score = 0.0
    if question and roles.asks_role(question) and _apart(names, asked, found, prep):
        score = 0.0
    if polarity.negation_flip(claim, evidence, frozen) \
            or claims.role_conflict(claim, evidence, frozen, frozenset(asked)) \
            or slots.number_conflict(claim, prep.whole) or slots.name_slot_conflict(claim, prep.whole, names) \
            or slots.name_chain_conflict(claim, prep.whole, names) \
            or slots.title_conflict(claim, prep.whole, names) \
            or (question and slots.longer_name(claim, evidence, _question_terms(question))) \
            or polarity.ordinal_dropped(claim, evidence) \
            or (question and (roles.past_holder(question, claim, prep.whole)
                              or roles.aside_holder(question, claim, prep.whole))) \
            or polarity.outcome_unstated(claim, question, prep.whole, new_names) \
            or not all(_found(w, False, prep) for w in superlatives):
        score = 0.0
    return Assessment(score, quote, offset)


_constraints = lru_cache(maxsize=1024)(constraints.parse)  # the same question for every sentence and source


def _twin(question: str, claim: str, evidence: str) -> bool:
    """The evidence states another year, quarter, season or edition than the one the question asks
    about, or lists the claim's names under another year (rag.retrieval.satisfy.conflicts). Only a
    claim that states a year, quarter, season or edition itself is checked: a source's other years may
    date other events ("indicted ... last month" next to "fired in 1999")."""
    asked = _constraints(question)
    if asked.empty or _constraints(claim).empty:
        return False
    return satisfy.conflicts(asked, claim, evidence) is not None


def _absent_subject(claim: str, question: str, prep: Prepared) -> bool:
    """The claim opens with a full name the question supplied ("Peter Mandelson gets ...") that the source
    never mentions: a passage about someone else cannot support what the question asks about that person."""
    toks = claims.tokens(claim, _question_terms(question))
    if len(toks) < 2 or not toks[0].name or not toks[1].name:
        return False
    chain = {toks[k].low for k in range(claims.chain_end(toks, 0) + 1)}
    supplied = _question_terms(question)
    return all(any(claims.same_name(w, s) for s in supplied) for w in chain) \
        and not any(_found(w, True, prep) for w in chain)


def _absent_topic(claim: str, question: str, prep: Prepared) -> bool:
    """The claim repeats names the question supplied ("the Russian Constitutional Court ruled on the Tatar
    alphabet") and the source writes none of them as a name: a passage about another country's court
    cannot date this one's ruling. Only for a date, count or amount, which any passage holds (its dateline):
    a name answer may come from a passage that says "the film" (rgb counterfactual replay, cf081), except
    the holder of an asked role (`_apart`)."""
    if _question_ask(question).kind not in ("date", "count", "amount"):
        return False
    supplied = frozenset(t for t in _question_terms(question) if not t[0].isdigit())
    repeated = {t.low for t in claims.tokens(claim, supplied) if t.name and _asked(t.low, supplied)}
    return bool(repeated) and not any(claims.same_name(r, n) for r in repeated for n in prep.capital)


def _relation_held(claim: str, question: str, prep: Prepared) -> bool:
    """A claim that states the question's relation ("X claimed responsibility for ...", "... were claimed by
    insurgents") needs a source that states that relation somewhere: its verb or the words it takes
    ("claimed", "responsibility"; any form or near-synonym), whoever the claim names (a common noun answers
    "which group" too). A bare verb ("chose", "formed") is not checked: it is often the question's
    paraphrase of the source (requiring it next to the name lost 9 Wikinews, 6 RGB and 5 counterfactual
    right answers in the replays), while a source with neither word ("police were among the dead") does
    not say it."""
    phrase = _question_ask(question).relation
    if not phrase:
        return True
    toks = claims.tokens(claim)
    if not any(claims.content(t) and any(claims.same_word(t.low, w) for w in phrase) for t in toks):
        return True
    return any(_found(w, False, prep) for w in phrase)


_LINKED = re.compile(r"^(?:he|she|it|they|his|her|its|their|"
                     r"the (?:film|movie|show|series|company|group|team|club|party|book|album|song))\b", re.I)


def _apart(names: set[str], asked: set[str], found: dict[str, set[int]], prep: Prepared) -> bool:
    """The claim joins a new name to the question's names, and the source never writes them together: no
    sentence holds both, nor a sentence with the question's name followed by one that opens with a pronoun
    or "the film" and holds the new name ("The Shape of Water won best picture. Frances McDormand and Gary
    Oldman won the lead acting awards." does not make McDormand its lead actress); or the source never
    names the question's names at all ("its lead actress Liu Yifei" is another film's, and so is "the film's
    13 nominations" for all the source says). No verdict when the source lacks the new name."""
    new = {n for n in names if not _asked(n, asked) and found.get(n)}
    given = {n for n in names if _asked(n, asked) and found.get(n)}
    if new and not given and any(_asked(n, asked) for n in names):
        return True  # the source never names the asked work: "its lead actress Liu Yifei" is another film's
    if not new or not given:
        return False
    together = set().union(*(found[g] for g in given))
    linked = together | {k + 1 for k in together if k + 1 < len(prep.texts) and _LINKED.match(prep.texts[k + 1])}
    return not any(found[n] & linked for n in new)


def assess(sentence: str, text: str, question: str = "", meta: str = "", stated: frozenset[str] = frozenset()
           ) -> Assessment:
    """Support of one answer sentence (markers stripped) by one source text and its metadata.

    `score` judges the whole sentence (a failing clause caps it); when the first clause holds and
    later ones fail, `kept` is the score of the clauses that hold and `dropped` lists the others.
    """
    prep = prepare(text, meta)
    asked = _supplied(question)
    if _INCOMPLETE.search(sentence) and not sentence.rstrip().endswith("?"):  # cut off: "... take place in"
        return Assessment(0.0, "", 0)
    whole = _score(canonical(sentence), question, text, prep, asked, stated=stated)
    if whole is None:
        return Assessment(0.0, "", 0)
    parts = claims.clauses(sentence)
    if len(parts) < 2:
        return whole
    dropped: list[str] = []
    kept: list[float] = []
    main = next((p for p in parts if not claims.names_only(p)), None)  # the first that is more than names
    failed = Assessment(min(whole.score, KEY_TERM_CAP), whole.quote, whole.offset)
    for k, part in enumerate(parts):
        canon = canonical(part)
        # a first clause "X was Y" is the sentence's claim even when the question supplied all but its
        # answer ("The runner-up of the 2018 World Cup was the Netherlands, who won the title ...")
        least = 1 if k == 0 and _IS_ANSWER.search(part) else MIN_CLAUSE_WORDS
        if len((content_words(canon) - _IGNORED) - asked) < least:
            continue
        got = _score(canon, question, text, prep, asked, clause=True, stated=stated)
        if got is None:
            continue
        if got.score >= SUPPORT_THRESHOLD:
            kept.append(got.score)
        elif not kept or part == main:  # the sentence's first claim, or its main clause, fails: nothing
            return failed  # is kept (a trailing aside, or names without what they did, is no answer)
        else:
            dropped.append(part)
    if not dropped:
        return whole
    return Assessment(min(whole.score, KEY_TERM_CAP), whole.quote, whole.offset, tuple(dropped), min(kept))


@lru_cache(maxsize=64)
def _question_terms(question: str) -> frozenset[str]:
    """The question's key terms (names, numbers, dates), lower case: parsed once per question."""
    return frozenset(key_terms(canonical(question)))


@lru_cache(maxsize=64)
def _question_ask(question: str) -> asked_slot.Ask:
    """What the question asks (rag.answer.asked.parse): parsed once per question, not per claim and source."""
    return asked_slot.parse(question)


def _supplied(question: str) -> set[str]:
    """The question's content words and key terms: what an answer may repeat without claiming it."""
    return content_words(canonical(question)) | _question_terms(question)


def claim_parts(sentence: str) -> tuple[str, ...]:
    """The clauses of a sentence for judging each against its own source: a piece with fewer than
    MIN_CLAUSE_WORDS content words ("Georgia.") joins the piece before it (the first piece, the next)."""
    out: list[str] = []
    for part in claims.clauses(sentence):
        if out and (_thin(out[-1]) or _thin(part)):
            out[-1] = out[-1] + ", " + part
        else:
            out.append(part)
    return tuple(out)


def _thin(part: str) -> bool:
    return len(content_words(canonical(part)) - _IGNORED) < MIN_CLAUSE_WORDS


def part_scores(parts: tuple[str, ...], text: str, question: str = "", meta: str = "",
                stated: frozenset[str] = frozenset()) -> tuple[float, ...]:
    """How well one source supports each of `parts` on its own (every check of `assess`, clause by clause)."""
    prep = prepare(text, meta)
    asked = _supplied(question)
    out = []
    for part in parts:
        got = _score(canonical(part), question, text, prep, asked, clause=True, stated=stated)
        out.append(got.score if got is not None else 0.0)
    return tuple(out)

