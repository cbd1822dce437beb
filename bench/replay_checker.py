"""Replay the citation checker over the raw answers of a saved `rag eval --json` report.

Re-runs only the decide step of `rag.answer.ask.decide` (verify + the supported-share abstention rule,
the asked-slot rule (`Verification.answers`) and the "not in sources" phrase rule) on each case's saved
model text, once with the checker at a git revision (default: the merge base before issue #16; the
whole `rag/` package of that revision is unpacked and run in a child process, so an old cite.py runs
with its own support, claims and text modules) and once with the checker in this tree, and
prints answer accuracy, false abstention, abstention on unanswerable questions, citation support
and the checker's time per answer (p50, p95) for both.

This is a replay, not an eval: the model's text is the one saved in the report; a prompt or model
change would change it. The sources are rebuilt from the saved passages (each numbered source = the
saved chunks of its article, in chunk order), without the title/publisher/date the model saw, so
metadata claims cannot be supported here. Cases that abstained before the model ran (nothing
relevant retrieved) have no text and stay abstained.

A report saved before the eval kept its passages (details without "passages") can be replayed with
`--reretrieve DIR`: DIR (e.g. seeds/) is ingested into a temporary workspace and each question is
retrieved again (same k and embedder as the defaults); the sources are then one per retrieved
article, numbered in rank order. That is an approximation of what the model saw.

Usage: PYTHONPATH=$PWD python bench/replay_checker.py REPORT.json [--questions Q.yaml] [--old-rev 79ffff7]
                                                      [--json OUT] [--reretrieve seeds/]
Times are wall-clock on a shared machine: compare old and new within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rag.answer import cite
from rag.answer.ask import MIN_SUPPORTED_SHARE, NOT_IN_SOURCES
from rag.core.types import Source
from rag.evaluation.cases import Case, load_suite
from rag.evaluation.evaluate import is_correct

ROOT = Path(__file__).resolve().parent.parent


def old_tree(rev: str) -> Path:
    """The `rag/` package as it was at `rev`, unpacked into a temporary folder (the whole package, so an
    old cite.py runs with the support, claims and text modules of its own revision)."""
    root = Path(tempfile.mkdtemp())
    archive = subprocess.run(["git", "archive", rev, "rag"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def replay_old(rev: str, argv: list[str]) -> dict[str, Any]:
    """This script's own replay run in a child process with the `rag` package of `rev` on the path."""
    root = old_tree(rev)
    out = root / "old.json"
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv, "--only-tree", "--json", str(out)],
                   check=True, env=env, cwd=ROOT)
    return json.loads(out.read_text(encoding="utf-8"))["new"]


def _position(chunk_id: str) -> int:
    tail = chunk_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def sources(details: dict[str, Any]) -> list[Source]:
    """The numbered sources, rebuilt from the saved passages of each source's article."""
    out = []
    for s in details.get("sources") or []:
        chunks = sorted((p for p in details.get("passages") or [] if p["doc_id"] == s["doc_id"]),
                        key=lambda p: _position(p["chunk_id"]))
        if not chunks:
            continue
        texts, starts, at = [], [], 0
        for p in chunks:
            starts.append(at)
            texts.append(p["text"])
            at += len(p["text"]) + 1
        out.append(Source(s["n"], s["doc_id"], s.get("title") or "", "\n".join(texts),
                          tuple(p["chunk_id"] for p in chunks), tuple(starts)))
    return out


