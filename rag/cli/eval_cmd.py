"""`rag eval`: run the question suite through the same code path as `rag ask` and score it."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from rag import app
from rag.ask import ask
from rag.cli.base import cli, err, out, settings, settings_options
from rag.config import PROJECT_ROOT
from rag.eval_cases import load_suite, require_sources
from rag.evaluate import CaseResult, Report, compare, report_to_json, run_suite, shortcut_ask
from rag.retrieve import retrieve

DEFAULT_QUESTIONS = PROJECT_ROOT / "tests" / "eval" / "seeds.yaml"


@cli.command("eval")
@click.option("--questions", type=click.Path(path_type=Path), default=DEFAULT_QUESTIONS, show_default=True,
              help="Question file (YAML or JSONL).")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the full report here.")
@click.option("--k", type=int, help="Number of chunks to retrieve [RAG_K].")
@click.option("--retrieval-only", is_flag=True, help="Score retrieval only; no model is loaded (fast).")
@click.option("--shortcut", is_flag=True, help="ALCE baseline: answer = the top retrieved chunk verbatim.")
@click.option("--no-briefs", is_flag=True, help="Skip briefing cases.")
@click.option("--baseline", type=click.Path(path_type=Path, exists=True), help="An earlier --json report to compare.")
@settings_options
def eval_command(questions: Path, json_out: Path | None, retrieval_only: bool, shortcut: bool, no_briefs: bool,
                 baseline: Path | None, **flags: Any) -> None:
    """Score answers and briefings against fixed test questions; exit 1 when a threshold is missed."""
    s = settings(flags)
    suite = load_suite(questions)  # a malformed file stops here, before anything runs
    index = app.open_index(s)
    docs = index.documents()
    require_sources(suite, set(docs), s.chroma_url or str(s.workspace))
    find = lambda q: retrieve(index, q, s.k)  # noqa: E731
    answer_fn = brief_fn = None
    if not (retrieval_only or shortcut):
        a = app.assistant(s, index)
        answer_fn = lambda q: ask(a, q)  # noqa: E731
        if not no_briefs:
            brief_fn = _brief_runner(a)
    elif shortcut:
        answer_fn = shortcut_ask(find)
    with Progress(TextColumn("eval"), BarColumn(), TextColumn("{task.completed}/{task.total} {task.description}"),
                  TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=len(suite.cases))
        done: list[CaseResult] = []

        def on_case(r: CaseResult) -> None:
            done.append(r)
            bar.update(task, advance=1, description=_running_score(done))

        report = run_suite(suite, retrieve=find, ask=answer_fn, brief=brief_fn, index_doc_ids=set(docs),
                           on_case=on_case)
    _print_cases(report)
    _print_summary(report, baseline)
    if json_out:
        mode = "retrieval-only" if retrieval_only else "shortcut" if shortcut else "full"
        config = {"model": s.model, "embed_model": s.embed_model, "k": s.k, "mode": mode,
                  "chunk_tokens": s.chunk_tokens, "chunk_overlap": s.chunk_overlap,
                  "prompts": app.Prompts(s.prompts_dir).version(), "questions": str(questions)}
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report_to_json(report, config), indent=2))
        err.print(f"wrote {json_out}")
    for w in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {w}")
    if report.failed:
        for f in report.failed:
            err.print(f"[red]threshold missed:[/red] {f}")
        sys.exit(1)


@dataclass(frozen=True)
class BriefRun:
    text: str
    cited_doc_ids: tuple[str, ...]
    sentences_total: int
    sentences_cited: int


def _brief_runner(a: Any) -> Any:
    from rag import brief as briefing

    def run(case: Any) -> BriefRun:
        b = briefing.brief(a, topic=case.topic, words=case.max_words or 400)
        total, cited = briefing.sentence_counts(b)
        return BriefRun(briefing.render_markdown(b, safe=False), briefing.cited_doc_ids(b), total, cited)

    return run


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


def _print_summary(report: Report, baseline: Path | None) -> None:
    table = Table("metric", "value", *(["baseline", "change"] if baseline else []))
    changes = {}
    if baseline:
        old = json.loads(baseline.read_text()).get("summary", {})
        changes = {c.metric: c for c in compare(report.summary, old)}
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
