"""List the multi-part questions of saved `rag eval --json` reports and what the extra asks would do.

For every case whose question `rag.answer.multipart.split` cuts into parts: its outcome in the report,
the parts, which parts the answer's kept sentences answer (the saved model text re-verified by the
checker in this tree, over the sources rebuilt from the saved passages, as bench/replay_checker does),
so which parts `multipart.complete` would ask again, and for each gold group (`must_include`) whether
any of its strings is in the sources at all (the extra ask can only find what the sources hold).

A listing, not an eval: the extra asks themselves need the model (`rag eval`, see bench/README.md).
Usage: PYTHONPATH=$PWD python -m bench.multipart REPORT.json [REPORT.json ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.replay_checker import sources
from rag.answer import cite, multipart


def case_row(case: dict[str, Any]) -> dict[str, Any] | None:
    """What the extra asks would see for one case; None when its question is one part."""
    parts = multipart.split(case["question"])
    if len(parts) < 2:
        return None
    d = case.get("details") or {}
    srcs = sources(d)
    raw = d.get("raw") or ""
    kept = [s.text for s in cite.verify(raw, srcs, case["question"]).sentences if s.supported] if raw and srcs else []
    text = "\n".join(s.text for s in srcs).lower()
    gold = (d.get("gold") or {}).get("must_include") or [(d.get("gold") or {}).get("answers") or []]
    m = case.get("metrics") or {}
    return {"id": case["id"], "type": case["type"], "correct": m.get("answer_accuracy"),
            "abstained": case.get("abstained"), "parts": list(parts),
            "ask_again": multipart.unanswered(parts, kept)[:multipart.MAX_ASKS] if not case.get("abstained")
            else list(parts[:multipart.MAX_ASKS]),
            "kept": kept, "gold_in_sources": [[g, any(x.lower() in text for x in g)] for g in gold if g]}


def main(argv: list[str]) -> int:
    rows = []
    for path in argv:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        for case in report["cases"]:
            row = case_row(case)
            if row:
                rows.append({"report": Path(path).name, **row})
    for r in rows:
        state = "abstained" if r["abstained"] else ("right" if r["correct"] else "wrong")
        print(f"{r['report']} {r['id']} [{r['type']}, {state}]")
        for p in r["parts"]:
            print(f"   {'ASK ' if p in r['ask_again'] else 'ok  '}{p}")
        for s in r["kept"]:
            print(f"   kept: {s}")
        print("   gold in sources: " + "; ".join(f"{'/'.join(g)}={'yes' if ok else 'NO'}"
                                             for g, ok in r["gold_in_sources"]))
    asks = sum(len(r["ask_again"]) for r in rows)
    print(f"\n{len(rows)} multi-part questions, {asks} extra asks "
          f"({sum(r['type'] == 'unanswerable' for r in rows)} unanswerable)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
