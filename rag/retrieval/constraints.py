"""Constraints a question puts on its answer, parsed deterministically: years, full dates, months,
quarters, seasons, editions and ordinals, decades, relative years and named entities.

Does: `parse` a question (or a passage) into a frozen `Constraints`; `satisfies` tells whether a
passage states the constrained year/quarter/season/edition (+1; PASSING when only outside its sentences
about the question's names), is silent (0) or states only other values for that slot (-1); `conflicts` gives a short reason when a cited passage states another
year/quarter/season/edition than an answer sentence claims, or lists the sentence's name under another
year. `entity_coverage` is the share of the question's names a passage contains; `split_dateline`
takes a leading "Nov 18, 2019 ..." off a snippet as its date.
Does not: understand who-did-what (a passage naming 2014 and 2018 satisfies "2014"), map an edition
to its year ("90th Academy Awards" is not "2018"), resolve "last season" or call any model.
Standard library and the sentence splitter (rag.text.sentences) only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Mapping, NamedTuple

from rag.text.sentences import split_sentences

MONTHS = ("january february march april may june july august september october november december").split()
_MONTH = {m: i for i, m in enumerate(MONTHS, 1)} | {m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}
_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                  "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
_ORDINAL = {w: i for i, w in enumerate(_ORDINAL_WORDS, 1)}
_CARDINAL = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split(), 1)}
_ROMAN = {r: i for i, r in enumerate("I II III IV V VI VII VIII IX X XI XII".split(), 1)}
# nouns that number an installment: "season 4", "part II", "the fourth season"
_SERIAL = "season|series|episode|part|chapter|volume|game|round|stage|week|edition|ceremony|term|phase"

_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DATE_MDY = re.compile(rf"\b{_MON}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>{_YEAR})\b", re.I)
_DATE_DMY = re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?\s+(?P<year>{_YEAR})\b", re.I)
_DATE_ISO = re.compile(rf"\b(?P<year>{_YEAR})-(?P<mon>\d\d)-(?P<day>\d\d)\b")
_MONTH_YEAR = re.compile(rf"\b{_MON},?\s+(?:of\s+)?(?P<year>{_YEAR})\b", re.I)
_QUARTER = re.compile(
    rf"\b(?:Q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)[-\s]quarter)"
    rf"(?:\s*(?:of|in)?\s*(?:the\s+)?(?:(?P<fy>fiscal(?:\s+year)?\s*|FY\s*'?)?(?P<year>{_YEAR}|\d\d)\b))?", re.I)
_QUARTER_SHORT = re.compile(r"\b(?P<q>[1-4])Q\s?'?(?P<year>\d\d)\b")
_SEASON_SPAN = re.compile(rf"\b(?P<a>{_YEAR})\s*[/–-]\s*(?P<b>\d\d(?:\d\d)?)\b")
_SEASON_YEAR = re.compile(rf"\b(?P<a>{_YEAR})\s+season\b", re.I)
_FISCAL = re.compile(rf"\b(?:FY\s*'?|fiscal(?:\s+year)?\s+)(?P<year>{_YEAR}|\d\d)\b", re.I)
_DECADE = re.compile(r"\b(?:the\s+)?(?:(?P<full>1[89]\d0|20\d0)|'(?P<short>\d0))'?s\b", re.I)
# a bare year; "mid-2021", "late-2020" count, the second year of a range "2010-2014" does not
_YEAR_RE = re.compile(rf"(?:(?<![\d$£€#.,:/-])|(?<=\bmid-)|(?<=\bearly-)|(?<=\blate-))(?P<year>{_YEAR})(?![\d%]|\s*[/–-]\s*\d)", re.I)
_ORD_NUM = re.compile(r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)\b", re.I)
_ORD_WORD = re.compile(r"\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.I)
_SERIAL_NUM = re.compile(rf"\b(?P<noun>{_SERIAL})s?\s+(?P<n>\d{{1,3}}|[IVX]{{1,4}}\b|" + "|".join(_CARDINAL)
                         + r")\b", re.I)
_NOUN_AFTER = re.compile(r"(?:[-\s]+(?!of\b|in\b|at\b|for\b)[\w'’]+){1,3}")
_RELATIVE = re.compile(r"\b(?P<which>last|this|next|previous|past)\s+(?P<unit>year|season|month|quarter)(?:'s)?\b", re.I)
_ENTITY_WORD = re.compile(r"[A-Z][\w'’&.-]*|[A-Z0-9]*[A-Z][A-Z0-9]+|\d+[a-z]?|[IVX]{1,4}")
_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")
_FILLER = frozenset("annual official straight consecutive annual the".split())
_CONNECTORS = frozenset("of the de la del von van and & in for on".split())
_NOT_NAMES = frozenset(
    "who what when where which why how whom whose is are was were did does do can could will would should "
    "has have had the a an in on at of for to and or but if it this that these those there i we you he she "
    "they according as after before during since until".split())
_NEVER_NAMES = re.compile(r"(?i:" + "|".join(MONTHS + [m[:3] for m in MONTHS]) + r"|sept|Q[1-4]|FY\d*|\d+(?:st|nd|rd|th))$")


@dataclass(frozen=True)
class Constraints:
    """What a question pins down. Years include those of its dates, quarters, seasons and relative forms."""

    years: tuple[int, ...] = ()
    dates: tuple[str, ...] = ()  # ISO YYYY-MM-DD
    months: tuple[tuple[int, int], ...] = ()  # (year, month)
    quarters: tuple[tuple[int, int], ...] = ()  # (year or 0, quarter 1-4)
    fiscal: bool = False  # a quarter or year was given as a fiscal one ("Q4 FY2019")
    seasons: tuple[str, ...] = ()  # "2019" or "2020-21"
    editions: tuple[tuple[int, str], ...] = ()  # (number, noun): (62, "grammy"), (4, "season")
    decades: tuple[int, ...] = ()  # 2010 for "the 2010s"
    relative: tuple[str, ...] = ()  # relative forms that no reference date resolved: "last season"
    entities: tuple[str, ...] = ()  # names as written: "World Cup", "Pixel 6", "The Crown"

    @property
    def empty(self) -> bool:
        return not (self.years or self.quarters or self.seasons or self.editions or self.decades)


def _full_year(text: str) -> int:
    """'2019' -> 2019; a two-digit year '21' -> 2021."""
    return int(text) if len(text) > 2 else 2000 + int(text)


def _mask(text: str, m: re.Match) -> str:
    """`text` with the match blanked out, offsets kept, so later patterns do not see it again."""
    return text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]


def _dates(text: str, out: dict) -> str:
    for rx in (_DATE_MDY, _DATE_DMY, _DATE_ISO):
        for m in list(rx.finditer(text)):
            mon = m.group("mon")
            month = int(mon) if mon.isdigit() else _MONTH[mon.lower()[:3]]
            y, d = int(m.group("year")), int(m.group("day"))
            if 1 <= month <= 12 and 1 <= d <= 31:
                out["dates"].append(f"{y:04d}-{month:02d}-{d:02d}")
                out["years"].append(y)
            text = _mask(text, m)
    for m in list(_MONTH_YEAR.finditer(text)):
        if m.group("mon").lower() == "may" and not m.group(0)[0].isupper():
            continue
        out["months"].append((int(m.group("year")), _MONTH[m.group("mon").lower()[:3]]))
        out["years"].append(int(m.group("year")))
        text = _mask(text, m)
    return text


def _quarters(text: str, out: dict) -> str:
    for m in list(_QUARTER.finditer(text)) + list(_QUARTER_SHORT.finditer(text)):
        q = int(m.group("q")) if m.group("q") else (_ORDINAL.get(m.group("qw").lower()) or int(m.group("qw")[0]))
        year = _full_year(m.group("year")) if m.group("year") else 0
        out["quarters"].append((year, q))
        if year:
            out["years"].append(year)
        if "fy" in m.groupdict() and m.group("fy"):
            out["fiscal"] = True
        text = _mask(text, m)
    for m in list(_FISCAL.finditer(text)):
        out["years"].append(_full_year(m.group("year")))
        out["fiscal"] = True
        text = _mask(text, m)
    return text


def _seasons(text: str, out: dict) -> str:
    for m in list(_SEASON_SPAN.finditer(text)):
        a, b = int(m.group("a")), m.group("b")
        end = int(b) if len(b) == 4 else a // 100 * 100 + int(b)
        if end == a + 1:  # "2020/21", "2020-2021": a season; "2010-2014" is a range of years
            out["seasons"].append(f"{a}-{end % 100:02d}")
            out["years"] += [a, end]
            text = _mask(text, m)
    for m in list(_SEASON_YEAR.finditer(text)):
        out["seasons"].append(m.group("a"))
        out["years"].append(int(m.group("a")))
    for m in list(_DECADE.finditer(text)):
        out["decades"].append(int(m.group("full")) if m.group("full") else 1900 + int(m.group("short")))
        text = _mask(text, m)
    return text


def _number(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    return _CARDINAL.get(w) or _ROMAN.get(word.upper())


def _editions(text: str, out: dict) -> str:
    for m in list(_SERIAL_NUM.finditer(text)):
        n = _number(m.group("n"))
        if n and n < 1000:
            out["editions"].append((n, m.group("noun").lower()))
            text = _mask(text, m)
    for rx, value in ((_ORD_NUM, lambda m: int(m.group("n"))), (_ORD_WORD, lambda m: _ORDINAL[m.group("w").lower()])):
        for m in list(rx.finditer(text)):
            after = _NOUN_AFTER.match(text, m.end())
            noun = _head_noun(after.group(0)) if after else ""
            if noun and not noun.startswith("quarter"):
                out["editions"].append((value(m), noun))
                text = _mask(text, m)
    return text


def _head_noun(words: str) -> str:
    """The noun an ordinal numbers: its first word that is not a filler ('62nd annual Grammy' -> 'grammy')."""
    tokens = [t.lower().strip("'’").removesuffix("'s") for t in re.split(r"[-\s]+", words) if t]
    tokens = [t for t in tokens if t not in _FILLER] or tokens
    return tokens[0].rstrip("s") if tokens else ""


def _relative(text: str, out: dict, reference: date | None) -> str:
    for m in list(_RELATIVE.finditer(text)):
        which, unit = m.group("which").lower(), m.group("unit").lower()
        shift = {"last": -1, "previous": -1, "past": -1, "this": 0, "next": 1}[which]
        if reference is not None and unit == "year":
            out["years"].append(reference.year + shift)
        elif reference is not None and unit == "quarter":
            q = (reference.month - 1) // 3 + 1 + shift
            year = reference.year + (q - 1) // 4
            out["quarters"].append((year, (q - 1) % 4 + 1))
            out["years"].append(year)
        else:
            out["relative"].append(f"{which} {unit}")
        text = _mask(text, m)
    return text


def _is_name(word: str, initial: bool, run: list[str]) -> bool:
    """Whether `word` starts or continues a name; a year only right after a name word ("Cyberpunk 2077")."""
    if not word or not _ENTITY_WORD.fullmatch(word) or _NEVER_NAMES.match(word):
        return False
    if re.fullmatch(_YEAR, word) and (not run or run[-1].lower() in _CONNECTORS):
        return False
    if (initial or word.islower()) and word.lower() in _NOT_NAMES:
        return False
    return word[0].isupper() or bool(run)


def _entities(text: str) -> list[str]:
    """Capitalised names (several words joined by connectors), quoted titles; not a sentence's first word
    when that is a question or function word."""
    found = [m.group(1).strip() for m in _QUOTED.finditer(text)]
    run: list[str] = []

    def flush() -> None:
        while run and run[-1].lower() in _CONNECTORS:
            run.pop()
        if run and any(ch.isupper() for ch in run[0]):
            found.append(" ".join(run))
        run.clear()

    prev_end, initial = 0, True
    for m in re.finditer(r"[\w'’&.-]+", text):
        raw, gap = m.group(0), text[prev_end:m.start()]
        word = re.sub(r"['’]s$", "", raw.rstrip("."))
        initial = initial or bool(re.search(r"[.?!:]", gap))
        if run and gap.strip():
            flush()
        if _is_name(word, initial, run):
            run.append(word)
        elif run and word.lower() in _CONNECTORS:
            run.append(word)
        else:
            flush()
        initial = raw.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", raw)
        if initial:
            flush()
        prev_end = m.end()
    flush()
    return list(dict.fromkeys(e for e in found if e))


@lru_cache(maxsize=4096)
def parse(text: str, reference: date | None = None) -> Constraints:
    """The constraints `text` states; relative forms ("last year") resolve against `reference`.
    Cached: the re-ranker parses the same passages again for the next question."""
    out: dict = {k: [] for k in ("years", "dates", "months", "quarters", "seasons", "editions", "decades",
                                 "relative")}
    out["fiscal"] = False
    rest = _relative(_dates(text, out), out, reference)
    rest = _editions(_seasons(_quarters(rest, out), out), out)
    out["years"] += [int(m.group("year")) for m in _YEAR_RE.finditer(rest)]
    uniq = {k: tuple(dict.fromkeys(v)) for k, v in out.items() if isinstance(v, list)}
    return Constraints(fiscal=out["fiscal"], entities=tuple(_entities(text)), **uniq)


# A snippet's leading publication date ("Nov 18, 2019 ... ", "Updated: 3 May 2021 -") dates the text;
# it is not what the text is about.
_DATELINE = re.compile(r"^\W*(?:updated:?\s*)?(?P<date>[^.…—–|]{6,30}?)\s*(?:\.\.\.|…|—|–|-|\|)\s*", re.I)


def split_dateline(text: str) -> tuple[str | None, str]:
    """(the ISO date of a leading dateline or None, the text after it)."""
    m = _DATELINE.match(text)
    date_text = m.group("date") if m else ""
    found = [rx.fullmatch(date_text.strip()) for rx in (_DATE_MDY, _DATE_DMY)]
    if not any(found):
        return None, text
    return parse(date_text).dates[0], text[m.end():]


# --- passages against constraints ---------------------------------------------------------------

@dataclass(frozen=True)
class Satisfaction:
    """How a passage stands to the constraints: `score` in [-1, 1] is the mean over constrained slots
    of +1 (states the value), 0 (silent) and -1 (states only other values for that slot)."""

    score: float
    matched: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        return "satisfies" if self.score > 0 else "contradicts" if self.score < 0 else "silent"


DOC_DATE_WEIGHT = 0.5  # a metadata date says less than the text: a 2022 article may recall 2014


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Slot(NamedTuple):
    label: str  # what the question asks: "2014", "Q3 2021", "season 4"
    score: float  # +1 stated, 0 silent, -1 only other values stated
    stated: str  # what the passage states for the slot


def _slot_scores(c: Constraints, p: Constraints, doc_year: int | None) -> list[Slot]:
    """One `Slot` for each slot the constraints fix; `p` is what the passage states."""
    slots: list[Slot] = []
    for year, q in c.quarters:
        same = [(y, pq) for y, pq in p.quarters if pq == q and (not year or not y or y == year)]
        stated = ", ".join(f"Q{pq} {y or ''}".strip() for y, pq in p.quarters)
        slots.append(Slot(f"Q{q} {year or ''}".strip(), 1.0 if same else -1.0 if p.quarters else 0.0, stated))
    for season in (x for x in c.seasons if "-" in x):
        spans = [x for x in p.seasons if "-" in x]
        slots.append(Slot(season, 1.0 if season in spans else -1.0 if spans else 0.0, ", ".join(spans)))
    for n, noun in c.editions:
        same_noun = [pn for pn, pnoun in p.editions if pnoun == noun]
        slots.append(Slot(f"{_ordinal(n)} {noun}", 1.0 if n in same_noun else -1.0 if same_noun else 0.0,
                          ", ".join(f"{_ordinal(pn)} {noun}" for pn in same_noun)))
    years = "/".join(map(str, p.years))
    for decade in c.decades:
        inside = [y for y in p.years if decade <= y < decade + 10]
        slots.append(Slot(f"{decade}s", 1.0 if inside else -1.0 if p.years else 0.0, years))
    if c.years and not any(x.score for x in slots):  # a decided quarter or season already judged its year
        slots.append(Slot("/".join(map(str, c.years)), _year_score(c.years, p.years, doc_year), years))
    return slots


def _year_score(asked: tuple[int, ...], stated: tuple[int, ...], doc_year: int | None) -> float:
    if set(asked) & set(stated):
        return 1.0
    if stated:
        return -1.0
    if doc_year is not None:
        return DOC_DATE_WEIGHT if doc_year in asked else -DOC_DATE_WEIGHT
    return 0.0


def _year_of(doc_date: str | date | None) -> int | None:
    if isinstance(doc_date, date):
        return doc_date.year
    m = re.match(r"(\d{4})", doc_date or "")
    return int(m.group(1)) if m else None


def as_date(doc_date: str | date | None) -> date | None:
    """An article's date (ISO text, its first 10 characters) as a date; None when absent or unreadable."""
    if isinstance(doc_date, date) or doc_date is None:
        return doc_date
    try:
        return date.fromisoformat(doc_date[:10])
    except ValueError:
        return None


