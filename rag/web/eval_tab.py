"""The chat's Eval tab and its /eval endpoint: run a question suite, or open a saved report, and read it.

Does: offer the question files in tests/eval/ (or any path typed in; the desk checks it), run one in
full or retrieval-only mode with a progress bar updated after each case, then show the summary (each
metric with its threshold and pass/fail), the case table (id, type, outcome, answer) and the
self-contained HTML report and the JSON as downloads; "open a saved report" does the same for an
uploaded `rag eval --json` file without running anything.
The eval runs in its own concurrency group ("eval", one at a time), not in the chat's "model" group:
other users' questions keep flowing, and since the model generates one answer at a time (a lock per
generation), a question waits at most for the eval's current answer.
Does not: score anything (rag.evaluation), build the HTML page (rag.evaluation.html) or hold state.
"""
from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Mapping

import gradio as gr

from rag.core.config import PROJECT_ROOT
from rag.desk import NewsDesk
from rag.evaluation.diff import load_run, outcome
from rag.evaluation.html import fmt, passes, render_html
from rag.web.render import md_escape

EVAL = "eval"  # concurrency group: one eval at a time, beside (not inside) the chat's "model" group
SUITES = PROJECT_ROOT / "tests" / "eval"
MODES = ("retrieval-only", "full")
ANSWER_CHARS = 300  # of each answer in the table; the HTML report has the whole text
HEADERS = ["case", "type", "outcome", "answer"]
MAX_WARNINGS = 3  # a retrieval-only run of seeds.yaml warns 9 times (skipped briefs, unchecked thresholds)


def _readable(b: NewsDesk) -> tuple[Path, ...]:
    """Where the chat may read question files: the shipped suites and the workspace (never elsewhere)."""
    return (SUITES, b.settings.workspace)


def suite_choices() -> list[tuple[str, str]]:
    """(label, path) of each question file in tests/eval/."""
    return [(p.name, str(p)) for p in sorted(SUITES.glob("*.y*ml"))]


def summary_markdown(data: Mapping[str, Any]) -> str:
    """The verdict, then each measured metric with its threshold and pass/fail, as escaped Markdown."""
    summary, thresholds = data.get("summary") or {}, data.get("thresholds") or {}
    failed, cases = data.get("failed") or [], data.get("cases") or []
    config = data.get("config") or {}
    verdict = (f"**FAIL**: {len(failed)} threshold(s) missed" if failed else "**PASS**: every threshold met"
               if thresholds else "no thresholds set")
    counts = Counter(outcome(c) for c in cases)
    lines = [f"### {verdict}",
             f"{len(cases)} cases from `{md_escape(str(data.get('suite') or config.get('questions') or '?'))}`, "
             f"mode {md_escape(str(config.get('mode') or 'not recorded'))}, model "
             f"{md_escape(str(config.get('model') or 'not recorded'))}: "
             + ", ".join(f"{n} {md_escape(o)}" for o, n in counts.most_common()),
             "", "| metric | value | threshold | result |", "|---|---|---|---|"]
    for name, value in summary.items():
        if value is None:
            continue
        level = thresholds.get(name)
        ok = passes(name, value, level)
        lines.append(f"| {md_escape(name)} | {fmt(name, value)} | {'' if level is None else fmt(name, level)} | "
                     f"{'' if ok is None else 'pass' if ok else '**FAIL**'} |")
    lines += [f"- threshold missed: {md_escape(str(f))}" for f in failed]
    warnings = [str(w) for w in data.get("warnings") or []]
    lines += [f"- warning: {md_escape(w)}" for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f"- and {len(warnings) - MAX_WARNINGS} more warnings (all are in the HTML report)")
    return "\n".join(lines)


def case_rows(data: Mapping[str, Any]) -> list[list[str]]:
    """One row per case: id, type, outcome, the start of the answer (plain text; the table escapes it)."""
    return [[str(c.get("id")), str(c.get("type")), outcome(c),
             " ".join(str(c.get("answer") or "").split())[:ANSWER_CHARS]] for c in data.get("cases") or []]


