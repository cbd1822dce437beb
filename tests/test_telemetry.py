"""onnxruntime's telemetry is off at the source: loading and running the embedder in a fresh HOME
writes no device id or event queue (~/.cache/Microsoft/DeveloperTools/.onnxruntime/). The slow
offline suite (test_offline.py) also proves no command even tries a connection or a DNS lookup."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rag.core.config import PROJECT_ROOT

SCRIPT = ("from rag import desk as app; from rag.core.config import load_settings; "
          "e = app.load_embedder(load_settings({}, environ={})); print(e.embed(['harbour talks']).shape)")


def test_the_embedder_writes_no_telemetry_files(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY" and not k.startswith("RAG_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / ".cache"), PYTHONPATH=str(PROJECT_ROOT))
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert run.returncode == 0 and "(1, 384)" in run.stdout, run.stderr[-2000:]
    assert not list(tmp_path.rglob("*onnxruntime*")), sorted(map(str, tmp_path.rglob("*")))