def satisfies(constraints: Constraints, text: str, doc_date: str | date | None = None) -> Satisfaction:
    """Whether `text` states the constrained year/quarter/season/edition/decade; `doc_date` (ISO) counts
    for the year only when the text names no year, and resolves the text's own "last year"."""
    if constraints.empty:
        return Satisfaction(0.0)
    dateline, text = split_dateline(text)
    doc_date = doc_date or dateline
    constraints, slots = _name_year_slots(constraints, text)
    stated = parse(text, as_date(doc_date))
    slots += _slot_scores(constraints, stated, _year_of(doc_date)) if not constraints.empty else []
    if not slots:
        return Satisfaction(0.0)
    bound = _about(constraints, text)
    if bound is not None and bound != text:  # some value may be stated only in passing
        in_place = {x.label: x.score for x in _slot_scores(constraints, parse(bound, as_date(doc_date)), _year_of(doc_date))}
        slots = [x._replace(score=PASSING) if x.score > 0 and in_place.get(x.label, 0) < x.score else x for x in slots]
    return Satisfaction(sum(x.score for x in slots) / len(slots),
                        tuple(x.label for x in slots if x.score > 0), tuple(x.label for x in slots if x.score < 0))


def _name_year_slots(constraints: Constraints, text: str) -> tuple[Constraints, list[Slot]]:
    """A year that is part of a name ("Wonder Woman 1984", "Cyberpunk 2077", "Euro 2016") is stated by the
    year itself and contradicted only by the same name with another year ("Euro 2012"), not by a passage
    that dates something else ("2017's Wonder Woman"). (The constraints without those years, their slots.)"""
    slots, named = [], set()
    for name in constraints.entities:
        m = re.search(rf"(?:^|\s)(?P<stem>[^\s]+(?:\s+[^\s]+)?)\s+(?P<year>{_YEAR})$", name)
        if not m or int(m.group("year")) not in constraints.years or m.group("stem").lower() in _CONNECTORS:
            continue
        year, stem = int(m.group("year")), re.escape(m.group("stem").split()[-1])
        other = re.search(rf"\b{stem}\s+(?!{year}\b)(?:{_YEAR})\b", text, re.I)
        score = 1.0 if re.search(rf"\b{year}\b", text) else -1.0 if other else 0.0
        slots.append(Slot(name, score, other.group(0) if other else ""))
        named.add(year)
    if not named:
        return constraints, []
    return replace(constraints, years=tuple(y for y in constraints.years if y not in named)), slots


