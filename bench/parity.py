"""Hit@k / recall@k / MRR of `rag eval --retrieval-only --json` reports, over all cases and over the two
halves split by the parity of the case id's last digit (rgb001 odd, rgb002 even): a change tuned on one
half of a suite should still show on the other.

Does not run retrieval (read the reports `rag eval --json` wrote) or judge answers.
Run: python -m bench.parity REPORT.json [REPORT.json ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

METRICS = ("hit_at_k", "recall_at_k", "mrr_at_k")


def halves(report: dict) -> dict[str, tuple[int, tuple[float, ...]]]:
    """{"all" | "odd" | "even": (cases, (hit, recall, MRR))}; cases without a retrieval metric are left out."""
    cases = [c for c in report["cases"] if c.get("metrics", {}).get("hit_at_k") is not None]
    groups = {"all": cases,
              "odd": [c for c in cases if c["id"][-1:].isdigit() and int(c["id"][-1]) % 2],
              "even": [c for c in cases if c["id"][-1:].isdigit() and not int(c["id"][-1]) % 2]}
    return {name: (len(g), tuple(sum(float(c["metrics"][m]) for c in g) / (len(g) or 1) for m in METRICS))
            for name, g in groups.items()}


def main(paths: list[str]) -> None:
    for p in paths:
        parts = [f"{name} ({n}): " + " / ".join(f"{v:.3f}" for v in ms)
                 for name, (n, ms) in halves(json.loads(Path(p).read_text())).items()]
        print(f"{p}  " + " | ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])
