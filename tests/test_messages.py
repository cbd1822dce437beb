"""Messages a user sees: an unknown id names the closest few ids and the count (not every id),
an ingest prints nothing on stderr but what went wrong (no bm25s debug lines, no blank lines), and
`rag chat` refuses a public host before it says it is serving."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import cli
from rag.core.config import PROJECT_ROOT
from rag.core.inputs import unknown_sources
from tests.conftest import SEEDS


def test_unknown_id_shows_the_closest_ids_and_the_count_not_all():
    known = [f"{i:04d}_story_{i * 7919 % 10007:05d}" for i in range(2000)]
    message = str(unknown_sources(["0042_story_2000"], known))
    assert "2000 known" in message and "0042_story_" in message and len(message) < 300, message
    assert "\n" not in message
    assert "nothing is ingested" in str(unknown_sources(["x"], []))


def test_show_with_a_near_miss_id_suggests_the_right_one(seeded_workspace: Path):
    result = CliRunner().invoke(cli, ["show", "000_5979d52e6de9114", "--workspace", str(seeded_workspace)])
    assert result.exit_code == 2 and "3 known, the closest: 000_5979d52e6de91143" in result.output, result.output


def test_ingest_prints_no_debug_or_blank_lines(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "RAG_WORKSPACE": str(tmp_path / "ws"),
           "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", "from rag.cli import main; main()", "ingest", str(SEEDS)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "", run.stderr
    assert run.stdout.strip().startswith("3 added") and "\n\n" not in run.stdout


def test_chat_on_a_public_host_refuses_before_serving():
    result = CliRunner().invoke(cli, ["chat", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing to serve on 0.0.0.0" in result.output
    assert "serving on" not in result.output.replace("refusing to serve on", "")


def test_chat_with_the_loopback_down_is_one_line(tmp_path: Path):
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn (a network namespace, its loopback down) is not permitted here")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "RAG_WORKSPACE": str(tmp_path / "ws"),
           "HOME": str(tmp_path)}
    run = subprocess.run([unshare, "-rn", sys.executable, "-c", "from rag.cli import main; main()", "chat",
                          "--port", "7991"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.stderr.count("\n") == 1 and "loopback" in run.stderr and "serving on" not in run.stderr
