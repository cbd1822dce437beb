"""List the multi-part questions of saved `rag eval --json` reports and what the extra asks would do.

For every case whose question `rag.answer.multipart.split` cuts into parts: its outcome in the report,
the parts, which parts the answer's kept sentences answer (the saved model text re-verified by the
checker in this tree, over the sources rebuilt from the saved passages, as bench/replay_checker does),
so which parts `multipart.complete` would ask again, and for each gold group (`must_include`) whether
any of its strings is in the sources at all (the extra ask can only find what the sources hold).

A listing, not an eval: the extra asks themselves need the model. `--subset OUT.yaml SUITE.yaml ...`
writes the multi-part cases of question suites to one suite (their `defaults` kept, no thresholds), so
`rag eval --questions OUT.yaml` with `RAG_ANSWER_PARTS=0` and `=1` measures just the cases the setting
can change (every other question is one part, and ask() then runs exactly as without it).
Usage: PYTHONPATH=$PWD python -m bench.multipart REPORT.json [REPORT.json ...]
       PYTHONPATH=$PWD python -m bench.multipart --subset OUT.yaml SUITE.yaml [SUITE.yaml ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

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


def subset(out: Path, suites: list[str]) -> int:
    """The multi-part cases of `suites` written to `out` as one suite; the count."""
    cases, defaults = [], {}
    for path in suites:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        defaults.update(data.get("defaults") or {})
        cases += [c for c in data["cases"] if c.get("question") and len(multipart.split(c["question"])) > 1]
    out.write_text(yaml.safe_dump({"defaults": defaults, "cases": cases} if defaults else {"cases": cases},
                                  sort_keys=False, allow_unicode=True), encoding="utf-8")
    return len(cases)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--subset"]:
        print(f"{subset(Path(argv[1]), argv[2:])} multi-part cases written to {argv[1]}")
        return 0
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
