"""`python -m bench [--quick] [--only SECTION,...]`: run the benchmarks, print a table per section and
write bench/results/<YYYY-MM-DD>.json (<YYYY-MM-DD>-quick.json for --quick) with the machine.

A section that fails or cannot run is reported and the others go on; nothing fails on a time.
Sections that run again on the same day replace their own entry in that day's file and keep the
others. Full run: about 30 minutes on 2 cores; --quick: under 5.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench.context import DEFAULT_MODEL, EMBED_MODEL, FAST_MODEL, ROOT, TINY_MODEL, Context
from bench.machine import describe, load_average
from bench.report import Result, progress, render

SECTIONS = {  # name -> module with run(ctx) -> Result; in the order they run
    "ingest": "bench.ingest",
    "retrieval": "bench.retrieval",
    "lexical": "bench.lexical",
    "answer": "bench.answer",
    "briefing": "bench.briefing",
    "memory": "bench.memory",
    "quality": "bench.quality",
    "peer": "bench.peer",
    "scaleout": "bench.scaleout",
}
RESULTS = ROOT / "bench" / "results"
# The chat presets each section loads: (quick, full). `make bench[-quick]` pulls them first.
MODELS = {"answer": ((DEFAULT_MODEL,), (DEFAULT_MODEL,)), "memory": ((DEFAULT_MODEL,), (DEFAULT_MODEL,)),
          "briefing": ((TINY_MODEL,), (DEFAULT_MODEL,)),
          "quality": ((TINY_MODEL, FAST_MODEL), (TINY_MODEL, FAST_MODEL, DEFAULT_MODEL)),
          "peer": ((FAST_MODEL,), (DEFAULT_MODEL,)), "scaleout": ((TINY_MODEL,), (DEFAULT_MODEL,))}


def models_needed(names: list[str], quick: bool) -> list[str]:
    """Every model preset the named sections use (the embedder always)."""
    out = [EMBED_MODEL] + [m for n in names for m in MODELS.get(n, ((), ()))[0 if quick else 1]]
    return list(dict.fromkeys(out))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes and fewer questions (< 5 minutes)")
    p.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    p.add_argument("--out", type=Path, help="result file (default: bench/results/<date>[-quick].json)")
    p.add_argument("--list-models", action="store_true", help="print the model presets these sections need, run nothing")
    args = p.parse_args(argv)
    names = list(SECTIONS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in SECTIONS]
        if unknown:
            p.error(f"unknown section {unknown[0]!r}; known: {', '.join(SECTIONS)}")
        names = [n for n in SECTIONS if n in names]  # always in the run order: peer reuses quality
    if args.list_models:
        print(" ".join(models_needed(names, args.quick)))
        return 0
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    out = args.out or RESULTS / f"{dt.date.today().isoformat()}{'-quick' if args.quick else ''}.json"
    doc = _load(out)
    doc.update(mode="quick" if args.quick else "full", machine=describe(ROOT))
    doc.setdefault("sections", {})
    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    ctx = Context(quick=args.quick, tmp=tmp, out=out)
    started = time.perf_counter()
    try:
        for name in names:
            doc["sections"][name] = _run_section(name, ctx)
            doc["machine"]["load_average_at_end"] = load_average()
            _save(out, doc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{len(names)} section(s) in {(time.perf_counter() - started) / 60:.1f} min; "
          f"load average now {load_average()}; results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


def _run_section(name: str, ctx: Context) -> dict[str, Any]:
    progress(f"section {name}")
    t0 = time.perf_counter()
    entry: dict[str, Any] = {"measured_at": dt.datetime.now().isoformat(timespec="seconds"),
                             "load_average_before": load_average()}
    try:
        result: Result = importlib.import_module(SECTIONS[name]).run(ctx)
    except Exception as e:  # noqa: BLE001 - one broken section must not stop the others
        traceback.print_exc(file=sys.stderr)
        result = Result(skipped=f"failed: {type(e).__name__}: {e}")
    finally:
        ctx.release()
    entry["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"\n# {name}  ({entry['seconds']:.0f} s{', quick' if ctx.quick else ''})")
    if result.skipped:
        print(f"skipped: {result.skipped}")
        entry["skipped"] = result.skipped
    for t in result.tables:
        print(render(t) + "\n")
    for n in result.notes:
        print(f"note: {n}")
    sys.stdout.flush()
    entry.update(data=result.data, tables=[t.as_dict() for t in result.tables], notes=result.notes)
    return entry


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
