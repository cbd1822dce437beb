"""`rag eval`: run the question suite through the same code path as `rag ask` and score it."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from rag.cli.base import cli, desk, err, out, settings_options
from rag.core.config import PROJECT_ROOT
from rag.evaluation import verifier_bench
from rag.evaluation.cases import load_suite
from rag.evaluation.diff import RunDiff, diff_runs, load_run
from rag.evaluation.evaluate import CaseResult, Report, compare
from rag.evaluation.html import render_html

DEFAULT_QUESTIONS = PROJECT_ROOT / "tests" / "eval" / "seeds.yaml"
DEFAULT_PAIRS = PROJECT_ROOT / "tests" / "verify" / "pairs.yaml"


@cli.command("eval")
@click.option("--questions", type=click.Path(path_type=Path), default=DEFAULT_QUESTIONS, show_default=True,
              help="Question file (YAML or JSONL).")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the full report here.")
@click.option("--k", type=int, help="Number of chunks to retrieve [RAG_K].")
@click.option("--retrieval-only", is_flag=True, help="Score retrieval only; no model is loaded (fast).")
@click.option("--shortcut", is_flag=True, help="ALCE baseline: answer = the top retrieved chunk verbatim.")
@click.option("--as-of", "as_of", help="Reference date of cases without their own as_of (default: the newest "
              "article's date), e.g. 2004-11-17.")
@click.option("--no-briefs", is_flag=True, help="Skip briefing cases.")
@click.option("--baseline", type=click.Path(path_type=Path, exists=True), help="An earlier --json report to compare.")
@click.option("--html", "html_out", type=click.Path(path_type=Path),
              help="Write a self-contained HTML report here (with what changed, given --baseline or --compare).")
@click.option("--compare", "compare_paths", nargs=2, type=click.Path(path_type=Path, exists=True),
              metavar="OLD.json NEW.json", help="Compare two saved --json reports; runs nothing.")
@click.option("--verifier", is_flag=True,
              help="Score the citation checker on labelled claim/evidence pairs (no model is loaded).")
@click.option("--pairs", type=click.Path(path_type=Path), default=DEFAULT_PAIRS, show_default=True,
              help="Pair file for --verifier.")
@settings_options
def eval_command(questions: Path, json_out: Path | None, retrieval_only: bool, shortcut: bool, no_briefs: bool,
                 baseline: Path | None, html_out: Path | None, compare_paths: tuple[Path, Path] | None,
                 verifier: bool, pairs: Path, as_of: str | None, **flags: Any) -> None:
    """Score answers and briefings against fixed test questions; exit 1 when a threshold is missed."""
    if compare_paths:
        _compare_runs(*compare_paths, html_out)
        return
    if verifier:
        _eval_verifier(pairs, json_out)
        return
    suite = load_suite(questions)  # a malformed file stops here, before anything runs
    old = load_run(baseline) if baseline else None  # and so does a baseline that is not a report
    d = desk(flags)
    mode = "retrieval-only" if retrieval_only else "shortcut" if shortcut else "full"
    with Progress(TextColumn("eval"), BarColumn(), TextColumn("{task.completed}/{task.total} {task.description}"),
                  TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=len(suite.cases))
        done: list[CaseResult] = []

        def on_case(r: CaseResult) -> None:
            done.append(r)
            bar.update(task, advance=1, description=_running_score(done))

        report = d.evaluate(suite, mode, briefs=not no_briefs, on_case=on_case, as_of=as_of)
    _print_cases(report)
    _print_summary(report, old)
    _write_outputs(d.eval_json(report, mode, questions), old, baseline, json_out, html_out)
    for w in report.warnings:
        err.print("[yellow]warning:[/yellow] ", end="")
        err.print(w, markup=False)
    if report.failed:
        for f in report.failed:
            err.print("[red]threshold missed:[/red] ", end="")
            err.print(f, markup=False)
        sys.exit(1)


def _eval_verifier(pairs: Path, json_out: Path | None) -> None:
    report = verifier_bench.run_pairs(pairs)  # a malformed pair file raises EvalFileError: exit 2
    out.print(verifier_bench.render(report), markup=False, highlight=False, soft_wrap=True)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(verifier_bench.report_to_json(report), indent=2))
        err.print(f"wrote {json_out}")
    if report.failed:
        sys.exit(1)


def _running_score(done: list[CaseResult]) -> str:
    scored = [r.metrics.get("answer_accuracy") for r in done if r.metrics.get("answer_accuracy") is not None]
    hits = [r.metrics.get("hit_at_k") for r in done if r.metrics.get("hit_at_k") is not None]
    parts = []
    if scored:
        parts.append(f"correct {sum(map(bool, scored))}/{len(scored)}")
    if hits:
        parts.append(f"hit {sum(map(bool, hits))}/{len(hits)}")
    return ", ".join(parts)


def _mark(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return f"{value:.2f}"


def _print_cases(report: Report) -> None:
    table = Table("case", "type", "hit", "correct", "abstained", "cites ok", "ms", "answer")
    table.columns[-1].overflow, table.columns[-1].max_width = "ellipsis", 60
    for r in report.cases:
        m = r.metrics
        correct = m.get("answer_accuracy", m.get("abstention_rate", m.get("brief_mention_rate")))
        table.add_row(Text(r.id), r.type, _mark(m.get("hit_at_k")), _mark(correct), _mark(r.abstained),
                      _mark(m.get("citation_support")), f"{m['total_ms']:.0f}" if m.get("total_ms") else "-",
                      Text((r.answer or "").replace("\n", " ")[:200]))  # Text: model output is not markup
    out.print(table)


def _print_summary(report: Report, baseline: dict[str, Any] | None) -> None:
    table = Table("metric", "value", *(["baseline", "change"] if baseline else []))
    changes = {}
    if baseline:
        changes = {c.metric: c for c in compare(report.summary, baseline.get("summary", {}))}
    for name, value in report.summary.items():
        if value is None:
            continue
        row = [name, f"{value:.3f}" if value <= 1 else f"{value:.0f}"]
        if baseline:
            c = changes.get(name)
            row += [f"{c.old:.3f}" if c and c.old is not None else "-",
                    (f"{c.delta:+.3f}" + (" REGRESSED" if c.regressed else "")) if c and c.delta is not None else "-"]
        table.add_row(*row)
    out.print(table)
    _print_by_tag(report)


def _print_by_tag(report: Report) -> None:
    """The headline metrics again for each tag's cases (e.g. the date questions), when the suite tags any."""
    if not report.by_tag:
        return
    names = ("hit_at_k", "mrr_at_k", "answer_accuracy", "abstention_rate", "false_abstention_rate")
    table = Table("tag", *names)
    for tag, summary in report.by_tag.items():
        table.add_row(tag, *(_mark(summary.get(n)) for n in names))
    out.print(table)