# A value the passage states only outside its sentences about the asked names ("Hinako Shibuno won the
# 2019 Women's British Open ... the first major of 2020" for "the British Open in 2020") is a mention in
# passing, not the event's value: it counts as much as the article's date does.
PASSING = DOC_DATE_WEIGHT


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    """The sentences of a passage, cached: the next question's pool holds many of the same passages."""
    return tuple(split_sentences(text))


def _about(constraints: Constraints, text: str) -> str | None:
    """The sentences of `text` that name one of the constraints' name words, joined; None when the
    question names nothing or no sentence names it (then no sentence can be told from another)."""
    words = name_words(constraints)
    if not words:
        return None
    ss = _sentences(text)
    about = [x for x in ss if _words(x) & words]
    return " ".join(about) if about and len(about) < len(ss) else None if not about else text


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w']+", text)}


def name_words(constraints: Constraints) -> set[str]:
    """The lower-cased words of the constraints' names, connectors ("of", "the") left out."""
    return {w for name in constraints.entities for w in _words(name) if w not in _CONNECTORS}


def entity_coverage(constraints: Constraints, text: str, weight: Mapping[str, float] | None = None) -> float | None:
    """The share of the names' words found in `text`, each word counted by `weight` (default 1: a rare
    word such as "Lego" can be made to count more than "CEO"); None without names."""
    words = name_words(constraints)
    if not words:
        return None
    have = _words(text)
    total = sum((weight or {}).get(w, 1.0) for w in words)
    return sum((weight or {}).get(w, 1.0) for w in words if w in have) / total if total else 0.0


