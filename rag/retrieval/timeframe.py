"""Questions about time: a phrase of a question ("last week", "yesterday", "on 16 November", "in
November", "since Monday", "this month", "between 15 and 17 November", "the latest on ...") resolved
against a reference date into a `Timeframe`: a range of publication dates, or a recency preference.

Deterministic rules, all relative to the reference date R (the newest article's date, or --as-of):
"today" is R, "yesterday" R-1; "last/past week" the seven days before R (R-7 .. R-1), "this week" its
Monday .. R; "last N days" R-N .. R-1; "this month" its 1st .. R, "last month" the month before; a
weekday ("on Monday", "last Monday") the latest such day before R, "since Monday" that day .. R; a
date or month without a year is in R's year, or the year before when that would be after R; "latest",
"most recent", "newest" prefer the newest articles up to R.
`reported` says whether the question asks what was reported in the period ("What did the BBC report
on 16 November?", "news from last week") rather than about an event in it ("What happened last week?",
"Who did Bush choose last week?"): see `Timeframe.window`.
Does not: read articles, filter anything (`rag.retrieval.scope` does), resolve years, quarters or
seasons ("last year", "Q3"; `rag.retrieval.constraints` does), or call a model. Standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rag.ingest.dates import check_date
from rag.retrieval.constraints import MONTHS

_MONTH = {m: i for i, m in enumerate(MONTHS, 1)} | {m[:3]: i for i, m in enumerate(MONTHS, 1)} | {"sept": 9}
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?" \
       r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"[0-3]?\d(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
# a day: "16 November [2004]", "November 16[, 2004]", "2004-11-16"
_DATE = (rf"(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MON})|(?P<m2>{_MON})\s+(?P<d2>{_DAY})(?!\d))(?:,?\s+(?P<y>{_YEAR}))?"
         rf"|(?P<iso>{_YEAR}-[01]\d-[0-3]\d)")
_WDAY = r"(?P<wd>mon|tues|wednes|thurs|fri|satur|sun)day"
_UNIT = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_NUMBER = {w: i for i, w in enumerate("one two three four five six seven eight nine ten".split(), 1)}
# words of a question that asks what was reported in a period rather than about an event in it
# ("What happened last week?" asks about events: a report of one may be from today)
_REPORTED = re.compile(r"\b(?:report\w*|say|says|said|writ\w*|wrote|publish\w*|cover\w*|news|headlines?"
                       r"|articles?|stories|story|according\s+to)\b", re.I)
_LATEST = re.compile(r"\b(?:the\s+)?(?:latest|most\s+recent(?:ly)?|newest|recent(?:ly)?)\b", re.I)


@dataclass(frozen=True)
class Timeframe:
    """A range of dates (inclusive; `start` None = open) a question names, or only a preference for the
    newest articles (`latest`). `reference` is the date it was resolved against."""

    start: date | None
    end: date
    phrase: str
    reference: date
    relative: bool  # said relative to the reference date ("last week"), not as a calendar date
    reported: bool  # asks what was reported in the period, not about an event in it
    latest: bool = False

    @property
    def window(self) -> tuple[date | None, date]:
        """The publication dates an article may have: the period itself for a question about what was
        reported in it; for an event in a period said relative to the reference date, the period up to
        the reference date (a report of last week's event may be from today)."""
        if self.latest or self.reported:
            return self.start, self.end
        return self.start, max(self.end, self.reference)

    @property
    def enforced(self) -> bool:
        """Whether retrieval is limited to the window: always for relative phrases and "latest"; for a
        calendar date only when the question asks what was reported then (the date an event happened
        on says little about when it was reported: "Where was Gates speaking on 16 November?")."""
        return self.latest or self.relative or self.reported


def parse_as_of(value: object) -> date | None:
    """A reference date given by a user, in one of `rag.ingest.dates.DATE_FORMS` (None for none)."""
    if value is None or isinstance(value, date):
        return value
    iso = check_date(str(value), "as-of")
    return date.fromisoformat(iso) if iso else None


def resolve(question: str, reference: date) -> Timeframe | None:
    """The timeframe the question names, resolved against `reference`; None when it names none."""
    reported = bool(_REPORTED.search(question))
    for finder in (_between, _since, _relative_days, _weeks_months, _weekday, _on_date, _in_month):
        found = finder(question, reference)
        if found is not None:
            start, end, phrase, relative = found
            return Timeframe(start, end, phrase, reference, relative, reported)
    m = _LATEST.search(question)
    if m:
        return Timeframe(None, reference, m.group(0), reference, True, True, latest=True)
    return None


def day_text(d: date) -> str:
    """17 November 2004."""
    return f"{d.day} {MONTHS[d.month - 1].capitalize()} {d.year}"


def span_text(start: date | None, end: date) -> str:
    """A period as a reader writes it: "16 November 2004", "20–26 November 2004", "November 2004",
    "30 November – 2 December 2004", "up to 17 November 2004"."""
    if start is None:
        return f"up to {day_text(end)}"
    if start == end:
        return day_text(end)
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{MONTHS[start.month - 1].capitalize()} {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day_text(end)}"
    head = day_text(start) if start.year != end.year else f"{start.day} {MONTHS[start.month - 1].capitalize()}"
    return f"{head} – {day_text(end)}"


# --- the phrases ---------------------------------------------------------------------------------

Found = tuple[date | None, date, str, bool]  # start, end, the phrase as written, relative


def _day(m: re.Match[str], reference: date) -> date | None:
    """The date a _DATE match names; without a year, in the reference's year unless that is after it."""
    if m.group("iso"):
        try:
            return date.fromisoformat(m.group("iso"))
        except ValueError:
            return None
    mon, day = (m.group("m1"), m.group("d1")) if m.group("m1") else (m.group("m2"), m.group("d2"))
    month, d = _MONTH[mon.lower().rstrip(".")[:3]], _int(day)
    years = [int(m.group("y"))] if m.group("y") else [reference.year, reference.year - 1]
    for y in years:
        try:
            found = date(y, month, d)
        except ValueError:
            return None
        if m.group("y") or found <= reference:
            return found
    return None


def _int(text: str) -> int:
    return int(re.match(r"\d+", text).group(0))  # type: ignore[union-attr]


def _replace(d: date, **fields: int) -> date | None:
    try:
        return d.replace(**fields)
    except ValueError:
        return None


def _month(name: str, year: str | None, reference: date) -> tuple[date, date]:
    """The first and last day of a month; without a year the latest such month not after the reference."""
    month = _MONTH[name.lower().rstrip(".")[:3]]
    y = int(year) if year else reference.year - (month > reference.month)
    first = date(y, month, 1)
    return first, (date(y + month // 12, month % 12 + 1, 1) - timedelta(days=1))


def _between(q: str, ref: date) -> Found | None:
    rx = re.compile(rf"\b(?:between|from)\s+(?P<a>[\w ,.-]+?)\s+(?:and|to|until|till|through)\s+(?P<b>(?:{_DATE}))", re.I)
    m = rx.search(q)
    if not m:
        return None
    end, a = _day(m, ref), m.group("a").strip()
    if end is None:
        return None
    if re.fullmatch(_DAY, a):  # "between 15 and 17 November": the first day in the second one's month
        start = _replace(end, day=_int(a))
    else:
        ma = re.fullmatch(_DATE, a, re.I)
        start = _day(ma, end) if ma else None  # a year-less start is in the end's year, or the one before
    if start is None or start > end:
        return None
    return start, end, m.group(0), False


def _since(q: str, ref: date) -> Found | None:
    m = re.search(rf"\bsince\s+(?:last\s+)?(?:{_WDAY}|(?P<date>{_DATE})|(?P<mon>{_MON})(?!\s*\d))", q, re.I)
    if not m:
        return None
    if m.group("wd"):
        start: date | None = _last_weekday(m.group("wd"), ref)
    elif m.group("date"):
        start = _day(re.fullmatch(_DATE, m.group("date"), re.I), ref)  # type: ignore[arg-type]
    else:
        start = _month(m.group("mon"), None, ref)[0]
    if start is None or start > ref:
        return None
    return start, ref, m.group(0), True


def _relative_days(q: str, ref: date) -> Found | None:
    m = re.search(r"\b(?P<w>today|tonight|yesterday|the\s+day\s+before\s+yesterday)\b", q, re.I)
    if m:
        back = {"today": 0, "tonight": 0, "yesterday": 1}.get(m.group("w").lower(), 2)
        day = ref - timedelta(days=back)
        return day, day, m.group(0), True
    m = re.search(r"\b(?:in\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>\d{1,3}|"
                  + "|".join(_NUMBER) + r")\s+(?P<u>days?|weeks?)\b", q, re.I)
    if m:
        n = int(m.group("n")) if m.group("n").isdigit() else _NUMBER[m.group("n").lower()]
        span = n * _UNIT[m.group("u").lower()]
        return ref - timedelta(days=span), ref - timedelta(days=1), m.group(0), True
    return None


def _weeks_months(q: str, ref: date) -> Found | None:
    m = re.search(r"\b(?P<which>this|last|past|previous)\s+(?P<unit>week|month)(?:end)?\b", q, re.I)
    if not m:
        return None
    which, unit = m.group("which").lower(), m.group("unit").lower()
    if unit == "week":
        if which == "this":
            return ref - timedelta(days=ref.weekday()), ref, m.group(0), True
        return ref - timedelta(days=7), ref - timedelta(days=1), m.group(0), True
    first = ref.replace(day=1)
    if which == "this":
        return first, ref, m.group(0), True
    prev_last = first - timedelta(days=1)
    return prev_last.replace(day=1), prev_last, m.group(0), True


def _last_weekday(name: str, ref: date) -> date:
    """The latest day before `ref` that falls on the weekday `name` ("mon", "tues", ...)."""
    target = next(i for i, w in enumerate(WEEKDAYS) if w.startswith(name.lower()))
    back = (ref.weekday() - target) % 7 or 7
    return ref - timedelta(days=back)


def _weekday(q: str, ref: date) -> Found | None:
    m = re.search(rf"\b(?:on|last|this\s+past)\s+{_WDAY}\b(?!,?\s+(?:{_DAY}\s+)?{_MON})(?!,?\s+{_DAY})", q, re.I)
    if not m or re.search(rf"{m.group(0)}\W*{_DATE}", q, re.I):
        return None
    day = _last_weekday(m.group("wd"), ref)
    return day, day, m.group(0), True


def _on_date(q: str, ref: date) -> Found | None:
    m = re.search(rf"\b(?:{_WDAY},?\s+)?(?:{_DATE})", q, re.I)
    if not m:
        return None
    day = _day(m, ref)
    if day is None:
        return None
    return day, day, m.group(0), False


def _in_month(q: str, ref: date) -> Found | None:
    m = re.search(rf"\b(?P<pre>in|during|of|for|throughout)\s+(?:early\s+|late\s+|mid-?)?(?P<mon>{_MON})(?:,?\s+(?P<y>{_YEAR}))?\b"
                  rf"|\b(?P<mon2>{_MON}),?\s+(?P<y2>{_YEAR})\b", q, re.I)
    if not m:
        return None
    name, year = (m.group("mon"), m.group("y")) if m.group("mon") else (m.group("mon2"), m.group("y2"))
    if name.lower() == "may" and not name[0].isupper():
        return None
    start, end = _month(name, year, ref)
    return start, end, m.group(0), False
