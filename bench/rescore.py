"""Re-score saved `rag eval --json` reports with this tree's answer scoring against a git revision's:
the shown answers whose verdict (rag.evaluation.evaluate.is_correct) changes, per report.

Does not run a model or the checker: the answers are the saved ones; only the scoring differs.

Run: PYTHONPATH=$PWD python -m bench.rescore [--rev HEAD] [--corpora ../shared/corpora] REPORT.json ...
(each report's suite is found from its file name: eval-{seeds,wikinews,wikinews-time,rgb,rgb-counterfactual}-*)
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

from rag.evaluation import evaluate
from rag.evaluation.cases import load_suite


def _suites(corpora: Path) -> dict[str, Path]:  # longest prefix first: "rgb-counterfactual" before "rgb"
    return {"rgb-counterfactual": corpora / "rgb-dev" / "counterfactual_questions.yaml",
            "rgb": corpora / "rgb-dev" / "questions.yaml", "wikinews-time": Path("tests/eval/wikinews-time.yaml"),
            "wikinews": Path("tests/eval/wikinews-dev.yaml"), "seeds": Path("tests/eval/seeds.yaml")}


def old_scoring(rev: str) -> types.ModuleType:
    """rag/evaluation/evaluate.py as it was at `rev`, loaded as a module of its own."""
    source = subprocess.run(["git", "show", f"{rev}:rag/evaluation/evaluate.py"], capture_output=True, text=True,
                            check=True).stdout
    module = types.ModuleType("evaluate_at_rev")
    sys.modules[module.__name__] = module
    exec(compile(source, f"{rev}:rag/evaluation/evaluate.py", "exec"), module.__dict__)
    return module


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.rescore", description=__doc__.splitlines()[0])
    p.add_argument("reports", nargs="+", type=Path)
    p.add_argument("--rev", default="HEAD")
    p.add_argument("--corpora", type=Path, default=Path("../shared/corpora"))
    args = p.parse_args(argv)
    old, suites = old_scoring(args.rev), _suites(args.corpora)
    for path in args.reports:
        kind = next((k for k in suites if path.name.startswith(f"eval-{k}-")), None)
        if kind is None:
            print(f"{path.name}: suite unknown, skipped")
            continue
        cases = {c.id: c for c in load_suite(suites[kind]).cases}
        changed = []
        for row in json.loads(path.read_text(encoding="utf-8")).get("cases", []):
            case = cases.get(row["id"])
            if case is None or row.get("abstained") or not row.get("answer"):
                continue
            before, after = old.is_correct(row["answer"], case), evaluate.is_correct(row["answer"], case)
            if before != after:
                changed.append(f"{row['id']} {before} -> {after}")
        print(f"{path.name}: {', '.join(changed) or 'no change'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
