"""The citation-checker benchmark: its metric formulas (fake checker), the pair file itself (size,
categories, labels, evidence copied verbatim from real articles), the CLI, and today's checker
against the thresholds."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import cli
from rag.core.config import PROJECT_ROOT
from rag.core.errors import EvalFileError
from rag.evaluation.verifier_bench import (
    CATEGORIES,
    CONTRADICTION_CATEGORIES,
    LABELS,
    PairItem,
    cite_checker,
    evaluate,
    load_pairs,
    render,
    report_to_json,
    run_pairs,
)

PAIRS = PROJECT_ROOT / "tests" / "verify" / "pairs.yaml"
_WIKINEWS = [root / "shared" / "corpora" / "wikinews-dev" / "docs"
             for root in (PROJECT_ROOT, PROJECT_ROOT.parent, PROJECT_ROOT.parent.parent)]


def _item(id_: str, category: str, label: str) -> PairItem:
    return PairItem(id=id_, category=category, label=label, question="q?", claim=f"claim {id_} [1].",
                    evidence="e.")


# A tiny fixed list: the fake checker passes exactly the ids in PASS.
TINY = [
    _item("a1", "verbatim", "supported"), _item("a2", "verbatim", "supported"),
    _item("a3", "verbatim", "unsupported"), _item("b1", "paraphrase", "supported"),
    _item("b2", "paraphrase", "contradicted"), _item("n1", "negation_flip", "contradicted"),
    _item("n2", "negation_flip", "contradicted"), _item("n3", "negation_flip", "contradicted"),
    _item("n4", "negation_flip", "contradicted"),
]
PASS = {"a1", "a2", "a3", "b2", "n1"}


def fake_checker(item: PairItem) -> bool:
    return item.id in PASS


def test_metrics_are_exact_on_a_fixed_list():
    report = evaluate(TINY, fake_checker, {"supported_precision": 0.5, "supported_recall": 0.9,
                                           "contradiction_rejected": 0.75})
    o = report.overall
    # supported: a1 a2 b1; predicted supported: a1 a2 a3 b2 n1 -> TP 2, FP 3, FN 1
    assert (o.items, o.supported, o.true_pos, o.false_pos, o.false_neg) == (9, 3, 2, 3, 1)
    assert o.precision == pytest.approx(2 / 5) and o.recall == pytest.approx(2 / 3)
    assert o.f1 == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))
    assert o.contradicted == 5 and o.rejected == pytest.approx(3 / 5)
    by = {c.category: c for c in report.categories}
    assert [c.category for c in report.categories] == ["verbatim", "paraphrase", "negation_flip"]
    assert (by["verbatim"].precision, by["verbatim"].recall) == (pytest.approx(2 / 3), 1.0)
    assert by["verbatim"].rejected is None  # no contradicted items there
    assert (by["paraphrase"].precision, by["paraphrase"].recall, by["paraphrase"].f1) == (0.0, 0.0, 0.0)
    assert by["negation_flip"].precision == 0.0 and by["negation_flip"].recall is None
    assert by["negation_flip"].f1 is None and by["negation_flip"].rejected == 0.75
    assert [(c.id, c.predicted_supported) for c in report.confusions] == [
        ("a3", True), ("b1", False), ("b2", True), ("n1", True)]
    assert report.failed == ("supported_precision 0.400 < 0.50", "supported_recall 0.667 < 0.90")


def test_no_predicted_supported_misses_precision_and_render_shows_it():
    report = evaluate(TINY, lambda item: False, {"supported_precision": 0.1, "contradiction_rejected": 0.9})
    assert report.overall.precision is None and report.overall.recall == 0.0
    assert report.failed == ("supported_precision - < 0.10",)
    text = render(report)
    assert "MISSED: supported_precision - < 0.10" in text and "confusion cases (3):" in text
    assert json.loads(json.dumps(report_to_json(report)))["overall"]["true_pos"] == 0


@pytest.mark.parametrize("body, needle", [
    ("items:\n  - {id: x1, category: verbatim, label: maybe, question: q, claim: c, evidence: e}\n", "'x1'"),
    ("items:\n  - {id: x2, category: vibes, label: supported, question: q, claim: c, evidence: e}\n", "'x2'"),
    ("items:\n  - {id: x3, category: verbatim, label: supported, question: q, claim: c}\n", "'x3'"),
    ("items:\n  - {id: x4, category: partial, label: unsupported, question: q, claim: c, evidence: e}\n", "'x4'"),
    ("items:\n  - {id: x5, category: verbatim, label: supported, question: q, claim: c, evidence: e, extra: 1}\n",
     "'x5'"),
    ("items:\n  - just a string\n", "item #1"),
    (("thresholds: {recall: 0.9}\nitems:\n  - {id: x6, category: verbatim, label: supported, question: q, "
      "claim: c, evidence: e}\n"), "unknown name"),
])
def test_a_malformed_item_is_named(tmp_path: Path, body: str, needle: str):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(EvalFileError, match=re.escape(needle)):
        load_pairs(path)


def test_the_pair_file_is_big_balanced_and_labelled():
    pairs = load_pairs(PAIRS)
    items = pairs.items
    assert len(items) >= 300
    counts = Counter(it.category for it in items)
    assert set(counts) == set(CATEGORIES)
    for category in CATEGORIES:
        assert counts[category] >= (25 if category in CONTRADICTION_CATEGORIES else 18), category
    for it in items:
        assert it.label in LABELS
        assert "[1]" in it.claim, it.id
        if it.category in CONTRADICTION_CATEGORIES:
            assert it.label == "contradicted", it.id
        if it.category == "partial":
            assert it.label == "unsupported" and it.supported_part, it.id
    for category in ("verbatim", "paraphrase", "synonym", "question_terms", "number_words", "dates", "metadata",
                     "hedged", "framing"):  # positives and negatives side by side
        assert {it.label == "supported" for it in items if it.category == category} == {True, False}, category
    assert set(pairs.thresholds) == {"supported_precision", "supported_recall", "contradiction_rejected"}


def _norm(text: str) -> str:
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'}))
    return " ".join(text.split())


def test_every_evidence_is_copied_verbatim_from_an_article():
    docs = next((d for d in _WIKINEWS if d.is_dir()), None)
    if docs is None:
        pytest.skip("the wikinews-dev corpus (shared/corpora) is not next to this checkout")
    articles = {p.stem: _norm(p.read_text(encoding="utf-8"))
                for p in [*sorted((PROJECT_ROOT / "seeds").glob("*.txt")), *sorted(docs.glob("*.txt"))]}
    used: set[str] = set()
    for it in load_pairs(PAIRS).items:
        found = [stem for stem, text in articles.items() if _norm(it.evidence) in text]
        assert found, f"{it.id}: evidence not found in any article"
        used.add(found[0])
        if it.supported_part:
            assert _norm(it.supported_part).rstrip(".") in _norm(it.claim), it.id
    assert len(used) >= 30


def test_cli_prints_the_report_and_writes_json(tmp_path: Path):
    path = tmp_path / "pairs.yaml"
    path.write_text("items:\n  - {id: v1, category: verbatim, label: supported, question: 'Who chairs it?',\n"
                    "     claim: 'Mr Lampert will stay on as chairman [1].',\n"
                    "     evidence: 'Mr Lampert will stay on as chairman of the new retail giant.'}\n")
    result = CliRunner().invoke(cli, ["eval", "--verifier", "--pairs", str(path), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "citation checker on" in result.output and "verbatim" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["overall"]["items"] == 1


def test_cli_exit_status_follows_thresholds_and_file_errors(tmp_path: Path):
    path = tmp_path / "pairs.yaml"
    path.write_text("thresholds: {supported_recall: 1.0}\nitems:\n"
                    "  - {id: u1, category: verbatim, label: supported, question: q, claim: 'Zzz qqq [1].',"
                    " evidence: 'Nothing alike here.'}\n")
    missed = CliRunner().invoke(cli, ["eval", "--verifier", "--pairs", str(path)])
    assert missed.exit_code == 1 and "MISSED: supported_recall" in missed.output
    path.write_text("items: [1, 2]\n")
    broken = CliRunner().invoke(cli, ["eval", "--verifier", "--pairs", str(path)])
    flat = " ".join(broken.output.split())  # the console wraps long paths
    assert broken.exit_code == 2 and "item #1" in flat and "Traceback" not in broken.output


def test_todays_checker_meets_the_thresholds_on_the_pair_file():
    report = run_pairs(PAIRS, cite_checker)
    assert not report.failed, "\n" + render(report, max_confusions=0)
