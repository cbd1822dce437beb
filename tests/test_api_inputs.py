"""Bad arguments from API clients and the command line are one-line errors that say what was wrong,
found before any work is done: `/ask` k, `/brief` words, `rag brief --out` and `--words`."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import cli
from rag.core.errors import ConfigError
from rag.core.inputs import whole_number, writable_file
from rag.desk import NewsDesk
from tests.conftest import tiny_settings


def _unused(*_):
    raise AssertionError("no model may be loaded for a bad argument")


@pytest.fixture
def backend(seeded_workspace: Path, seeded_index):
    return NewsDesk(tiny_settings(seeded_workspace), index=seeded_index, llm_factory=_unused)


@pytest.mark.parametrize("k", ["abc", "2.5", -1, 0, 51, True, [3]])
def test_ask_with_a_bad_k_says_what_k_must_be(backend, k):
    with pytest.raises(ConfigError, match=r"^k must be a whole number between 1 and 50, got"):
        backend.ask_stream("Who mediated the talks?", (), None, k)


@pytest.mark.parametrize("words", ["abc", -5, 0, "", None, 10**9])
def test_brief_with_bad_words_says_what_words_must_be(backend, words):
    with pytest.raises(ConfigError, match=r"^words must be a whole number between 50 and 5000, got"):
        backend.brief(None, None, words)


def test_whole_number_accepts_what_clients_send():
    assert whole_number("k", "4", 1, 50) == 4 and whole_number("k", 4.0, 1, 50) == 4


def test_brief_out_is_checked_before_any_work(tmp_path: Path):
    runner = CliRunner()
    folder = tmp_path / "out"
    folder.mkdir()
    result = runner.invoke(cli, ["brief", "--out", str(folder)])
    assert result.exit_code == 2 and "is a folder" in result.output and result.output.count("\n") == 1
    result = runner.invoke(cli, ["brief", "--out", str(tmp_path / "missing" / "b.md")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(cli, ["brief", "--words", "-5"])
    assert result.exit_code == 2 and "words must be a whole number" in result.output


def test_writable_file_refuses_a_read_only_target(tmp_path: Path):
    target = tmp_path / "brief.md"
    target.write_text("old")
    target.chmod(0o444)
    if os.access(target, os.W_OK):
        pytest.skip("running as a user who can write read-only files (root)")
    with pytest.raises(ConfigError, match="permission denied"):
        writable_file(target)
