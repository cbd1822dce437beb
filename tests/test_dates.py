"""Publication dates from metadata and from article text: real datelines, and no invented dates."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from rag.core.config import PROJECT_ROOT
from rag.ingest import dates

WIKINEWS = next((p / "shared/corpora/wikinews-dev/articles.jsonl" for p in (PROJECT_ROOT, *PROJECT_ROOT.parents)
                 if (p / "shared/corpora/wikinews-dev/articles.jsonl").exists()), PROJECT_ROOT / "missing")
TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("value, iso", [
    ("2004-11-14", "2004-11-14"), ("2004-11-14 10:00:00", "2004-11-14"), ("2004-11-14T10:00:00Z", "2004-11-14"),
    ("Sun, 14 Nov 2004 10:00:00 GMT", "2004-11-14"), ("November 14, 2004", "2004-11-14"),
    ("14 November 2004", "2004-11-14"), (date(2004, 11, 14), "2004-11-14"),
])
def test_metadata_dates_in_common_forms(value, iso):
    assert dates.from_metadata(value, TODAY) == (iso, None)


@pytest.mark.parametrize("value, problem", [
    ("2004-02-31", "impossible date '2004-02-31'"), ("31 February 2004", "impossible date '31 February 2004'"),
    ("Tue, 31 Feb 2004 10:00:00 GMT", "impossible date"), ("next Tuesday", "unreadable date 'next Tuesday'"),
])
def test_unusable_metadata_dates_stay_unknown_and_say_why(value, problem):
    iso, why = dates.from_metadata(value, TODAY)
    assert iso is None and why.startswith(problem)


def test_a_future_date_stays_unknown():
    tomorrow = date.today() + timedelta(days=1)
    assert dates.from_metadata(tomorrow.isoformat()) == (None, f"date '{tomorrow.isoformat()}' is in the future")
    assert dates.from_metadata(date.today().isoformat()) == (date.today().isoformat(), None)
    assert dates.from_text(f"Updated: {tomorrow.isoformat()} 10:00\nText.") is None


@pytest.mark.parametrize("text, iso", [
    ("Brazil sees market economy in China\nBy Meng Yan (China Daily)\nUpdated: 2004-05-24 22:21\nVisiting", "2004-05-24"),
    ("Barghouti to Run\nSaturday November 13, 2004 8:16 PM AP Photo", "2004-11-13"),
    ("Last Updated: Monday, 15 November, 2004, 12:34 GMT", "2004-11-15"),
    ("Sat, 13 Nov: the talks resumed.\nIn 2004 the group met twice.", "2004-11-13"),
    ("26.11.2004 16:43 << Previous | Next >> Lycos users", "2004-11-26"),
    ("By Sidney Blumenthal Dec. 2, 2004 | Who wrote this", "2004-12-02"),
])
def test_dates_found_in_text(text, iso):
    assert dates.from_text(text, TODAY) == iso


@pytest.mark.parametrize("text", [
    "WASHINGTON, Nov 15 (Reuters) - 2000 troops were sent.",  # no year named: 2000 is a count
    "Sat, 14 Nov: the talks resumed. In 2004 the group met twice.",  # 14 Nov 2004 was a Sunday
    "02/12/2004 11:44 - Goma",  # day-first or month-first? unknown
    "The deal should be signed no later than 31 December 2004.",  # an event's date, not publication
    "On Oct. 16, 1998, the U.S. Air Force announced the procurement.",
    "Talks resumed on Sat, 13 Nov. The group met in 2003 and in 2004.",  # two years named, no weekday fits uniquely
    "In January 2018, the game's release date was confirmed for April 20, 2018.",  # rgb-dev rgb051_pos0
    "The Last of Us Part II (PS4). Release Date: June 19, 2020 ...",  # rgb-dev rgb052_pos1: the game's date
])
def test_no_date_is_invented(text):
    assert dates.from_text(text, TODAY) is None


def test_real_datelines_of_wikinews_dev():
    """Hand-checked against each article's text: the dates it states, and the ones it does not."""
    expected = {"wn000_1": "2004-05-24", "wn001_1": "2004-11-13", "wn028_2": "2004-11-18", "wn043_4": "2004-11-26",
                "wn027_0": "2004-12-02", "wn029_0": "2004-11-11", "wn005_1": None, "wn033_0": None, "wn052_0": None}
    if not WIKINEWS.exists():
        pytest.skip("corpora/wikinews-dev is not here")
    texts = {r["id"]: r["maintext"] for r in map(json.loads, WIKINEWS.read_text().splitlines())}
    assert {i: dates.from_text(texts[i], TODAY) for i in expected} == expected
