"""The junk filter: real junk pages of wikinews-dev are caught, none of its real articles are."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.ingest.junk import junk_reason
from tests.conftest import SEEDS
from tests.test_dates import WIKINEWS

# Found by reading every article of wikinews-dev whose text is short or mentions errors,
# subscriptions, cookies or access (37 of 103): a 404 page and a journal's paywall.
WIKINEWS_JUNK = {"wn010_0": "an error page", "wn053_0": "a paywall"}


def _wikinews() -> list[dict]:
    if not WIKINEWS.exists():
        pytest.skip("corpora/wikinews-dev is not here")
    return [json.loads(line) for line in WIKINEWS.read_text().splitlines()]


def test_the_junk_pages_of_wikinews_dev_are_caught_and_no_real_article():
    flagged = {r["id"]: junk_reason(r["title"], r["maintext"]) for r in _wikinews()}
    flagged = {i: why for i, why in flagged.items() if why}
    assert {i: why.split(" (")[0] for i, why in flagged.items()} == WIKINEWS_JUNK


def test_no_seed_or_rgb_snippet_is_junk():
    files = [*SEEDS.glob("*.txt"), *(WIKINEWS.parent.parent / "rgb-dev/docs").glob("*.txt")]
    assert len(files) >= 3
    for f in files:
        text = f.read_text(errors="replace")
        assert junk_reason(text.split("\n", 1)[0], text) is None, f


@pytest.mark.parametrize("title, text, kind", [
    ("Unable to process request", "Unable to process request\nWe're sorry, but something went wrong on our end. "
     "Please try again later. (error 999)", "an error page"),
    ("Access Denied", "You don't have permission to access \"http://www.example.com/news\" on this server.\n"
     "Reference #18.7a3b", "an access-denied page"),
    ("Before you continue", "We use cookies to give you the best experience. Please enable cookies in your browser "
     "to continue.", "a cookie or consent wall"),
    ("Subscribe", "This article is for subscribers only. Subscribe now to continue reading.", "a paywall"),
    ("{{ title }}", "{{ headline }}\n\n{{ body }}", "an empty template"),
    ("Home", "Home\nNews\nWorld\nBusiness\nSport\nWeather\nContact us\nAbout us\nJobs\nSite map", "a navigation-only page"),
])
def test_kinds_of_junk(title, text, kind):
    assert junk_reason(title, text).startswith(kind)


def test_an_article_that_quotes_an_error_is_not_junk():
    text = ("Users of the bank's website saw \"Access denied\" and an error 503 page on Monday, the bank said. "
            "Engineers restored the service after four hours. ") * 20
    assert junk_reason("Bank outage", text) is None


def test_the_real_junk_page_is_skipped_with_its_reason(tmp_path: Path):
    page = next(r for r in _wikinews() if r["id"] == "wn010_0")
    assert junk_reason(page["title"], page["maintext"]).startswith("an error page ('")
