"""A read-only workspace (a read-only mount): reading commands work, writing ones say it is read-only.

The mount is made in a private user + mount namespace (`unshare -rm`), since permissions do not stop
root, who runs CI."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.core.config import PROJECT_ROOT
from tests.conftest import SEEDS, TINY

pytestmark = pytest.mark.slow
RAG = f'"{sys.executable}" -c "from rag.cli import main; main()"'
DOC = "000_5979d52e6de91143"


def test_read_only_workspace_reads_and_refuses_writes(tmp_path: Path):
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rm (a user + mount namespace) is not permitted here")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RAG_")}, "RAG_WORKSPACE": str(tmp_path / "ws"),
           "RAG_MODEL": TINY, "PYTHONPATH": str(PROJECT_ROOT), "RAG_CONFIG": str(tmp_path / "none.toml")}
    ingest = subprocess.run([sys.executable, "-c", "from rag.cli import main; main()", "ingest", str(SEEDS)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    before = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "ws").rglob("*"))

    def readonly(command: str) -> subprocess.CompletedProcess:
        script = (f'mount --bind "{tmp_path}" "{tmp_path}" && mount -o remount,bind,ro "{tmp_path}" && '
                  f"exec {RAG} {command}")
        return subprocess.run([unshare, "-rm", "bash", "-c", script], env=env, capture_output=True, text=True,
                              timeout=300)

    sources = readonly("sources --json")
    assert sources.returncode == 0, sources.stderr
    assert DOC in {d["doc_id"] for d in json.loads(sources.stdout)}
    assert readonly(f"show {DOC}").returncode == 0
    ask = readonly('ask "Who was the US special envoy?" --json --max-tokens 16')
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["sources"]
    for command in (f"ingest {SEEDS}", f"remove {DOC}"):
        refused = readonly(command)
        assert refused.returncode == 2 and "read-only" in refused.stderr and refused.stderr.count("\n") == 1, (
            command, refused.stderr)
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "ws").rglob("*")) == before
