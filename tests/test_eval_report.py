"""The readable eval report: per-case evidence in the JSON, the diff of two saved runs (exact), and the
HTML page (self-contained, escaped, small enough), through the functions and the real `rag eval` command."""
from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from rag.cli import cli
from rag.core.types import Answer, Chunk, Hit, Source, Timings
from rag.evaluation.cases import Case, Suite
from rag.evaluation.diff import ConfigChange, Flip, diff_runs, load_run, outcome, reason
from rag.evaluation.evaluate import Change, report_to_json, run_suite
from rag.evaluation.html import render_html

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "bench" / "results" / "eval-seeds-qwen1.5b-2026-11-21.json"  # written before evidence was recorded
HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> "quoted" \'single\' & more'
SOURCE_TEXT = "Steve Witkoff led the US delegation at the talks in Muscat. The weather was mild that week."


def case(cid: str, type_: str, *, abstained: bool | None = False, correct: bool | None = None) -> dict:
    metrics = {} if correct is None else {"answer_accuracy": correct}
    return {"id": cid, "type": type_, "question": f"q {cid}?", "retrieved": [], "answer": "a", "abstained": abstained,
            "citations": [], "metrics": metrics, "details": {}}


def run_json(cases: list[dict], summary: dict, config: dict) -> dict:
    return {"suite": "q.yaml", "config": config, "summary": summary, "thresholds": {}, "failed": [],
            "warnings": [], "cases": cases}


OLD = run_json([case("a", "factual", correct=False), case("b", "factual", correct=True),
                case("c", "unanswerable", abstained=True), case("d", "unanswerable", abstained=False),
                case("e", "factual", correct=False), case("f", "multi_source", correct=True),
                case("gone", "factual", correct=True)],
               {"answer_accuracy": 0.5, "false_abstention_rate": 0.0, "total_ms_p50": 1000.0, "hit_at_k": None},
               {"model": "m", "k": 4, "prompts": "aaa"})
NEW = run_json([case("a", "factual", correct=True), case("b", "factual", abstained=True),
                case("c", "unanswerable", abstained=False), case("d", "unanswerable", abstained=True),
                case("e", "factual", abstained=True), case("f", "multi_source", correct=True),
                case("new", "factual", correct=False)],
               {"answer_accuracy": 0.75, "false_abstention_rate": 0.25, "total_ms_p50": 1050.0, "hit_at_k": None},
               {"model": "m", "k": 6, "prompts": "bbb"})


