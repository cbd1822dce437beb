"""The chat's Eval tab and /eval: the desk's eval_suite (checks, progress), the summary and case table
on fixed report data, /eval on the served app (retrieval-only: no chat model), and an eval that does
not hold other users' questions back for longer than one answer."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import serve_seeds, tiny_settings
from gradio_client import Client
from gradio_client.utils import Status

from rag.core.config import PROJECT_ROOT
from rag.core.errors import ConfigError, EvalFileError
from rag.desk import NewsDesk
from rag.evaluation.cases import load_suite
from rag.evaluation.diff import load_run
from rag.web import eval_tab

SEEDS_SUITE = PROJECT_ROOT / "tests" / "eval" / "seeds.yaml"
QUESTION = "Which country mediated the indirect talks between Iran and the US?"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder, tiny_llm):
    with serve_seeds(tmp_path_factory.mktemp("evaltab") / "ws", embedder, tiny_llm, max_tokens=48, k=4) as (demo, s, _):
        yield demo, s, Client(demo.local_url, verbose=False)


def _report(**changes: object) -> dict:
    cases = [
        {"id": "a", "type": "factual", "answer": "Oman <b>mediated</b>\n the talks.", "abstained": False,
         "metrics": {"answer_accuracy": True, "hit_at_k": True}},
        {"id": "b", "type": "factual", "answer": "I cannot answer.", "abstained": True,
         "metrics": {"answer_accuracy": False, "hit_at_k": True}},
        {"id": "c", "type": "unanswerable", "answer": "Paris.", "abstained": False, "metrics": {"abstention_rate": 0.0}},
    ]
    return {"suite": "s.yaml", "config": {"mode": "full", "model": "m"}, "cases": cases,
            "summary": {"answer_accuracy": 0.5, "abstention_rate": 0.0, "hit_at_k": 1.0, "mrr_at_k": None},
            "thresholds": {"answer_accuracy": 0.6, "hit_at_k": 0.9}, "failed": ["answer_accuracy 0.500 < 0.600"],
            "warnings": [], **changes}


def test_summary_shows_each_measured_metric_with_threshold_and_verdict():
    md = eval_tab.summary_markdown(_report())
    assert md.startswith("### **FAIL**: 1 threshold(s) missed")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in md.splitlines() if line.startswith("| ") and "metric" not in line}
    assert rows == {"answer_accuracy": ["0.500", "0.600", "**FAIL**"], "abstention_rate": ["0.000", "", ""],
                    "hit_at_k": ["1.000", "0.900", "pass"]}  # mrr_at_k was not measured: no row
    passing = eval_tab.summary_markdown(_report(failed=[], summary={"hit_at_k": 1.0}, warnings=list("abcde")))
    assert passing.startswith("### **PASS**")
    assert [w for w in passing.splitlines() if w.startswith("- ")] == [
        "- warning: a", "- warning: b", "- warning: c", "- and 2 more warnings (all are in the HTML report)"]


def test_case_rows_name_each_outcome_and_keep_answers_as_text():
    assert eval_tab.case_rows(_report()) == [
        ["a", "factual", "right", "Oman <b>mediated</b> the talks."],
        ["b", "factual", "false abstention", "I cannot answer."],
        ["c", "unanswerable", "answered but unanswerable", "Paris."]]


def test_downloads_are_the_html_report_and_the_json(tmp_path: Path):
    html_path, json_path = eval_tab.write_downloads(_report(), "r")
    assert load_run(Path(json_path)) == _report()
    page = Path(html_path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "&lt;b&gt;mediated" in page and "<b>mediated" not in page


def test_eval_suite_refuses_what_is_not_a_question_file_or_mode(tmp_path: Path):
    desk = NewsDesk(tiny_settings(tmp_path / "ws"))
    with pytest.raises(EvalFileError, match="not a question file"):
        desk.eval_suite(tmp_path / "missing.yaml", "retrieval-only")
    (tmp_path / "notes.txt").write_text("cases: []\n")
    with pytest.raises(EvalFileError, match="not a question file"):
        desk.eval_suite(tmp_path / "notes.txt", "retrieval-only")
    with pytest.raises(ConfigError, match="unknown eval mode"):
        desk.eval_suite(SEEDS_SUITE, "quick")
    elsewhere = tmp_path / "elsewhere" / "suite.yaml"  # the chat reads only the shipped suites and the workspace
    elsewhere.parent.mkdir()
    elsewhere.write_text((PROJECT_ROOT / "tests" / "eval" / "seeds.yaml").read_text())
    with pytest.raises(EvalFileError, match="read only from"):
        desk.eval_suite(elsewhere, "retrieval-only", within=eval_tab._readable(desk))


def test_eval_suite_reports_progress_per_case_retrieval_only(seeded_workspace: Path, seeded_index):
    desk = NewsDesk(tiny_settings(seeded_workspace), index=seeded_index)
    ticks: list[tuple[int, int, str]] = []
    data = desk.eval_suite(SEEDS_SUITE, "retrieval-only", progress=lambda d, t, c: ticks.append((d, t, c)))
    ids = [c["id"] for c in data["cases"]]
    assert ticks == [(i + 1, len(ids), case_id) for i, case_id in enumerate(ids)]
    assert data["config"]["mode"] == "retrieval-only" and data["summary"]["hit_at_k"] is not None
    assert all(c["answer"] is None for c in data["cases"])  # no model was asked


def test_eval_endpoint_returns_the_report_json(served):
    client = served[2]
    data = client.predict(str(SEEDS_SUITE), "retrieval-only", True, api_name="/eval")
    assert [c["id"] for c in data["cases"]] == [c.id for c in load_suite(SEEDS_SUITE).cases if c.type != "briefing"]
    assert set(data["thresholds"]) >= {"hit_at_k"} and data["summary"]["hit_at_k"] is not None
    with pytest.raises(Exception, match="not a question file"):
        client.predict("/etc/passwd", "retrieval-only", True, api_name="/eval")


@pytest.mark.slow
def test_questions_are_answered_while_an_eval_runs(served):
    """The eval is in its own concurrency group: a question waits at most for the eval's current answer,
    not for the whole eval (in the chat's "model" group, /ask would return only after the eval)."""
    client = Client(served[0].local_url, verbose=False)
    raw = yaml.safe_load(SEEDS_SUITE.read_text(encoding="utf-8"))
    factual = [c for c in raw["cases"] if c.get("type") == "factual"][:12]  # 12 answers >> the one /ask waits for
    suite = served[1].workspace / "twelve.yaml"  # the chat reads question files from the workspace
    suite.write_text(yaml.safe_dump({"cases": factual}), encoding="utf-8")
    job = client.submit(str(suite), "full", False, api_name="/eval")
    deadline = time.monotonic() + 120
    while job.status().code != Status.PROCESSING:  # the eval has started (its first answer is generating)
        assert time.monotonic() < deadline and not job.done()
        time.sleep(0.05)
    answer = served[2].predict(QUESTION, None, 4, api_name="/ask")
    assert answer["answer"].strip()
    assert not job.done(), "the question waited for the whole eval"
    data = job.result(timeout=600)
    assert [c["id"] for c in data["cases"]] == [c["id"] for c in factual]
    assert all(c["abstained"] is not None for c in data["cases"])  # the eval's answers were all made