def _clear_caches() -> None:
    """Empty every lru_cache of the loaded rag modules, so each timed check starts cold, as a new answer does."""
    for name, module in list(sys.modules.items()):
        if name.startswith("rag."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def decide(checker: Any, raw: str, srcs: list[Source], question: str, repeat: int = 1
           ) -> tuple[bool, str, float | None, float]:
    """(abstained, shown text, citation support, seconds in the checker) as `ask.decide` would have it."""
    if not raw.strip() or NOT_IN_SOURCES.search(raw) or not srcs:
        return True, "", None, 0.0
    took = float("inf")
    for _ in range(repeat):  # the fastest of `repeat` cold runs: the machine is shared, other jobs add noise
        _clear_caches()
        t0 = time.perf_counter()
        v = checker.verify(raw, srcs, question)
        took = min(took, time.perf_counter() - t0)
    if v.supported_share < MIN_SUPPORTED_SHARE or not getattr(v, "answers", True):
        return True, "", None, took
    cites = v.citations
    support = sum(c.verified for c in cites) / len(cites) if cites else None
    return False, v.text, support, took


def reretrieve(folder: Path) -> Any:
    """A function question -> details with "passages" and "sources", from a fresh index of `folder`."""
    from rag.core.config import Settings
    from rag.desk import NewsDesk

    desk = NewsDesk(Settings(workspace=Path(tempfile.mkdtemp()) / "ws"))
    desk.ingest([folder])

    def details(question: str) -> dict[str, Any]:
        hits = desk.retrieve(question)
        passages = [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "text": h.chunk.text} for h in hits]
        order = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        return {"passages": passages, "sources": [{"n": i, "doc_id": d, "title": ""} for i, d in enumerate(order, 1)]}
    return details


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def replay(report: dict[str, Any], cases: dict[str, Case], checker: Any, again: Any = None, repeat: int = 1
           ) -> dict[str, Any]:
    acc, false_abs, unans_abs, support, times, changed, right = [], [], [], [], [], [], {}
    for row in report["cases"]:
        case = cases.get(row["id"])
        details = row.get("details") or {}
        if again is not None and "raw" in details and "passages" not in details:
            details = {**details, **again(row["question"])}
        if case is None or case.type == "briefing" or "raw" not in details or "passages" not in details:
            continue  # a report from before evidence was saved cannot be replayed
        abstained, text, supp, took = decide(checker, details.get("raw") or "", sources(details), row["question"],
                                            repeat)
        if took:
            times.append(took)
        if case.type == "unanswerable":
            unans_abs.append(abstained)
        else:
            false_abs.append(abstained)
            ok = is_correct(text, case)
            if ok is not None:
                acc.append(bool(ok))
                right[row["id"]] = bool(ok) and not abstained
        if supp is not None:
            support.append(supp)
        changed.append((row["id"], abstained, row.get("abstained")))
    ms = sorted(t * 1000 for t in times)
    return {"answer_accuracy": _mean([float(a) for a in acc]),
            "false_abstention_rate": _mean([float(a) for a in false_abs]),
            "abstention_rate_unanswerable": _mean([float(a) for a in unans_abs]),
            "citation_support": _mean(support), "answers": len(acc), "unanswerable": len(unans_abs),
            "check_ms_p50": statistics.median(ms) if ms else None,
            "check_ms_p95": ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))] if ms else None,
            "abstained": {cid: a for cid, a, _ in changed}, "right": right}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--old-rev", default="79ffff7", help="git revision of the old checker")
    ap.add_argument("--questions", type=Path, default=None, help="question file (default: the report's suite)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=1, help="time each check this many times, keep the fastest")
    ap.add_argument("--only-tree", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--reretrieve", type=Path, default=None, help="folder to re-index when passages were not saved")
    args = ap.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    suite = load_suite(args.questions or Path(report["suite"]))
    cases = {c.id: c for c in suite.cases}
    again = None
    if args.reretrieve:
        cache: dict[str, dict[str, Any]] = {}
        fetch = reretrieve(args.reretrieve)

        def again(q: str) -> dict[str, Any]:
            return cache.setdefault(q, fetch(q))
    results = {"new": replay(report, cases, cite, again, args.repeat)}
    if args.only_tree:  # the child run of replay_old: this tree's rag is the old revision
        args.json.write_text(json.dumps(results), encoding="utf-8")
        return 0
    argv = [str(args.report), "--repeat", str(args.repeat)] + (["--questions", str(args.questions)] if args.questions else []) \
        + (["--reretrieve", str(args.reretrieve)] if args.reretrieve else [])
    results["old"] = replay_old(args.old_rev, argv)
    names = ("answer_accuracy", "false_abstention_rate", "abstention_rate_unanswerable", "citation_support",
             "check_ms_p50", "check_ms_p95")
    print(f"replay of {args.report} ({results['new']['answers']} answerable, "
          f"{results['new']['unanswerable']} unanswerable; the model's saved text, not a new run)")
    print(f"{'metric':<30}{'old':>10}{'new':>10}{'saved run':>12}")
    saved = report.get("summary") or {}
    saved_names = {"abstention_rate_unanswerable": "abstention_rate"}
    for n in names:
        row = [results[k][n] for k in ("old", "new")] + [saved.get(saved_names.get(n, n))]
        print(f"{n:<30}" + "".join(f"{'-' if v is None else f'{v:.3f}':>10}" for v in row[:2])
              + f"{'-' if row[2] is None else f'{row[2]:.3f}':>12}")
    flips = [cid for cid, a in results["new"]["abstained"].items() if a != results["old"]["abstained"].get(cid)]
    print(f"cases whose abstention changed: {', '.join(flips) or 'none'}")
    old_right = results["old"].get("right", {})
    lost = [cid for cid, ok in old_right.items() if ok and not results["new"]["right"].get(cid)]
    won = [cid for cid, ok in results["new"]["right"].items() if ok and not old_right.get(cid)]
    print(f"right answers lost: {', '.join(lost) or 'none'}; gained: {', '.join(won) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
