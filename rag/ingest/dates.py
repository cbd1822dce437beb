"""Publication dates: read a date a source's metadata gives, or find one in the article's text.

`from_metadata` turns a metadata value (ISO "2004-11-14", news-please "2004-11-14 10:00:00",
RFC 822 "Sun, 14 Nov 2004 10:00:00 GMT", "November 14, 2004", "14 November 2004", a
`datetime.date`) into an ISO date, or says why it cannot: unreadable, impossible (31 February) or
later than today. `from_text` looks for the publication date an article states: a labelled line
("Updated: 2004-05-24 22:21", "Published ..."), a full date near the top ("November 14, 2004",
"Saturday November 13, 2004", "18/11/2004" when the day is over 12), or a date without a year
("Sat, 13 Nov", "WASHINGTON, Nov 15 (Reuters)") when the text names the year elsewhere (and, given a
weekday, only a year on which that day falls on that weekday). `check_date` reads a date a user
types (`--since`, `--as-of`, the chat's filters) in one of DATE_FORMS, or says which forms it takes.

Never invents a date: anything ambiguous stays unknown (None). Does not read files or decide which
source wins (the caller prefers metadata, then text).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_tz

from rag.core.errors import DateError

_MONTHS = {m: i for i, ms in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"), start=1)
    for m in ms.split()}
_WEEKDAYS = {w: i for i, ws in enumerate(
    ("mon monday", "tue tues tuesday", "wed wednesday", "thu thur thurs thursday", "fri friday",
     "sat saturday", "sun sunday")) for w in ws.split()}
_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
       r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WDAY = r"(?:(?P<wd>mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day|nesday|urday|sday)?\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# full dates, each with named groups year/mon/day (and wd when a weekday is given)
_FULL = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b{_YEAR}-(?P<mon>[01]\d)-(?P<day>[0-3]\d)(?!\d)",
    rf"\b{_WDAY}{_MON}\s+{_DAY},?\s+{_YEAR}\b",
    rf"\b{_WDAY}{_DAY}\s+{_MON},?\s+{_YEAR}\b",
    rf"\b(?P<day>[0-3]\d)([./])(?P<mon>[01]\d)\2{_YEAR}\b",
)]
_META_ISO = re.compile(r"(?P<year>\d{4})[-/](?P<mon>\d{1,2})[-/](?P<day>\d{1,2})(?!\d)")  # any year: 2999 is "future"
# dates without a year: "Sat, 13 Nov", "Saturday, November 13", "WASHINGTON, Nov 15 (Reuters)"
_PARTIAL = [re.compile(p, re.IGNORECASE) for p in (
    rf"\b{_WDAY}{_DAY}\s+{_MON}(?![\w-])(?!,?\s+(?:19|20)\d\d)",
    rf"\b{_WDAY}{_MON}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)(?![\d:])",
)]
_LABEL = re.compile(r"\b(?:last\s+)?(?:updated|published|posted)(?:\s+on)?\s*:?\s*|(?:^|\n)[^\S\n]*date\s*:\s*", re.I)
# a year the text names as a year: in a full date, after a month ("November 2004"), or "in 2004", "(c) 2004"
_YEAR_NAMED = re.compile(rf"(?:\b{_MON},?|\b(?:in|since|during|of|year)|©|\(c\)|copyright)\s+{_YEAR}(?!\d)", re.I)
HEAD_CHARS = 1000  # datelines and bylines sit in the first lines; later dates are events, not publication
DATELINE_CHARS = 300  # a date without a year counts only this close to the top ("LONDON, Nov 15 (Reuters)")
# "signed no later than 31 December 2004", "On Oct. 16, 1998, the Air Force announced": an event's date
_EVENT = re.compile(r"\b(?:on|by|until|till|than|before|after|since|from|in|of|to|for|at|around|between|and|through"
                    r"|next|last|\w+\s+date)\W*$", re.I)  # "release date: ...", "due date ..."
LABEL_SPAN = 60  # how far after "Updated:" the date may start


def from_metadata(value: object, today: date | None = None) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, why the value is unusable); (None, None) when there is no value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, datetime):
        return _check(value.date(), str(value), today)
    if isinstance(value, date):
        return _check(value, str(value), today)
    text = " ".join(str(value).split())[:80]
    found = _parse(text)
    if found is None:
        return None, f"unreadable date '{text}'"
    if isinstance(found, str):
        return None, found
    return _check(found, text, today)


def from_text(text: str, today: date | None = None) -> str | None:
    """The publication date the article's text states, or None when it states none clearly."""
    head = text[:HEAD_CHARS]
    for label in _LABEL.finditer(text[:HEAD_CHARS * 4]):
        near = text[label.end(): label.end() + LABEL_SPAN]
        hit = _first_full(near, today)
        if hit is not None and hit[1] == 0:
            return hit[0].isoformat()
    hit = _first_full(head, today)
    if hit is not None:
        return hit[0].isoformat()
    years = {int(m.group("year")) for p in (*_FULL, _YEAR_NAMED) for m in p.finditer(text)}
    for pattern in _PARTIAL:
        for m in pattern.finditer(head[:DATELINE_CHARS]):
            if _EVENT.search(head[max(0, m.start() - 12): m.start()]):
                continue
            got = _with_year(m, years, today)
            if got is not None:
                return got.isoformat()
    return None


