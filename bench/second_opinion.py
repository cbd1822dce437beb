"""The model's second opinion (rag.answer.second, setting `second_opinion`) measured on saved answers.

1. Collects every borderline sentence (a supported sentence that fills the asked slot while its evidence
   holds none of the question's relation verbs) from the saved default-model eval reports (the model's
   saved text checked against sources rebuilt from the saved passages, as bench/replay_checker.py does)
   and from the hand-labelled pair sets (tests/verify/pairs.yaml, heldout.yaml).
2. Labels each one: a report case that is answerable and whose saved answer is correct per its gold is
   "right"; an unanswerable case is "wrong" (an answerable case answered wrongly too); a pair is "right"
   when labelled supported. Answerable cases without gold answers are unlabelled.
3. Asks `--model` once per (claim, evidence) with rag.answer.second.entails and prints the confusion
   table (right kept / thrown, wrong caught / passed, unclear replies) and seconds per call.
4. Replays every report with the judge off and on (the verdicts of step 3; no more model calls): answer
   accuracy, false abstention, abstention on unanswerable questions, citation support; and the pair
   sets' precision / recall / F1 of `supported`.

The model's text is the saved one (a replay, not an eval), and the sources lack the title/publisher/
date the model saw (bench/replay_checker.py). Does not change a setting or write a report.

Usage (the lead, default model):
  PYTHONPATH=$PWD .venv/bin/python -m bench.second_opinion --model qwen2.5-coder-1.5b [--json out.json]
Default model: the tiny smollm2-135m, whose verdicts are noise (a plumbing check only).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from bench.context import ROOT, TINY_MODEL
from bench.replay_checker import replay, sources
from rag.answer import cite, second
from rag.core.config import load_settings
from rag.core.prompts import Prompts
from rag.evaluation.cases import load_suite
from rag.evaluation.evaluate import is_correct
from rag.evaluation.verifier_bench import cite_checker, evaluate, load_pairs
from rag.text.markers import strip_markers

REPORTS = tuple(ROOT / "bench" / "results" / f"eval-{n}-qwen1.5b-2026-11-30.json"
                for n in ("seeds", "wikinews", "wikinews-time", "rgb", "rgb-counterfactual"))
PAIRS = (ROOT / "tests" / "verify" / "pairs.yaml", ROOT / "tests" / "verify" / "heldout.yaml")
Judge = Callable[[str, str], "bool | None"]


@dataclass(frozen=True)
class Borderline:
    origin: str  # "seeds:case-id" or "pairs:item-id"
    question: str
    claim: str
    evidence: str
    label: str | None  # "right", "wrong"; None when the gold cannot tell


def _recorder(into: list[tuple[str, str]]) -> Judge:
    """A judge that says nothing and records what it was asked: the borderline sentences of a check."""
    def judge(claim: str, evidence: str) -> None:
        into.append((claim, evidence))
    return judge


def from_reports(paths: tuple[Path, ...]) -> list[Borderline]:
    out: list[Borderline] = []
    for path in paths:
        report = json.loads(path.read_text(encoding="utf-8"))
        cases = {c.id: c for c in load_suite(Path(report["suite"])).cases}
        for row in report["cases"]:
            case, details = cases.get(row["id"]), row.get("details") or {}
            raw = details.get("raw") or ""
            if case is None or case.type == "briefing" or not raw.strip() or "passages" not in details:
                continue
            asked: list[tuple[str, str]] = []
            cite.verify(raw, sources(details), row["question"], _recorder(asked))
            ok = None if case.type == "unanswerable" else is_correct(strip_markers(raw), case)
            label = "wrong" if case.type == "unanswerable" or ok is False else "right" if ok else None
            out += [Borderline(f"{path.stem}:{row['id']}", row["question"], c, e, label)
                    for c, e in dict.fromkeys(asked)]
    return out


def from_pairs(paths: tuple[Path, ...]) -> list[Borderline]:
    out: list[Borderline] = []
    for path in paths:
        for item in load_pairs(path).items:
            asked: list[tuple[str, str]] = []
            cite_checker(item, _recorder(asked))
            out += [Borderline(f"{path.stem}:{item.id}", item.question, c, e,
                               "right" if item.label == "supported" else "wrong") for c, e in dict.fromkeys(asked)]
    return out


def ask_model(items: list[Borderline], model: str, threads: int | None) -> tuple[dict[tuple[str, str], bool | None],
                                                                                 list[float]]:
    """The model's verdict per (claim, evidence), and the seconds each call took."""
    from rag.desk import load_llm

    s = load_settings({"model": model, "n_ctx": 2048, "n_threads": threads})
    llm, prompts = load_llm(s), Prompts(s.prompts_dir)
    verdicts: dict[tuple[str, str], bool | None] = {}
    took: list[float] = []
    for it in items:
        if (it.claim, it.evidence) not in verdicts:
            t0 = time.perf_counter()
            verdicts[it.claim, it.evidence] = second.entails(llm, prompts, it.claim, it.evidence)
            took.append(time.perf_counter() - t0)
    return verdicts, took


