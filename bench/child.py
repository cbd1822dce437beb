"""Run a measurement in a fresh Python process and read back the one JSON object it prints last.

Used where the process itself is what is measured (peak memory) or where a section must not
share state with the orchestrator. The child writes progress to stderr, which passes through.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.context import ROOT


class ChildError(RuntimeError):
    pass


def run_module(module: str, args: dict[str, Any], timeout_s: float, root: Path = ROOT) -> dict[str, Any]:
    """`python -m module --child '<json args>'` (with `root`'s code, by default this checkout's);
    returns the last JSON line it printed."""
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        proc = subprocess.run([sys.executable, "-m", module, "--child", json.dumps(args)], cwd=root, env=env,
                              stdout=subprocess.PIPE, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise ChildError(f"{module} did not finish within {timeout_s:.0f} s") from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise ChildError(f"{module} exited with status {proc.returncode}: {proc.stdout[-500:]}")
    return json.loads(lines[-1])


def child_args() -> dict[str, Any] | None:
    """The JSON arguments when this process was started by `run_module`, else None."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        return json.loads(sys.argv[2])
    return None


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reply(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)
