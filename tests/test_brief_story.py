"""Briefs that follow a story: `--story`, `--since`, the front page, the Timeline and Coverage sections,
and the bad inputs (unknown story, nothing new, malformed date).

The corpus is tests/stories: two stories (a flood, four articles by three outlets and one undated; a
chess tournament, two articles) with publication dates in front matter. End-to-end tests use the tiny
real model and check invariants (what is cited, what is new, dates from the data), not wording; the
date and coverage rules are also checked on fixed inputs.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import tiny_settings

from rag.answer import cite
from rag.briefing import since as since_
from rag.briefing.brief import sentence_counts
from rag.briefing.evidence import Ctx
from rag.briefing.render import render_front_page, render_markdown
from rag.briefing.timeline import coverage
from rag.cli import cli
from rag.core.errors import DateError, NothingNewError, UnknownSourceError
from rag.core.types import BriefSource, FrontPage, Point
from rag.desk import NewsDesk, check_date, open_index
from rag.ingest.dates import in_sentence

CORPUS = Path(__file__).parent / "stories"
FLOOD = ("flood_a", "flood_b", "flood_c", "flood_d")
DATED = {"flood_a": "2004-11-10", "flood_b": "2004-11-12", "flood_c": "2004-11-15"}


@pytest.fixture(scope="module")
def desk(tmp_path_factory, embedder, tiny_llm) -> NewsDesk:
    s = tiny_settings(tmp_path_factory.mktemp("stories-ws"))
    d = NewsDesk(s, index=open_index(s, embedder), llm=tiny_llm)
    d.ingest([CORPUS])
    return d


@pytest.fixture(scope="module")
def flood(desk):
    return desk.brief(story="flood_a")


def _text(desk: NewsDesk, doc_id: str) -> str:
    return desk.show(doc_id).text


def _points(b) -> list[Point]:
    return [*b.summary, *b.key_points, *b.earlier, *(e.point for e in b.timeline), *b.agree,
            *(p for c in b.differ for p in c.sides), *b.open_questions]


def test_corpus_forms_the_two_stories(desk):
    assert {s.story_id: set(s.doc_ids) for s in desk.stories()} == {"flood_a": set(FLOOD),
                                                                     "chess_a": {"chess_a", "chess_b"}}


# --story, timeline, coverage ---------------------------------------------------------------------
def test_a_story_brief_covers_only_its_articles_and_every_line_is_verified(desk, flood):
    assert [s.doc_id for s in flood.sources] == list(FLOOD) and flood.story == "flood_a"
    total, verified = sentence_counts(flood)
    assert total == verified > 0
    for p in _points(flood):
        assert p.doc_ids and set(p.doc_ids) <= set(FLOOD)
        for d in p.doc_ids:
            assert cite.support(p.text, _text(desk, d))[0] >= cite.SUPPORT_THRESHOLD, (p.text, d)
    md = render_markdown(flood)
    assert "story: flood_a" in md and "Zurich" not in md and "Petrov" not in md
    for h in ("## Key points", "## Timeline", "## Coverage", "## Sources"):
        assert md.count(h + "\n") == 1, h


def test_the_timeline_is_in_date_order_with_the_dates_source_and_undated_articles_apart(desk, flood):
    events = flood.timeline
    assert events and [e.date for e in events] == sorted(e.date for e in events)
    by_n = {s.n: s for s in flood.sources}
    for e in events:
        published = by_n[e.point.cites[0]].date
        if e.basis == "published":
            assert e.date == published
        elif e.basis == "stated":
            assert e.phrase and e.phrase in " ".join(_text(desk, by_n[e.point.cites[0]].doc_id).split())
        else:
            assert e.basis == "relative" and e.phrase.lower() in e.point.text.lower() and e.date <= published
    assert [by_n[n].doc_id for n in flood.undated] == ["flood_d"]
    assert all("flood_d" not in e.point.doc_ids for e in events)  # never placed by guess
    md = render_markdown(flood)
    assert "Undated (not placed): Appeal for Marlow flood families [4]" in md
    # flood_c states "on 14 November 2004": shown at that date, as a date stated in the text
    assert any(e.date == "2004-11-14" and e.basis == "stated" for e in events)
    assert 'date stated in the text: "14 November 2004"' in md


def test_coverage_comes_from_the_data(flood):
    rows = {o.name: (o.first, o.cites) for o in flood.coverage}
    assert rows["Daily Ledger"] == ("2004-11-10", (1,)) and rows["Coast Herald"] == ("2004-11-12", (2,))
    assert rows["Valley News"] == ("2004-11-15", (3,))
    assert [o.first for o in flood.coverage][-1] is None  # the undated article's outlet, last
    for f in flood.firsts:
        assert f.date == min(flood.sources[n - 1].date for n in (f.cite, *f.later))


def test_who_reported_first_needs_an_earlier_date_and_ties_name_nobody():
    sources = tuple(BriefSource(n, d, f"title {d}", pub, day, f"{d}.md")
                    for n, (d, pub, day) in enumerate([("a", "Ledger", "2004-11-10"), ("b", "Herald", "2004-11-12"),
                                                       ("c", "Wire", "2004-11-12"), ("d", None, None)], 1))
    ctx = Ctx({s.doc_id: "" for s in sources}, {s.doc_id: s.n for s in sources}, {s.doc_id: s.doc_id for s in sources},
              sources, frozenset(), {s.doc_id: s.date for s in sources})
    outlets, firsts = coverage(ctx, [Point("x", (1, 2), ("a", "b")), Point("y", (2, 3), ("b", "c")),
                                     Point("z", (2, 4), ("b", "d"))])
    assert [(o.name, o.first) for o in outlets] == [("Ledger", "2004-11-10"), ("Herald", "2004-11-12"),
                                                     ("Wire", "2004-11-12"), ('"title d"', None)]
    assert [(f.point, f.outlet, f.date, f.later) for f in firsts] == [("x", "Ledger", "2004-11-10", (2,))]


def test_dates_in_sentences_are_stated_or_resolved_against_the_publication_date():
    assert in_sentence("Talks began on Thursday in Muscat.", "2004-11-13") == ("2004-11-11", "relative", "on Thursday")
    assert in_sentence("They will meet again on Thursday.", "2004-11-13")[0] == "2004-11-18"
    assert in_sentence("He was to meet officials Sunday.", "2004-11-13")[0] == "2004-11-14"  # future in the past
    assert in_sentence("He spoke on Saturday.", "2004-11-13")[0] == "2004-11-13"  # the day itself
    assert in_sentence("He resigned yesterday.", "2004-11-13")[:2] == ("2004-11-12", "relative")
    assert in_sentence("On 12 November 2004 the bridge opened.", None) == ("2004-11-12", "stated", "12 November 2004")
    assert in_sentence("He spoke on Saturday.", None) is None  # nothing to resolve it against
    assert in_sentence("No date here.", "2004-11-13") is None


# --since ----------------------------------------------------------------------------------------
def test_since_leads_with_newer_articles_and_labels_the_rest_as_earlier(desk):
    b = desk.brief(story="flood_a", since="2004-11-12")
    new, old = {"flood_b", "flood_c"}, {"flood_a", "flood_d"}
    assert b.since == "2004-11-12" and b.key_points
    for p in b.key_points:  # new, and not already reported by an older article
        assert set(p.doc_ids) <= new, p
        assert not any(cite.support(p.text, _text(desk, d))[0] >= cite.SUPPORT_THRESHOLD for d in old), p.text
    assert b.earlier and all(p.lead == "Earlier:" and set(p.doc_ids) <= old for p in b.earlier)
    md = render_markdown(b)
    assert "## Key points (new since 2004-11-12)" in md and "- Earlier: " in md
    assert md.index("## Key points") < md.index("## Earlier (background, before 2004-11-12)")
    total, verified = sentence_counts(b)
    assert total == verified


def test_a_fact_already_reported_before_the_date_is_background(desk):
    docs = {d: r for d, r in desk.documents().items() if d in FLOOD}
    texts = {d: _text(desk, d) for d in docs}
    sources = tuple(BriefSource(n, d, r.title, r.publisher, r.date, "") for n, (d, r) in enumerate(sorted(docs.items()), 1))
    ctx = Ctx(texts, {s.doc_id: s.n for s in sources}, {d: d for d in docs}, sources, frozenset(), DATED)
    repeated = Point("Mayor Ellen Frost said 300 homes in Marlow had been evacuated.", (2,), ("flood_b",))
    fresh_ = Point("Insurers estimate the damage in Marlow at 12 million pounds.", (2,), ("flood_b",))
    kept, moved = since_.already_reported([repeated, fresh_], ["flood_a"], ctx)
    assert kept == [repeated, fresh_] and moved == []  # 300 is not what flood_a says (200): new
    old = Point("The River Tay burst its banks in Marlow.", (2,), ("flood_b",))
    kept, moved = since_.already_reported([old], ["flood_a"], ctx)
    assert kept == [] and moved[0].doc_ids == ("flood_a",) and moved[0].lead == "Earlier:"


# front page ---------------------------------------------------------------------------------------
def test_no_selection_on_several_stories_is_a_front_page_one_section_each(desk):
    f = desk.briefing(words=300)
    assert isinstance(f, FrontPage) and [s.story_id for s, _ in f.sections] == ["flood_a", "chess_a"]
    for story, b in f.sections:
        assert {s.doc_id for s in b.sources} == set(story.doc_ids) and b.story == story.story_id
        total, verified = sentence_counts(b)
        assert total == verified > 0
    md = render_front_page(f)
    assert md.startswith("# Front page") and md.count("\n## ") == 2 and "story `chess_a`" in md
    late = desk.briefing(since="2004-11-13")  # only the stories with an article dated on or after it
    assert [s.story_id for s, _ in late.sections] == ["flood_a", "chess_a"]
    later = desk.briefing(since="2004-11-14")
    assert [s.story_id for s, _ in later.sections] == ["flood_a"]


# bad input ------------------------------------------------------------------------------------------
def test_bad_story_since_and_dates_are_one_line_errors(desk):
    with pytest.raises(UnknownSourceError, match=r"no story 'flood_x'.*closest: flood_a"):
        desk.brief(story="flood_x")
    with pytest.raises(NothingNewError, match="nothing new since 2004-11-16: the newest article of story 'flood_a' "
                                              "is dated 2004-11-15"):
        desk.brief(story="flood_a", since="2004-11-16")
    with pytest.raises(NothingNewError, match="newest article is dated 2004-11-15"):
        desk.briefing(since="2004-12-01")
    with pytest.raises(DateError, match="2004-11-17, 17 November 2004, November 17, 2004"):
        desk.brief(story="flood_a", since="last week")
    assert check_date("14 November 2004", "since") == check_date("November 14, 2004", "since") == "2004-11-14"


def test_cli_bad_input_exits_non_zero_with_one_line_and_writes_no_file(desk, tmp_path):
    ws = str(desk.settings.workspace)
    out = tmp_path / "brief.md"
    runner = CliRunner()
    for args, expect in ((["--story", "chess_x"], "closest: chess_a"),
                         (["--story", "flood_a", "--since", "2004-12-01"], "nothing new since 2004-12-01"),
                         (["--since", "2004-13-45"], "must be a date such as")):
        r = runner.invoke(cli, ["brief", "--workspace", ws, "--out", str(out), *args], catch_exceptions=False)
        assert r.exit_code == 2 and expect in r.output and len(r.output.strip().splitlines()) == 1, r.output
        assert not out.exists()