def confusion(items: list[Borderline], verdicts: dict[tuple[str, str], bool | None]) -> dict[str, int]:
    """A "no" throws a right sentence away or catches a wrong one; "yes" and unclear keep today's verdict."""
    out = dict.fromkeys(("right_kept", "right_thrown", "wrong_caught", "wrong_passed", "unlabelled", "unclear"), 0)
    for it in items:
        v = verdicts[it.claim, it.evidence]
        out["unclear"] += v is None
        if it.label is None:
            out["unlabelled"] += 1
        else:
            out[("right_thrown" if v is False else "right_kept") if it.label == "right"
                else ("wrong_caught" if v is False else "wrong_passed")] += 1
    return out


def replays(paths: tuple[Path, ...], judge: Judge | None) -> dict[str, dict[str, Any]]:
    checker = SimpleNamespace(verify=lambda raw, srcs, q: cite.verify(raw, srcs, q, judge))
    out = {}
    for path in paths:
        report = json.loads(path.read_text(encoding="utf-8"))
        cases = {c.id: c for c in load_suite(Path(report["suite"])).cases}
        out[path.stem] = replay(report, cases, checker)
    return out


def pair_scores(paths: tuple[Path, ...], judge: Judge | None) -> dict[str, dict[str, float | None]]:
    out = {}
    for path in paths:
        o = evaluate(load_pairs(path).items, partial(cite_checker, judge=judge)).overall
        out[path.stem] = {"precision": o.precision, "recall": o.recall, "f1": o.f1}
    return out


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def render(items: list[Borderline], table: dict[str, int], took: list[float], off: dict, on: dict,
           pairs_off: dict, pairs_on: dict, model: str) -> str:
    lines = [f"second opinion by {model}: {len(items)} borderline sentences "
             f"({sum(i.origin.startswith('eval-') for i in items)} from reports, "
             f"{sum(not i.origin.startswith('eval-') for i in items)} from pairs), {len(took)} model calls",
             "  " + "  ".join(f"{k} {v}" for k, v in table.items())]
    if took:
        answers = sum(len(r["abstained"]) for r in off.values())  # the replayed answers (model text saved)
        calls = sum(i.origin.startswith("eval-") for i in items)
        asking = len({i.origin for i in items if i.origin.startswith("eval-")})
        lines.append(f"  seconds per call: p50 {statistics.median(took):.2f}, max {max(took):.2f}, "
                     f"mean {statistics.mean(took):.2f}; {asking} of {answers} replayed answers ask the model, "
                     f"{calls / max(answers, 1):.2f} calls per answer: "
                     f"+{calls / max(answers, 1) * statistics.mean(took):.2f} s per answer on average")
    names = ("answer_accuracy", "false_abstention_rate", "abstention_rate_unanswerable", "citation_support")
    lines.append(f"{'replay (judge off -> on)':<44}" + "".join(f"{n[:22]:>24}" for n in names))
    for stem in off:
        lines.append(f"{stem:<44}" + "".join(f"{_f(off[stem][n]) + ' -> ' + _f(on[stem][n]):>24}" for n in names))
        flips = [c for c, a in on[stem]["abstained"].items() if a != off[stem]["abstained"].get(c)]
        lines.append(f"{'':<4}abstention changed: {', '.join(flips) or 'none'}")
    for stem in pairs_off:
        lines.append(f"pairs {stem}: " + ", ".join(f"{k} {_f(pairs_off[stem][k])} -> {_f(pairs_on[stem][k])}"
                                                   for k in ("precision", "recall", "f1")))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=TINY_MODEL)
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: the settings')")
    ap.add_argument("--limit", type=int, default=None, help="ask about the first N borderline sentences only")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    items = from_reports(REPORTS) + from_pairs(PAIRS)
    asked = items[:args.limit] if args.limit is not None else items
    verdicts, took = ask_model(asked, args.model, args.threads)
    table = confusion(asked, verdicts)
    judge = lambda claim, evidence: verdicts.get((claim, evidence))  # noqa: E731 - unasked: no opinion
    off, on = replays(REPORTS, None), replays(REPORTS, judge)
    pairs_off, pairs_on = pair_scores(PAIRS, None), pair_scores(PAIRS, judge)
    print(render(asked, table, took, off, on, pairs_off, pairs_on, args.model))
    for it in asked:
        v = verdicts[it.claim, it.evidence]
        print(f"  {it.label or '?':<5} {'yes' if v else '?' if v is None else 'no':<3} {it.origin}: {it.claim}")
    if args.json:
        args.json.write_text(json.dumps({"model": args.model, "table": table, "seconds": took,
                                         "items": [{**asdict(i), "verdict": verdicts[i.claim, i.evidence]}
                                                   for i in asked],
                                         "replay_off": off, "replay_on": on, "pairs_off": pairs_off,
                                         "pairs_on": pairs_on}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