def _compare_runs(old_path: Path, new_path: Path, html_out: Path | None) -> None:
    """`--compare`: the diff of two saved reports, as text and, when asked, as HTML."""
    new = load_run(new_path)
    diff = diff_runs(load_run(old_path), new, str(old_path), str(new_path))
    _print_diff(diff)
    if html_out:
        _write_html(html_out, new, diff)


def _write_outputs(data: dict[str, Any], old: dict[str, Any] | None, baseline: Path | None,
                   json_out: Path | None, html_out: Path | None) -> None:
    """What changed since the baseline (flipped cases), then the JSON and HTML files asked for."""
    diff = diff_runs(old, data, str(baseline), "this run") if old is not None else None
    if diff:
        _print_diff(diff, metrics=False)  # the summary table above has the metric changes
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(data, indent=2))
        err.print(f"wrote {json_out}")
    if html_out:
        _write_html(html_out, data, diff)


def _write_html(path: Path, data: dict[str, Any], diff: RunDiff | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data, diff), encoding="utf-8")
    err.print(f"wrote {path}")


def _print_diff(diff: RunDiff, metrics: bool = True) -> None:
    """Flipped cases, then (optionally) metric deltas, then configuration differences."""
    out.print(f"{diff.old_name} -> {diff.new_name}: {len(diff.fixed)} fixed, {len(diff.broken)} broken, "
              f"{len(diff.changed)} changed, {len(diff.added)} added, {len(diff.removed)} removed")
    flips = diff.broken + diff.fixed + diff.changed
    if flips:
        table = Table("case", "type", "was", "now", "flip")
        for f in flips:
            table.add_row(f.case_id, f.type, f.old, f.new, f.kind.upper() if f.kind == "broken" else f.kind)
        out.print(table)
    if metrics:
        table = Table("metric", "old", "new", "change")
        for c in diff.metrics:
            table.add_row(c.metric, _mark(c.old), _mark(c.new),
                          "-" if c.delta is None else f"{c.delta:+.3f}" + (" REGRESSED" if c.regressed else ""))
        out.print(table)
    for c in diff.config:
        out.print(f"config {c.key}: {c.old} -> {c.new}")
