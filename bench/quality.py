"""Section "quality": the `rag eval` summary on tests/eval/seeds.yaml for each chat preset, in one
table. Runs `rag.evaluation.evaluate.run_suite` with the same ask path as `rag eval` (`rag.answer.ask.ask` on an
assistant from `rag.desk`); briefing cases are left out (see the "briefing" section).
Full: every question case, for smollm2-135m, qwen2.5-coder-0.5b and qwen2.5-coder-1.5b (the longest
section: about 35 questions x ~15 s for the 1.5B); quick: 5 questions, tiny and fast models only.
Leaves each case, scored by `bench.scoring`, in `ctx.shared["quality"]` for the "peer" comparison, and
writes each preset's `rag eval` report beside the result file: <result>-quality-<preset>.html (the
self-contained page of `rag eval --html`) and .json (what `rag eval --json` writes; `rag eval --compare`
takes two of them).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from bench.context import DEFAULT_MODEL, FAST_MODEL, QUESTIONS, TINY_MODEL, Context, pick
from bench.report import Result, Table, progress
from bench.scoring import score
from rag import desk as app
from rag.answer.ask import ask
from rag.core.types import Answer
from rag.evaluation.cases import Case, Suite
from rag.evaluation.evaluate import CaseResult, Report, run_suite
from rag.evaluation.html import render_html
from rag.retrieval.retrieve import retrieve

METRICS = ("answer_accuracy", "abstention_rate", "false_abstention_rate", "citation_support", "gold_cite_hit",
           "ttft_ms_p50", "total_ms_p50")


def cases_for(ctx: Context) -> list[Case]:
    cases = ctx.question_cases()
    return pick(cases, 3, 2) if ctx.quick else cases


def presets(ctx: Context) -> tuple[str, ...]:
    return (TINY_MODEL, FAST_MODEL) if ctx.quick else (TINY_MODEL, FAST_MODEL, DEFAULT_MODEL)


def evaluate(ctx: Context, model: str, cases: Sequence[Case]) -> tuple[dict[str, Any], list[dict], float]:
    """run_suite over `cases` with `model`: (summary, each case scored by bench.scoring, seconds)."""
    index = ctx.seeds_index()
    s = ctx.settings(model=model)
    a = app.assistant(s, index)
    suite = Suite(tuple(cases), {}, str(QUESTIONS))
    done: list[CaseResult] = []
    answers: dict[str, Answer] = {}

    def answer(question: str) -> Answer:
        answers[question] = ask(a, question)
        return answers[question]

    def on_case(r: CaseResult) -> None:
        done.append(r)
        progress(f"quality: {model} {len(done)}/{len(cases)} {r.id} "
                 f"({(r.metrics.get('total_ms') or 0) / 1000:.1f} s)")

    t0 = time.perf_counter()
    report = run_suite(suite, retrieve=lambda q: retrieve(index, q, s.k), ask=answer, brief=None,
                       index_doc_ids=set(index.documents()), on_case=on_case)
    seconds = time.perf_counter() - t0
    write_report(ctx, model, report, app.NewsDesk(s, index=index))
    scored = []
    for c in cases:
        ans = answers[c.question]
        scored.append(score(c, ans.answer, {s.n: s.text for s in ans.sources}, ans.timings.total_ms / 1000,
                            says_abstained=ans.abstained, model_text=getattr(ans, "raw", None) or None))
    return dict(report.summary), scored, seconds


def report_paths(out: Path, model: str) -> tuple[Path, Path]:
    """Where a preset's report goes beside the result file: (html, json)."""
    stem = out.with_name(f"{out.stem}-quality-{model}")
    return stem.with_suffix(".html"), stem.with_suffix(".json")


def write_report(ctx: Context, model: str, report: Report, desk: app.NewsDesk) -> None:
    """The preset's eval report as `rag eval --html` and `--json` write it (nothing without a result file)."""
    if ctx.out is None:
        return
    data = desk.eval_json(report, "full", QUESTIONS)
    html_path, json_path = report_paths(ctx.out, model)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_html(data, title=f"rag eval: {model} on the seed questions"), encoding="utf-8")
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    progress(f"quality: wrote {html_path.name} and {json_path.name}")


def run(ctx: Context) -> Result:
    cases = cases_for(ctx)
    r = Result()
    t = Table(f"rag eval on {len(cases)} seed questions (briefing cases left out)",
              ["model", *METRICS, "minutes"])
    for model in presets(ctx):
        progress(f"quality: {model}, {len(cases)} questions")
        summary, scored, seconds = evaluate(ctx, model, cases)
        ctx.release()
        ctx.shared.setdefault("quality", {})[model] = scored
        r.data[model] = {"summary": summary, "seconds": seconds, "cases": scored,
                         **({"report": report_paths(ctx.out, model)[0].name} if ctx.out else {})}
        t.add(model, *(summary.get(m) for m in METRICS), seconds / 60)
    r.tables.append(t)
    if ctx.out:
        r.notes.append(f"each preset's full report: {report_paths(ctx.out, '<preset>')[0].name} beside the results")
    r.notes.append("rates are shares of the cases each metric applies to; times in ms; citation_support = share of "
                   "the model's citations that the verifier accepted")
    return r