def test_diff_of_two_saved_runs_is_exact(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text(json.dumps(NEW))
    diff = diff_runs(load_run(tmp_path / "old.json"), load_run(tmp_path / "new.json"), "old.json", "new.json")
    assert diff.fixed == (Flip("a", "factual", "wrong", "right"),
                          Flip("d", "unanswerable", "answered but unanswerable", "rightly abstained"))
    assert diff.broken == (Flip("b", "factual", "right", "false abstention"),
                           Flip("c", "unanswerable", "rightly abstained", "answered but unanswerable"))
    assert diff.changed == (Flip("e", "factual", "wrong", "false abstention"),)
    assert diff.added == ("new",) and diff.removed == ("gone",)
    moved = {c.metric: c for c in diff.metrics}
    assert moved["answer_accuracy"] == Change("answer_accuracy", 0.5, 0.75, 0.25, False)
    assert moved["false_abstention_rate"] == Change("false_abstention_rate", 0.0, 0.25, 0.25, True)
    assert moved["total_ms_p50"] == Change("total_ms_p50", 1000.0, 1050.0, 50.0, False)  # +5% is within 10%
    assert "hit_at_k" not in moved and diff.regressed == ("false_abstention_rate",)
    assert diff.config == (ConfigChange("k", 4, 6), ConfigChange("prompts", "aaa", "bbb"))
    assert diff_runs(NEW, NEW).fixed == diff_runs(NEW, NEW).broken == () and diff_runs(NEW, NEW).config == ()


def test_compare_command_prints_the_diff_and_writes_html(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(json.dumps(OLD))
    (tmp_path / "new.json").write_text(json.dumps(NEW))
    result = CliRunner().invoke(cli, ["eval", "--compare", str(tmp_path / "old.json"), str(tmp_path / "new.json"),
                                      "--html", str(tmp_path / "diff.html")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 fixed, 2 broken, 1 changed, 1 added, 1 removed" in result.output
    assert "BROKEN" in result.output and "config prompts: aaa -> bbb" in result.output
    page = (tmp_path / "diff.html").read_text()
    assert 'id="changes"' in page and "Broken: 2" in page and "Fixed: 2" in page
    (tmp_path / "junk.json").write_text("[1, 2]")
    bad = CliRunner().invoke(cli, ["eval", "--compare", str(tmp_path / "junk.json"), str(tmp_path / "new.json")])
    assert bad.exit_code == 2 and "not an eval report" in bad.output and "Traceback" not in bad.output


def hostile_answer(question: str) -> Answer:
    """Implements `ask`: an abstention whose model text had one supported and two rejected sentences."""
    src = Source(1, "doc<1>", f"Title {HOSTILE}", SOURCE_TEXT + " " + HOSTILE, ("doc<1>:0",))
    hit = Hit(Chunk("doc<1>:0", "doc<1>", 0, 0, len(src.text), src.text, src.title, 40), 0.5, 1, 2, 0.71)
    raw = ("Steve Witkoff led the US delegation [1]. The talks were held on the Moon in 1850 [1]. "
           f"The team flew to Mars in 1850 {HOSTILE} [1].")
    return Answer(question, "The articles don't say.", True, hits=(hit,), sources=(src,), raw=raw,
                  timings=Timings(3.0, 900.0, 1500.0, 420, 30))


def test_report_json_records_evidence_and_the_rejected_sentences() -> None:
    suite = Suite(cases=(Case("moon", "factual", "Where were the talks?", answers=("Muscat",), sources=("doc<1>",)),),
                  thresholds={}, path="q.yaml")
    data = report_to_json(run_suite(suite, retrieve=None, ask=hostile_answer, brief=None, index_doc_ids={"doc<1>"}), {})
    moon = data["cases"][0]
    d = moon["details"]
    assert d["gold"]["answers"] == ["Muscat"] and d["passages"][0]["text"].startswith("Steve Witkoff led")
    assert d["passages"][0]["similarity"] == 0.71 and d["sources"] == [{"n": 1, "doc_id": "doc<1>", "title": f"Title {HOSTILE}"}]
    assert [s["supported"] for s in d["sentences"]] == [True, False, False]
    first, moonish = d["sentences"][0]["quotes"][0], d["sentences"][1]["quotes"][0]
    assert first["kept"] and first["quote"] == "Steve Witkoff led the US delegation at the talks in Muscat."
    assert moonish["by_model"] and not moonish["kept"]
    assert outcome(moon) == "false abstention"
    assert reason(moon) == "the system abstained: the verifier supported 1 of 3 sentences of the model's text"
    old = json.loads(REAL.read_text())["cases"][0]
    assert outcome(old) == "right" and "not recorded" in render_html({"summary": {}, "cases": [old]})


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def hostile_run(pad: bool = True) -> dict:
    """The real 35-case seed report plus a case and settings full of markup; `pad`: every case carries
    evidence the size of a real one (4 passages of a long chunk), as a full seed report would."""
    run = json.loads(REAL.read_text())
    suite = Suite(cases=(Case("moon", "factual", f"Where? {HOSTILE}", answers=(HOSTILE,), sources=("doc<1>",)),),
                  thresholds={}, path="q.yaml")
    bad = report_to_json(run_suite(suite, retrieve=None, ask=hostile_answer, brief=None, index_doc_ids={"doc<1>"}), {})
    hostile = bad["cases"][0] | {"id": f"id {HOSTILE}", "type": 'fact" onmouseover="window.__xss=3'}
    run["cases"].append(hostile)
    for c in run["cases"][:37] if pad else ():
        c["details"] = copy.deepcopy(hostile["details"]) | c["details"]
        for p in c["details"]["passages"]:
            p["text"] = (p["text"] + " ") * 6
        c["details"]["passages"] *= 4
    run["config"]["model"] = HOSTILE
    run["warnings"].append(HOSTILE)
    return run


def test_html_is_self_contained_escaped_and_small() -> None:
    run = hostile_run()
    page = render_html(run, diff_runs(json.loads(REAL.read_text()), run, "old<b>.json", HOSTILE))
    assert len(page.encode()) < 2_000_000
    parser = Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert names.count("script") == 1 and not {"img", "iframe", "object", "embed", "link", "base"} & set(names)
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for a in ("src", "href", "action", "xlink:href"):
            assert attrs.get(a) is None or attrs[a].startswith("#"), (tag, attrs)
    assert not re.search(r"(?:url\(|@import)", page)
    types = {attrs["data-type"] for t, attrs in parser.tags if t == "details" and "data-type" in attrs}
    assert 'fact" onmouseover="window.__xss=3' in types  # the quote stayed inside its attribute
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page and "<mark>Steve Witkoff led the US" in page


def test_eval_command_writes_html_with_what_changed_since_a_baseline(tmp_path: Path, seeded_workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", "--retrieval-only", "--workspace", str(seeded_workspace),
                                      "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"),
                                      "--baseline", str(REAL)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "config mode: full -> retrieval-only" in result.output
    data = json.loads((tmp_path / "r.json").read_text())
    envoy = next(c for c in data["cases"] if c["id"] == "envoy-us")
    assert outcome(envoy) == "retrieved" and envoy["details"]["gold"]["answers"] == ["Witkoff", "Steve Witkoff"]
    top = envoy["details"]["passages"][0]
    assert top["rank"] == 1 and top["doc_id"] == envoy["retrieved"][0] and top["text"]
    page = (tmp_path / "r.html").read_text()
    assert 'id="changes"' in page and "<td>mode</td>" in page
    assert page.count('<details class="case"') == len(data["cases"])


def test_outcomes_and_reasons_of_briefs_and_retrieval_only_cases() -> None:
    brief = {"id": "b", "type": "briefing", "question": "talks", "answer": "# Talks", "abstained": None,
             "metrics": {"brief_mention_rate": 0.5, "brief_cite_rate": 1.0, "brief_coverage": 0.4, "brief_length_ok": True},
             "details": {"missing_mentions": [["Oman", "Muscat"]], "uncited": [], "words": 120}}
    assert outcome(brief) == "wrong" and reason(brief) == "does not mention 'Oman / Muscat'"
    brief["metrics"]["brief_mention_rate"] = 1.0
    assert outcome(brief) == "right"  # coverage is a share, not a check
    missed = case("m", "factual", abstained=None) | {"metrics": {"hit_at_k": False}}
    assert outcome(missed) == "missed" and reason(missed) == "no gold document was retrieved"
    page = render_html({"summary": {}, "cases": [brief, missed]})
    assert "<h3>The brief</h3>" in page and "The model's raw text" not in page