def _parse(text: str) -> date | str | None:
    """A date from a metadata string; an error string when it names an impossible day."""
    for pattern in (_META_ISO, *_FULL):
        m = pattern.match(text)
        if m:
            return _build(m) or f"impossible date '{m.group(0)}'"
    parts = parsedate_tz(text)
    if parts is not None and parts[0] >= 1000:
        try:
            return date(parts[0], parts[1], parts[2])
        except ValueError:
            return f"impossible date '{text}'"
    return None


def _check(d: date, shown: str, today: date | None) -> tuple[str | None, str | None]:
    if d > (today or date.today()):
        return None, f"date '{shown}' is in the future"
    return d.isoformat(), None


def _build(m: re.Match[str], year: int | None = None) -> date | None:
    mon = m.group("mon").lower().rstrip(".")
    month = int(mon) if mon.isdigit() else _MONTHS.get(mon)
    try:
        return date(year or int(m.group("year")), month or 0, int(m.group("day")))
    except ValueError:
        return None


def _weekday_ok(m: re.Match[str], d: date) -> bool:
    wd = (m.groupdict().get("wd") or "").lower().rstrip(".")
    return not wd or _WEEKDAYS.get(wd) == d.weekday()


def _first_full(text: str, today: date | None) -> tuple[date, int] | None:
    """The earliest valid full date in `text` and its offset; a weekday that does not fit voids it."""
    best: tuple[date, int] | None = None
    for pattern in _FULL:
        for m in pattern.finditer(text):
            if pattern is _FULL[3] and int(m.group("day")) <= 12:  # 02/12/2004: day-first or month-first?
                continue
            if _EVENT.search(text[max(0, m.start() - 24): m.start()]):
                continue
            d = _build(m)
            if d is None or not _weekday_ok(m, d) or d > (today or date.today()):
                continue
            if best is None or m.start() < best[1]:
                best = (d, m.start())
            break
    return best


def _with_year(m: re.Match[str], years: set[int], today: date | None) -> date | None:
    """A yearless date completed by the one year the text names (or the one its weekday fits)."""
    options = [d for y in sorted(years) if (d := _build(m, y)) is not None and d <= (today or date.today())]
    if m.groupdict().get("wd"):
        options = [d for d in options if _weekday_ok(m, d)]
    return options[0] if len(options) == 1 else None


# dates inside a sentence, for a timeline ---------------------------------------------------------
_RELATIVE = re.compile(r"\b(?:(?P<pre>on|last|this|next|since|by|until)\s+)?(?P<wd>monday|tuesday|wednesday|thursday|"
                       r"friday|saturday|sunday)\b|\b(?P<rel>yesterday|today|tomorrow)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|shall|would|(?:is|are|was|were) (?:to|due|expected|set|scheduled)|plans? to|"
                     r"planned to|scheduled|next)\b", re.IGNORECASE)
_SHIFT = {"yesterday": -1, "today": 0, "tomorrow": 1}


def in_sentence(sentence: str, published: str | None, today: date | None = None) -> tuple[str, str, str] | None:
    """(ISO date, basis, phrase) of the first date a sentence states: a full date ("stated"), or a
    weekday, "yesterday", "today" or "tomorrow" resolved against the article's publication date
    ("relative": the latest such weekday on or before it, or the next one after it when the sentence
    speaks of the future). None when it states none, or only a relative one and `published` is unknown."""
    stated = [(m.start(), d, m.group(0)) for p in _FULL for m in p.finditer(sentence)
              if (p is not _FULL[3] or int(m.group("day")) > 12) and (d := _build(m)) is not None
              and _weekday_ok(m, d) and d <= (today or date.today())]
    if stated:
        _, d, phrase = min(stated)
        return d.isoformat(), "stated", phrase
    try:
        anchor = date.fromisoformat(published[:10]) if published else None
    except ValueError:
        anchor = None
    m = _RELATIVE.search(sentence)
    if anchor is None or m is None:
        return None
    if m.group("rel"):
        day = anchor.toordinal() + _SHIFT[m.group("rel").lower()]
    else:
        wd = _WEEKDAYS[m.group("wd").lower()]
        future = (m.group("pre") or "").lower() in ("next", "by", "until") or bool(_FUTURE.search(sentence))
        back = (anchor.weekday() - wd) % 7
        day = anchor.toordinal() + ((7 - back) % 7 or 7 if future else -back)
    return date.fromordinal(day).isoformat(), "relative", m.group(0)


DATE_FORMS = "2004-11-17, 17 November 2004, November 17, 2004 or Wed, 17 Nov 2004"


def check_date(value: str | None, what: str) -> str | None:
    """A date in one of DATE_FORMS as ISO (YYYY-MM-DD), or None; anything else is a DateError."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    day, _ = from_metadata(text, today=date.max)
    if day is None or not re.search(r"\d", text) or "/" in text:  # 11/12/2004: which is the month?
        raise DateError(f"{what} must be a date such as {DATE_FORMS}; got {text[:40]!r}")
    return day
