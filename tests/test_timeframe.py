"""Questions about time: phrases resolved on fixed reference dates, outlets a question names, retrieval
limited to a period (real Chroma, dated and undated articles), the abstention on an empty period and
the "As of" line of an answer (the tiny real model)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import desk as app
from rag.answer.ask import dates_line
from rag.cli import cli
from rag.core.errors import ConfigError
from rag.core.types import Answer, Citation
from rag.retrieval.scope import named_outlets, outlet_keys, reference_date, scope
from rag.retrieval.timeframe import parse_as_of, resolve, span_text
from tests.conftest import tiny_settings
from tests.test_evaluate import CORPORA

SAT = date(2004, 11, 20)  # a Saturday
D = date


@pytest.mark.parametrize("question, ref, start, end", [
    ("What happened last week?", SAT, D(2004, 11, 13), D(2004, 11, 19)),
    ("What happened in the past week?", D(2004, 11, 27), D(2004, 11, 20), D(2004, 11, 26)),
    ("What happened yesterday?", SAT, D(2004, 11, 19), D(2004, 11, 19)),
    ("What happened today?", SAT, SAT, SAT),
    ("What did the BBC report on 16 November?", SAT, D(2004, 11, 16), D(2004, 11, 16)),
    ("What did CNN report on November 16?", SAT, D(2004, 11, 16), D(2004, 11, 16)),
    ("What was reported on 25 December?", SAT, D(2003, 12, 25), D(2003, 12, 25)),  # not yet this year: last year's
    ("What was reported on 25 December 2004?", SAT, D(2004, 12, 25), D(2004, 12, 25)),
    ("What was reported in November?", SAT, D(2004, 11, 1), D(2004, 11, 30)),
    ("What was reported in December?", SAT, D(2003, 12, 1), D(2003, 12, 31)),
    ("What was reported in February 2004?", SAT, D(2004, 2, 1), D(2004, 2, 29)),
    ("What happened since Monday?", SAT, D(2004, 11, 15), SAT),
    ("What happened since Saturday?", SAT, D(2004, 11, 13), SAT),  # the reference day itself is "today"
    ("What happened on Monday?", SAT, D(2004, 11, 15), D(2004, 11, 15)),
    ("What happened last Friday?", SAT, D(2004, 11, 19), D(2004, 11, 19)),
    ("What happened this week?", SAT, D(2004, 11, 15), SAT),
    ("What happened this month?", SAT, D(2004, 11, 1), SAT),
    ("What happened last month?", D(2004, 1, 10), D(2003, 12, 1), D(2003, 12, 31)),
    ("What happened in the last 3 days?", SAT, D(2004, 11, 17), D(2004, 11, 19)),
    ("What did Reuters report between 15 and 17 November?", SAT, D(2004, 11, 15), D(2004, 11, 17)),
    ("news from 30 December to 2 January", D(2005, 1, 5), D(2004, 12, 30), D(2005, 1, 2)),
    ("reports between 2004-11-01 and 2004-11-10", SAT, D(2004, 11, 1), D(2004, 11, 10)),
])
def test_phrases_resolve_to_date_ranges(question, ref, start, end):
    tf = resolve(question, ref)
    assert tf is not None and (tf.start, tf.end) == (start, end) and not tf.latest


def test_latest_is_a_recency_preference_and_plain_questions_name_no_time():
    tf = resolve("What is the latest on the Sears deal?", SAT)
    assert tf is not None and tf.latest and tf.window == (None, SAT)
    for q in ("Who will run the merged company?", "How many people may die?", "When is the Band Aid single out?"):
        assert resolve(q, SAT) is None


def test_an_event_date_is_not_a_publication_filter_but_what_was_reported_then_is():
    event = resolve("Where was Bill Gates speaking on 16 November 2004?", SAT)
    assert event is not None and not event.enforced
    for q in ("Who did Bush choose last week as secretary of state?", "What happened last week?"):
        relative = resolve(q, SAT)
        assert relative is not None and relative.enforced and relative.window == (D(2004, 11, 13), SAT)
    reported = resolve("What did Reuters report last week?", SAT)
    assert reported is not None and reported.window == (D(2004, 11, 13), D(2004, 11, 19))


def test_spans_read_as_a_reader_writes_them():
    assert span_text(D(2004, 11, 20), D(2004, 11, 26)) == "20–26 November 2004"
    assert span_text(D(2004, 11, 1), D(2004, 11, 30)) == "November 2004"
    assert span_text(D(2004, 11, 30), D(2004, 12, 2)) == "30 November – 2 December 2004"
    assert span_text(D(2004, 12, 30), D(2005, 1, 2)) == "30 December 2004 – 2 January 2005"


def test_as_of_accepts_three_forms_and_names_them_when_malformed():
    assert {parse_as_of(x) for x in ("2004-11-17", "17 November 2004", "November 17, 2004")} == {D(2004, 11, 17)}
    assert parse_as_of("2999-01-01") == D(2999, 1, 1)  # a future reference date is fine
    for bad in ("17/11/2004", "last week", "2004-02-31"):
        with pytest.raises(ConfigError, match="2004-11-17, 17 November 2004, November 17, 2004"):
            parse_as_of(bad)


def test_outlets_are_named_by_their_domain_name_when_the_question_asks_what_they_reported():
    assert outlet_keys("news.bbc.co.uk") == {"bbc"} and outlet_keys("scidev.net") == {"scidev", "scidevnet"}
    pubs = ["bbc.co.uk", "japantimes.co.jp", "chinadaily.com.cn", "scidev.net", "reuters.com", None]
    assert named_outlets("What did the BBC report on 16 November?", pubs) == ("bbc.co.uk",)
    assert named_outlets("What did The Japan Times say about the submarine?", pubs) == ("japantimes.co.jp",)
    assert named_outlets("What did SciDev.Net report about the heatwave?", pubs) == ("scidev.net",)
    assert named_outlets("What did China agree to buy, as reported?", pubs) == ()  # China is not China Daily
    assert named_outlets("Who did the BBC interview in Brazil?", pubs) == ()  # not a question about its reports


# --- retrieval within a period: real Chroma --------------------------------------------------------

SEARS = "Sears and Kmart agreed to merge in an 11 billion dollar deal, the companies said. Shareholders of Kmart"
ARTICLES = [
    ("r16", "reuters.com", "2004-11-16", "Kmart to buy Sears", SEARS + " will own 63 percent of Sears Holdings."),
    ("b17", "bbc.co.uk", "2004-11-17", "Sears deal questioned", SEARS + " asked whether the deal creates value."),
    ("c02", "cnn.com", "2004-11-02", "Sears profits fall", "Sears said third-quarter profit fell sharply as sales slid."),
    ("b00", "bbc.co.uk", None, "Sears deal analysis", SEARS + " will keep both brands, analysts said."),
    ("x18", "cnn.com", "2004-11-18", "Arafat buried in Ramallah", "Yasser Arafat was buried in Ramallah on Friday."),
    ("w00", "alertnet.org", None, "Kmart, Sears to merge", "Source: Reuters\nNEW YORK, Nov 17 (Reuters) - " + SEARS + " cheered."),
]
UNDATED = {"b00", "w00"}


@pytest.fixture(scope="module")
def timed_desk(tmp_path_factory, embedder):
    ws = tmp_path_factory.mktemp("timed")
    lines = [json.dumps({"id": i, "title": t, "maintext": f"{t}\n{body}", "source_domain": pub, "url": f"https://{pub}/{i}",
                         **({"date_publish": day} if day else {})}) for i, pub, day, t, body in ARTICLES]
    (ws / "dump.jsonl").write_text("\n".join(lines))
    s = tiny_settings(ws / "ws")
    desk = app.NewsDesk(s, index=app.open_index(s, embedder))
    assert len(desk.ingest([ws / "dump.jsonl"]).added) == len(ARTICLES)
    return desk


def _docs(hits) -> list[str]:
    return list(dict.fromkeys(h.chunk.doc_id for h in hits))


def test_a_period_keeps_its_dated_articles_then_the_undated_ones(timed_desk):
    docs = timed_desk.documents()
    assert reference_date(docs) == D(2004, 11, 18)  # the newest article's date
    got = _docs(timed_desk.retrieve("What was reported last week about Sears?", k=10, as_of="2004-11-20"))
    assert "c02" not in got and set(got) >= {"r16", "b17"} | UNDATED
    assert set(got[-2:]) == UNDATED  # the undated articles after every dated one
    sc = scope("What was reported last week about Sears?", docs, D(2004, 11, 20))
    assert (sc.dated, sc.undated) == (3, 2)


def test_an_outlet_the_question_names_restricts_it_to_that_outlet_and_its_wire_copies(timed_desk):
    got = _docs(timed_desk.retrieve("What did the BBC report on 17 November about Sears?", k=10))
    assert got == ["b17", "b00"]
    assert set(_docs(timed_desk.retrieve("What did Reuters report about the Sears deal?", k=10))) == {"r16", "w00"}
    assert "c02" in _docs(timed_desk.retrieve("What did Sears say about profits at CNN?", k=10))  # CNN not the reporter


def test_the_latest_puts_the_newest_first_and_ignores_articles_after_the_reference(timed_desk):
    docs = timed_desk.documents()
    got = _docs(timed_desk.retrieve("What is the latest on the Sears deal?", k=10))
    dated = [d for d in got if d not in UNDATED]
    assert dated == sorted(dated, key=lambda d: -int(docs[d].date.replace("-", "")))  # newest first
    assert set(got[len(dated):]) <= UNDATED
    early = _docs(timed_desk.retrieve("What is the latest on the Sears deal?", k=10, as_of="2004-11-16"))
    assert "b17" not in early and "x18" not in early and "r16" in early


def test_a_plain_question_is_not_restricted(timed_desk):
    assert "c02" in _docs(timed_desk.retrieve("Did Sears profits fall?", k=10))


def test_an_empty_period_abstains_and_says_so(timed_desk):
    assert timed_desk.retrieve("What did CNN report last week?", as_of="2004-11-27") == []
    answer = timed_desk.ask("What did CNN report last week?", as_of="27 November 2004")
    assert answer.abstained and not answer.citations
    assert answer.answer == "No articles by cnn.com from 20–26 November 2004 are indexed."
    cnn = timed_desk.ask("What did CNN report on 16 November?")
    assert cnn.abstained and cnn.answer == "No articles by cnn.com from 16 November 2004 are indexed."


def test_a_recent_period_without_dated_articles_is_empty_whatever_the_undated_ones(timed_desk):
    assert timed_desk.retrieve("What happened last week?", as_of="2004-11-27") == []
    answer = timed_desk.ask("What happened last week?", as_of="27 November 2004")
    assert answer.abstained and answer.answer == ("No articles from 20–27 November 2004 are indexed. (Articles without "
                                                  "a known date, which cannot be placed in it: 2.)")


def test_a_calendar_day_without_dated_articles_searches_only_the_undated_and_says_so(timed_desk):
    question = "What was reported on 25 November 2004 about Sears?"
    assert set(_docs(timed_desk.retrieve(question, k=10))) == UNDATED
    answer = timed_desk.ask(question)
    if answer.abstained:  # the tiny model may fail verification: then the period note comes first
        assert answer.answer.startswith("No articles from 25 November 2004 are indexed. (Articles without a known "
                                        "date, which cannot be placed in it: 2.)\n")
    else:
        assert answer.answer.startswith("None of the cited articles has a known date (reference date 18 November 2004)")


def test_a_period_is_not_applied_where_no_article_has_a_date_and_no_as_of_is_given(timed_desk):
    docs = {d: r for d, r in timed_desk.documents().items() if d in UNDATED}
    question = "What happened across Iran last month, according to the article?"  # the article's own "last month"
    assert scope(question, docs).timeframe is None
    assert scope(question, docs, D(2004, 11, 20)).empty  # given a reference date, undated articles cannot be placed


def test_the_as_of_line_comes_from_the_cited_articles_dates(timed_desk, tiny_llm):
    docs = timed_desk.documents()
    a = app.assistant(timed_desk.settings, timed_desk.index, tiny_llm)
    sc = scope("What happened last week?", docs, D(2004, 11, 20))
    cite = lambda n, d: Citation(n, d, docs[d].title, f"{d}#0", "q", True)  # noqa: E731
    answer = Answer("q", "text", False, citations=(cite(1, "r16"), cite(2, "b17"), cite(3, "b00")))
    assert dates_line(a, answer, sc, docs) == ("As of 17 November 2004 (the cited articles are dated 16 November "
                                               "2004, 17 November 2004; cited articles without a known date: 1):")
    only_undated = Answer("q", "text", False, citations=(cite(1, "b00"),))
    assert "None of the cited articles has a known date" in dates_line(a, only_undated, sc, docs)
    real = timed_desk.ask("What did the BBC report last week about the Sears deal?", as_of="2004-11-20")
    if not real.abstained:  # the tiny model may fail verification; when it answers, the line is the cited dates'
        assert real.answer.split("\n", 1)[0] == dates_line(a, real, sc, docs)


def test_rag_ask_names_the_accepted_forms_of_a_malformed_as_of():
    result = CliRunner().invoke(cli, ["ask", "What happened last week?", "--as-of", "last tuesday"])
    assert result.exit_code != 0 and "2004-11-17, 17 November 2004, November 17, 2004" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_rag_eval_passes_a_case_as_of_to_the_question(tmp_path: Path, timed_desk):
    from rag.evaluation.cases import load_suite
    suite = tmp_path / "s.yaml"
    suite.write_text("cases:\n"
                     "  - {id: empty, type: factual, tags: [date], as_of: 2004-11-27, question: 'What did CNN report last week?',"
                     " answers: [Sears], sources: [r16]}\n"
                     "  - {id: full, type: factual, tags: [date], as_of: 2004-11-20, question: 'What did Reuters report last week?',"
                     " answers: [Sears], sources: [r16]}\n")
    report = timed_desk.evaluate(load_suite(suite), "retrieval-only")
    by_id = {r.id: r for r in report.cases}
    assert by_id["empty"].retrieved == () and by_id["full"].metrics["hit_at_k"] is True
    assert "date" in report.by_tag


CORPUS = CORPORA / "wikinews-dev"


@pytest.mark.skipif(not (CORPUS / "docs").is_dir(), reason="the shared corpora are not here")
def test_the_time_suite_gold_answers_are_in_their_sources():
    from rag.evaluation.cases import load_suite, normalize_answer
    suite = load_suite(Path(__file__).parent / "eval" / "wikinews-time.yaml")
    for case in suite.cases:
        texts = [normalize_answer((CORPUS / "docs" / f"{d}.txt").read_text(encoding="utf-8")) for d in case.sources]
        assert (case.type == "unanswerable") == (not case.sources), case.id
        assert all(any(normalize_answer(a) in t for t in texts) for a in case.answers), case.id
