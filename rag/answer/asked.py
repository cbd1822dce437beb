"""The slot a question asks for, and whether an answer sentence fills it in the role the question asks.

`parse`: a wh-question's slot kind (a name for "who" / "which group" / "the names of", a date for
"when" / "what year", a count for "how many N", an amount for "how much", a place for "where"; a country
is no place for "which city") and the question's own relation words (its verbs: "replaced", "claimed",
"rule" in "did the court rule").
`fills`: the sentence states a filler of that kind that the question did not supply ("Bao Shusheng",
"November 18", "20,000 times"; not "the two train drivers", not "7 research vessels" for sailors).
A "how much" about paying, costing or settling asks for a sum of money ("$615 million", not "3.5 percent");
a "who" answer whose subject is a thing of the question's own name ("Hari Kostov's resignation followed
...") fills the slot only with the question's verb, a new agent ("by ...") or a new name outside its asides.
`Ask.relation`: a relation verb with the words it takes ("claimed responsibility"), which
rag.answer.support requires a source to state before it holds a new name in that relation.
`on_topic`: the sentence (or the quote that supports it) shares a word with the question.
The question's verbs are parsed (`Ask.verbs`) but not required in the evidence: on the Wikinews dev
replay that rule caught 4 more unanswerable questions and threw away 18 right answers whose
questions paraphrase the source ("scheduled" / "set", "chosen" / "tapped").

Does not score support or place citations (rag.answer.support, rag.answer.cite); no model, standard
library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer import claims
from rag.text.lexicon import COUNTRIES, FRAMING, LIGHT_VERBS, OPENERS, canonical
from rag.text.words import CALENDAR, STOPWORDS, YEAR, content_words, key_terms

# "which group", "what country": a head noun that names a person, organisation or place asks for a name.
_NAMED = frozenset(
    "person man woman people leader group organisation organization company firm country nation city "
    "town state province region team club party player president minister official candidate network "
    "newspaper agency band airline bank court body union island university school".split())
_PLACES = frozenset("city town country nation state province region island place".split())
_SETTLEMENTS = frozenset("city town village".split())  # a country names none of these ("met in Kenya")
_COUNTRY = re.compile(  # "Mexico City" is a city
    r"\b(?:" + "|".join(re.escape(c) for c in sorted(COUNTRIES, key=len, reverse=True)) + r")\b(?!\s+city\b)", re.I)
_TIME_NOUNS = frozenset("date day year month time week".split())
_TIME_UNITS = re.compile(r"^(?:second|minute|hour|day|week|month|year|decade|time)s?$")
_TIME_PREPOSITIONS = frozenset("in since by of from until before after during".split())
_AMOUNT_UNITS = frozenset("dollars dollar percent pounds euros yen million billion trillion".split())
# "How much did X pay / cost / spend / settle for": the amount is money, so "a 3.5 percent pay raise" is no
# answer (Wikinews boeing-settlement). Question words, matched as word forms (claims.same_word).
_MONEY_WORDS = ("pay", "cost", "spend", "spent", "fine", "settle", "donate", "owe", "worth", "money", "ransom",
                "bail", "compensation", "salary", "earn", "invest", "bribe", "charge", "sell", "sold", "bought")
# A sum of money in canonical text ("$615 million" reads "615 million dollars") or as written ("£20", "Rs 50").
_MONEY = re.compile(r"[$£€¥]\s?\d|\d[\d,.]*\s*(?:(?:thousand|million|billion|trillion|bn|m)\s+)?"
                    r"(?:dollars?|pounds?|euros?|yen|yuan|renminbi|rupees?|francs?|pesos?|rand|roubles?|rubles?|"
                    r"marks?|dinars?|riyals?|shekels?|won|krona|kronor|kroner|lira|naira|shillings?|cents?|pence)\b|"
                    r"\b(?:rs|inr|usd|gbp|eur)\.?\s?\d", re.I)
_WH = re.compile(
    r"^\s*(?:(?:on|in|at|by|from|to|for|during)\s+)?(?P<wh>(?:what\s+(?:is|are|was|were)\s+)?the\s+names?\s+of|"
    r"name\s+the|who|whom|whose|when|where|how\s+many|how\s+much|how\s+old|how\s+long|"
    r"(?:what|which)(?:\s+(?P<noun>[a-z]+))?)\b", re.I)
_BARE_ANSWER_WORDS = 4  # "Rice will replace Powell." needs no question word to be on topic
# "are named as", "is cited as" in a question about the coverage: how the sources put it, not a relation
_PASSIVE_FRAMING = frozenset("named cited called seen considered regarded".split())
_AUX_Q = frozenset("did does do will would can could has have had is are was were should must may might".split())


@dataclass(frozen=True)
class Ask:
    """What a question asks: the slot kind (None: not a slot question), the counted or named noun,
    the names and numbers it supplies, and its relation verbs."""

    kind: str | None  # "name", "place", "date", "count", "amount" or "thing"
    noun: str  # "sailors" in "how many sailors", "group" in "which group"; "" when none
    supplied: frozenset[str]  # the question's key terms (names, numbers, dates), lower case
    verbs: frozenset[str]  # the question's own relation words ("replaced", "claimed", "rule")
    words: frozenset[str] = frozenset()  # the question's content words
    relation: frozenset[str] = frozenset()  # a verb with the words it takes ("claimed", "responsibility")


def _kind(wh: str, noun: str) -> str | None:
    wh = " ".join(wh.lower().split())
    if "name" in wh:  # "the names of": a name; "who" may be answered by a description ("the two drivers")
        return "name"
    if wh in ("who", "whom", "whose"):
        return "thing"
    if wh == "when" or (noun in _TIME_NOUNS and wh.startswith(("what", "which"))):
        return "date"
    if wh == "where":
        return "place"
    if wh in ("how many", "how old", "how long"):
        return "count"
    if wh == "how much":
        return "amount"
    if noun in _PLACES:
        return "place"
    if noun in STOPWORDS or noun.endswith("ed"):  # "what happened", "what did": not a slot question
        return None
    return "thing" if wh.startswith(("what", "which")) and noun else None


def _relation_verbs(question: str) -> frozenset[str]:
    """The question's lexical verbs: -ed/-en forms, and after "did"/"does" the verb that follows its
    subject ("did the court rule", "did Iranian officials express", "did Senate Democrats pick")."""
    toks = claims.tokens(canonical(question))
    out = {toks[i].low for i in claims.verbs(toks) if not toks[i].name and toks[i].low.endswith(("ed", "en"))}
    for i, t in enumerate(toks):
        if t.low not in _AUX_Q or i == 0:
            continue
        k = i + 1
        while k < len(toks) and (toks[k].name or toks[k].low in STOPWORDS or toks[k].low[0].isdigit()) \
                and not toks[k].punct:
            k += 1
        run = []
        while k < len(toks) and claims.content(toks[k]) and toks[k].text.islower():
            run.append(toks[k].low)
            k += 1
        named_subject = toks[i + 1].name if i + 1 < len(toks) else False
        if run:  # a name subject: its verb comes first; a noun subject ("the court") comes before its verb
            out.add(run[0] if named_subject or len(run) == 1 else run[1])
    return frozenset(w for w in out if len(w) > 2 and w not in LIGHT_VERBS | FRAMING | STOPWORDS | _PASSIVE_FRAMING
                     and w not in claims.BE and not w.endswith("ly"))


@lru_cache(maxsize=512)
def parse(question: str) -> Ask:
    m = _WH.search(question or "")
    if not m:
        return Ask(None, "", frozenset(), frozenset())
    canon = canonical(question)
    noun = re.sub(r"ies$", "y", (m.group("noun") or "").lower())
    noun = noun[:-1] if noun.endswith("s") and noun[:-1] in _NAMED | _TIME_NOUNS else noun
    wh = m.group("wh")
    if wh.lower().startswith("how"):
        run = re.match(r"(?:\s+([a-z]+))*?(?=\s+(?:did|does|do|were|was|are|is|have|has|had|will|would|could|can)\b|\s*[?,]|$)",
                       question[m.end():], re.I)  # "how many extra deaths did": the last word before the verb
        words = re.findall(r"[a-z]+", run.group(0).lower()) if run else []
        if len(words) > 1 and words[-1].endswith("ed"):  # "how many people died"
            words = words[:-1]
        noun = words[-1] if words and len(words) <= 3 and words[-1] not in STOPWORDS else ""
    kind = _kind(wh, noun)
    verbs = _relation_verbs(question)
    return Ask(kind, noun, frozenset(key_terms(canon)), verbs, frozenset(content_words(canon)), _relation(canon, verbs))


def _relation(canon: str, verbs: frozenset[str]) -> frozenset[str]:
    """Each relation verb with the common words it takes ("claimed responsibility", "scored the winning
    goal"); empty when no verb takes any ("replaced Serge Vohor", "objected to")."""
    q, out = claims.tokens(canon), set()
    for i in (i for i, t in enumerate(q) if t.low in verbs):
        k = i + 1 + (i + 1 < len(q) and q[i + 1].low in ("a", "an", "the"))
        run = []
        while k < len(q) and claims.content(q[k]) and q[k].low not in CALENDAR | LIGHT_VERBS:
            run.append(q[k].low)
            k += 1
        out |= {q[i].low, *run} if run else set()
    return frozenset(out)


def _new(term: str, ask: Ask) -> bool:
    return not any(claims.same_name(term, s) for s in ask.supplied)


def _counts(toks: tuple[claims.Tok, ...], i: int, ask: Ask) -> bool:
    """The number at i counts the asked noun, or nothing else ("20,000 times", "70 on board"); a date's day or
    year counts nothing ("in 2003", "the end of March 2005", "29 October")."""
    if YEAR.match(toks[i].low) and i > 0 and toks[i - 1].low in _TIME_PREPOSITIONS:
        return False
    nxt = next((t for t in toks[i + 1:i + 3] if not t.punct), None)
    if i > 0 and toks[i - 1].low in CALENDAR or nxt is not None and nxt.low in CALENDAR:
        return False
    if ask.kind == "amount":
        return nxt is None or not _TIME_UNITS.match(nxt.low) or nxt.low in _AMOUNT_UNITS
    if not ask.noun or nxt is None or not claims.content(nxt) or nxt.low in _AMOUNT_UNITS:
        return True
    return claims.same_word(nxt.low, ask.noun) or claims.same_word(nxt.low.rstrip("s"), ask.noun.rstrip("s")) \
        or nxt.low.endswith("ed") or _TIME_UNITS.match(nxt.low) is not None and _TIME_UNITS.match(ask.noun) is not None


def _money(ask: Ask) -> bool:
    """The amount asked is a sum of money ("how much did Boeing agree to pay", "how much money")."""
    return any(claims.same_word(w, m) for w in ask.words | {ask.noun} if w for m in _MONEY_WORDS)


def fills(ask: Ask, sentence: str) -> bool:
    """The sentence states a filler of the asked kind that the question did not supply."""
    if ask.kind is None:
        return True
    canon = canonical(sentence)
    if ask.kind == "place" and ask.noun in _SETTLEMENTS:  # "which city": a country is no answer
        canon = _COUNTRY.sub(" ", canon)
    toks = claims.tokens(canon)
    terms = {t for t in key_terms(canon) if _new(t, ask)}
    first = next((t for t in toks if not t.punct), None)  # key_terms skips a sentence's first word
    if first and first.text[0].isupper() and first.low not in STOPWORDS | OPENERS and _new(first.low, ask) \
            and not any(claims.same_word(first.low, w) for w in ask.words):
        terms.add(first.low)
    if ask.kind == "amount" and _money(ask) and not (_MONEY.search(sentence) or _MONEY.search(canon)):
        return False
    if ask.kind in ("count", "amount"):
        return any(t.low[0].isdigit() and _new(t.low.replace(",", ""), ask) and _counts(toks, i, ask)
                   for i, t in enumerate(toks))
    if ask.kind == "date":
        return any(t in CALENDAR or (t.isdigit() and len(t) == 4) for t in terms) \
            or bool(re.search(r"\b(?:yesterday|today|last|next|earlier|ago)\b", canon, re.I))
    if ask.kind in ("name", "place"):
        return any(not t[0].isdigit() and t not in CALENDAR for t in terms)
    if not ask.noun and _about_the_asked(ask, canon):  # "thing" without a noun: a who / whom / whose question
        return False
    new = {w for w in content_words(canon) - {ask.noun} if not any(claims.same_word(w, q) for q in ask.words)}
    return bool(new) or bool(terms)


_ASIDE = re.compile(r"^(?:(?:and|but)\s+)?(?:[a-z]+(?:ed|ing)|who|whom|whose|which|that|including)\b")

_AGENT = re.compile(r"\b(?:by|with)\s+(?:(?:the|a|an|his|her|its|their)\s+)?([a-z]+)")


def _about_the_asked(ask: Ask, canon: str) -> bool:
    """A "who" answer whose subject is a thing of the question's own name ("Hari Kostov's resignation followed ...")
    without the question's verb, a new agent ("was replaced by the deputy") or a new name outside its asides
    ("..., designed to repeal laws giving minority Albanians ..."): it tells about the name the question
    gave, not who did the deed."""
    toks = claims.tokens(canon, ask.supplied)
    end = claims.chain_end(toks, 0) if toks and toks[0].name else -1
    if end < 0 or not toks[end].text.lower().endswith("'s") or any(_new(toks[k].low, ask) for k in range(end + 1)):
        return False  # only "X's resignation ...": "Bush picked his adviser" may answer with a description
    if any(claims.content(t) and claims.same_word(t.low, v) for t in toks for v in ask.verbs):
        return False
    main = [c for c in claims.clauses(canon) if not _ASIDE.match(c)]
    if any(w not in STOPWORDS and not any(claims.same_word(w, q) for q in ask.words)
           for c in main for w in _AGENT.findall(c)):  # "X was replaced by the deputy conductor"
        return False
    return not any(_new(t, ask) and not t[0].isdigit() and t not in CALENDAR for c in main for t in key_terms(c))


def on_topic(ask: Ask, sentence: str) -> bool:
    """The sentence shares a word with the question, or is a bare short answer ("Marwan Barghouti.")."""
    if ask.kind is None:
        return True
    words = content_words(canonical(sentence))
    return len(words) <= _BARE_ANSWER_WORDS or any(claims.same_word(w, q) for w in words for q in ask.words)