def write_downloads(data: Mapping[str, Any], stem: str) -> list[str]:
    """The HTML report and the JSON in a fresh temp folder: [html path, json path]."""
    folder = Path(tempfile.mkdtemp(prefix="rag-eval-"))
    html_path, json_path = folder / f"{stem}.html", folder / f"{stem}.json"
    html_path.write_text(render_html(data), encoding="utf-8")
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return [str(html_path), str(json_path)]


def show(data: Mapping[str, Any], stem: str) -> tuple[str, list[list[str]], list[str]]:
    return summary_markdown(data), case_rows(data), write_downloads(data, stem)


def eval_tab(b: NewsDesk, guard: Callable[..., Any]) -> None:
    """The tab's controls and events (call inside a `gr.Tab`); `guard` turns RagError into gr.Error."""
    gr.Markdown("Run a question file against the indexed articles, or open a saved `rag eval --json` report. "
                "Questions from other users are answered while an eval runs.")
    choices = suite_choices()
    with gr.Row():
        suite = gr.Dropdown(choices, value=choices[0][1] if choices else None, allow_custom_value=True,
                            label="Question file (choose, or type a path on the server)", elem_id="rag-eval-suite",
                            scale=3)
        mode = gr.Radio(list(MODES), value=MODES[0], label="Mode", elem_id="rag-eval-mode", scale=2,
                        info="retrieval-only loads no chat model and takes seconds")
    briefs = gr.Checkbox(True, label="Include briefing cases (full mode)")
    run = gr.Button("Run eval", variant="primary", elem_id="rag-eval-run")
    with gr.Accordion("Open a saved report", open=False):
        saved = gr.File(file_types=[".json"], type="filepath", label="rag eval --json report",
                        elem_id="rag-eval-open")
    summary = gr.Markdown("No report yet: run a question file, or open a saved report.", elem_id="rag-eval-summary",
                          min_height=60)  # room for the progress bar while a run has not shown anything yet
    table = gr.Dataframe(headers=HEADERS, interactive=False, wrap=True, elem_id="rag-eval-cases",
                         datatype=["str", "str", "str", "str"], column_widths=["18%", "12%", "15%", "55%"])
    downloads = gr.File(label="Report (HTML, opens offline) and JSON", file_count="multiple", interactive=False,
                        elem_id="rag-eval-downloads")

    def run_eval(path: str, mode_: str, briefs_: bool, progress: gr.Progress = gr.Progress()
                 ) -> tuple[str, list[list[str]], list[str]]:
        progress(0, desc="loading")
        data = b.eval_suite(path, mode_, briefs_, lambda done, total, case: progress((done, total), desc=f"case {case} done"),
                            within=_readable(b))
        return show(data, f"eval-{Path(str(path)).stem}-{time.strftime('%Y%m%d-%H%M%S')}")

    def open_saved(path: str | None) -> tuple[str, list[list[str]], list[str]]:
        if not path:
            return "", [], []
        return show(load_run(Path(path)), f"report-{Path(path).stem}")

    run.click(guard(run_eval), [suite, mode, briefs], [summary, table, downloads], concurrency_id=EVAL,
              concurrency_limit=1, api_visibility="private", show_progress_on=[summary])
    saved.upload(guard(open_saved), saved, [summary, table, downloads], concurrency_limit=None,
                 api_visibility="private")


def eval_api(b: NewsDesk, guard: Callable[..., Any]) -> None:
    """/eval: run a question file (mode full | retrieval-only | shortcut); the JSON of `rag eval --json`."""

    def evaluate(questions: str, mode: str = "full", briefs: bool = True) -> dict[str, Any]:
        """Run a question file on the server; returns the report as `rag eval --json` writes it."""
        return b.eval_suite(questions, mode or "full", bool(briefs), within=_readable(b))

    gr.api(guard(evaluate), api_name="eval", concurrency_id=EVAL, concurrency_limit=1)
