"""Constraints a question puts on its answer, parsed deterministically: years, full dates, months,
quarters, seasons, editions and ordinals, decades, relative years and named entities.

Does: `parse` a question (or a passage) into a frozen `Constraints`; `split_dateline` takes a leading
"Nov 18, 2019 ..." off a snippet as its date; `as_date` reads an article's ISO date.
Does not: judge a passage or an answer against the constraints (rag.retrieval.satisfy), map an
edition to its year ("90th Academy Awards" is not "2018"), resolve "last season" or call any model.
Standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

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
YEAR = r"(?:1[89]\d\d|20\d\d)"
_DATE_MDY = re.compile(rf"\b{_MON}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>{YEAR})\b", re.I)
_DATE_DMY = re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?\s+(?P<year>{YEAR})\b", re.I)
_DATE_ISO = re.compile(rf"\b(?P<year>{YEAR})-(?P<mon>\d\d)-(?P<day>\d\d)\b")
_MONTH_YEAR = re.compile(rf"\b{_MON},?\s+(?:of\s+)?(?P<year>{YEAR})\b", re.I)
_QUARTER = re.compile(
    rf"\b(?:Q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)[-\s]quarter)"
    rf"(?:\s*(?:of|in)?\s*(?:the\s+)?(?:(?P<fy>fiscal(?:\s+year)?\s*|FY\s*'?)?(?P<year>{YEAR}|\d\d)\b))?", re.I)
_QUARTER_SHORT = re.compile(r"\b(?P<q>[1-4])Q\s?'?(?P<year>\d\d)\b")
_SEASON_SPAN = re.compile(rf"\b(?P<a>{YEAR})\s*[/–-]\s*(?P<b>\d\d(?:\d\d)?)\b")
_SEASON_YEAR = re.compile(rf"\b(?P<a>{YEAR})\s+season\b", re.I)
_FISCAL = re.compile(rf"\b(?:FY\s*'?|fiscal(?:\s+year)?\s+)(?P<year>{YEAR}|\d\d)\b", re.I)
_DECADE = re.compile(r"\b(?:the\s+)?(?:(?P<full>1[89]\d0|20\d0)|'(?P<short>\d0))'?s\b", re.I)
# a bare year; "mid-2021", "late-2020" count, the second year of a range "2010-2014" does not
YEAR_RE = re.compile(rf"(?:(?<![\d$£€#.,:/-])|(?<=\bmid-)|(?<=\bearly-)|(?<=\blate-))(?P<year>{YEAR})(?![\d%]|\s*[/–-]\s*\d)", re.I)
_ORD_NUM = re.compile(r"\b(?P<n>\d{1,3})(?:st|nd|rd|th)\b", re.I)
_ORD_WORD = re.compile(r"\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.I)
_SERIAL_NUM = re.compile(rf"\b(?P<noun>{_SERIAL})s?\s+(?P<n>\d{{1,3}}|[IVX]{{1,4}}\b|" + "|".join(_CARDINAL)
                         + r")\b", re.I)
_NOUN_AFTER = re.compile(r"(?:[-\s]+(?!of\b|in\b|at\b|for\b)[\w'’]+){1,3}")
_RELATIVE = re.compile(r"\b(?P<which>last|this|next|previous|past)\s+(?P<unit>year|season|month|quarter)(?:'s)?\b", re.I)
_ENTITY_WORD = re.compile(r"[A-Z][\w'’&.-]*|[A-Z0-9]*[A-Z][A-Z0-9]+|\d+[a-z]?|[IVX]{1,4}")
_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")
_FILLER = frozenset("annual official straight consecutive annual the".split())
CONNECTORS = frozenset("of the de la del von van and & in for on".split())
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
    if re.fullmatch(YEAR, word) and (not run or run[-1].lower() in CONNECTORS):
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
        while run and run[-1].lower() in CONNECTORS:
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
        elif run and word.lower() in CONNECTORS:
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
    out["years"] += [int(m.group("year")) for m in YEAR_RE.finditer(rest)]
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

def as_date(doc_date: str | date | None) -> date | None:
    """An article's date (ISO text, its first 10 characters) as a date; None when absent or unreadable."""
    if isinstance(doc_date, date) or doc_date is None:
        return doc_date
    try:
        return date.fromisoformat(doc_date[:10])
    except ValueError:
        return None
