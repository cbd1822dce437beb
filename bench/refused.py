"""The cases of a saved `rag eval --json` report whose answer the checker refused (abstained, with model text
that is not "not in the sources"): the only cases the second reading (setting `reread`,
rag.answer.reread) can change, since every other answer is the model's first, unchanged.

Writes them as a question suite, for an A/B of `reread` on just those cases (bench/reread_ab.sh).
Does not run the model.

Run: PYTHONPATH=$PWD python -m bench.refused REPORT.json SUITE.yaml OUT.yaml
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from rag.answer.ask import NOT_IN_SOURCES


def refused_ids(report: dict) -> set[str]:
    """Ids of the cases whose first answer the checker refused."""
    out = set()
    for c in report["cases"]:
        raw = ((c.get("details") or {}).get("raw") or "").split("\n\n")[0]  # the first answer's text
        if c.get("abstained") and raw.strip() and not NOT_IN_SOURCES.search(raw):
            out.add(c["id"])
    return out


def main(argv: list[str]) -> int:
    report, suite, out = (Path(x) for x in argv)
    ids = refused_ids(json.loads(report.read_text(encoding="utf-8")))
    data = yaml.safe_load(suite.read_text(encoding="utf-8"))
    cases = data if isinstance(data, list) else data["cases"]
    keep = [c for c in cases if c.get("id") in ids]
    body = keep if isinstance(data, list) else {**{k: v for k, v in data.items() if k != "cases"}, "cases": keep}
    out.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"{len(keep)} refused cases written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