# --- an answer sentence against its cited evidence ----------------------------------------------

def conflicts(constraints: Constraints, sentence: str, evidence: str) -> str | None:
    """A short reason when `evidence` states another value than `sentence` for a slot the question
    constrains (year, quarter, season, edition), or puts the sentence's names in another year's row
    of a list of years; None when it agrees or is silent."""
    claim, ev = parse(sentence), parse(evidence)
    target = Constraints(
        years=tuple(y for y in claim.years if y in constraints.years) or constraints.years,
        quarters=tuple(q for q in claim.quarters if q in constraints.quarters) or constraints.quarters,
        seasons=constraints.seasons, editions=constraints.editions, decades=constraints.decades)
    for slot in _slot_scores(target, ev, None):
        if slot.score < 0:
            return f"the source is about {slot.stated}, not {slot.label}"
    if target.years and len(ev.years) >= 3:
        return _row_conflict(target.years, claim, constraints, evidence)
    return None


def _row_conflict(years: tuple[int, ...], claim: Constraints, constraints: Constraints, evidence: str) -> str | None:
    """In a list of years ("2018. France ; 2014. Germany ; 2010. Spain"), each name belongs to the year
    next to it (before it when the list starts with a year). A conflict when every name of the claim
    that is not in the question sits only in other years' rows."""
    marks = [(m.start(), int(m.group("year"))) for m in _YEAR_RE.finditer(evidence)]
    if len(marks) < 3:
        return None
    year_first = marks[0][0] <= 12
    asked = {w for e in constraints.entities for w in _words(e)}
    names = [e for e in claim.entities if not (_words(e) <= asked) and not e.isdigit()]
    rows_of: dict[str, set[int]] = {}
    for name in names:
        for m in re.finditer(re.escape(name), evidence, re.I):
            before = [y for pos, y in marks if pos < m.start()]
            after = [y for pos, y in marks if pos > m.end()]
            row = (before[-1] if before else None) if year_first else (after[0] if after else None)
            if row is not None:
                rows_of.setdefault(name, set()).add(row)
    if names and rows_of and all(n in rows_of for n in names) and not any(rows_of[n] & set(years) for n in names):
        name = names[0]
        return f"the source lists {name} under {'/'.join(map(str, sorted(rows_of[name])))}, not {'/'.join(map(str, years))}"
    return None
