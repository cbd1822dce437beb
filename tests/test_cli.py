"""The real `rag` command through click's runner: exit statuses, messages and JSON shapes."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import cli
from tests.conftest import SEEDS


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_help_lists_the_subcommands():
    result = run("--help")
    assert result.exit_code == 0
    for name in ("ingest", "ask", "sources", "show", "remove", "models", "eval"):
        assert name in result.output
    for sub in (["ingest", "--help"], ["ask", "--help"], ["models", "pull", "--help"]):
        assert run(*sub).exit_code == 0


def test_models_list_shows_installed_presets():
    result = run("models", "list")
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "smollm2-135m" in line)
    assert "yes" in row


def test_unknown_model_is_a_one_line_error():
    result = CliRunner().invoke(cli, ["ask", "hi", "--model", "gpt-9000"])
    assert result.exit_code == 2
    assert "unknown model 'gpt-9000'" in result.output and "Traceback" not in result.output


def test_ingest_sources_show_and_ask(tmp_path: Path):
    corpus = tmp_path / "seeds"
    shutil.copytree(SEEDS, corpus)
    first = run("ingest", str(corpus))
    assert first.exit_code == 0 and "3 added" in first.output
    again = run("ingest", str(corpus))
    assert again.exit_code == 0 and "3 unchanged" in again.output
    rows = json.loads(run("sources", "--json").output)
    assert len(rows) == 3
    assert next(r for r in rows if r["doc_id"].startswith("004_"))["publisher"] == "DailyBeat"
    by_outlet = json.loads(run("sources", "--json", "--publisher", "dailybeat").output)
    assert [r["doc_id"] for r in by_outlet] == ["004_62933566e88b2052"]
    by_word = json.loads(run("sources", "--json", "--title", "beginning").output)  # "a 'Good Beginning'"
    assert [r["doc_id"] for r in by_word] == ["004_62933566e88b2052"]
    assert json.loads(run("sources", "--json", "--publisher", "Reuters").output) == []
    shown = run("show", "000_5979d52e6de91143").output
    assert shown.count("Oman played a crucial role") == 1
    assert run("show", "nope").exit_code == 2

    result = run("ask", "Who was the US special envoy at the talks?", "--json", "--max-tokens", "32")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"question", "answer", "abstained", "citations", "sources", "timings"}
    assert set(data["timings"]) == {"retrieve_ms", "ttft_ms", "total_ms", "prompt_tokens", "completion_tokens"}
    assert data["sources"] and all({"doc_id", "chunk_id", "score"} <= set(s) for s in data["sources"])
    for c in data["citations"]:
        assert {"n", "doc_id", "title", "chunk_id", "quote", "verified"} <= set(c)

    empty = CliRunner().invoke(cli, ["ask", "   "])
    assert empty.exit_code == 2 and "empty" in empty.output
    unknown = CliRunner().invoke(cli, ["ask", "Who?", "--sources", "nope"])
    assert unknown.exit_code == 2 and "000_5979d52e6de91143" in unknown.output


def test_ingest_with_a_bad_file_exits_non_zero(tmp_path: Path):
    (tmp_path / "empty.txt").write_text("")
    result = run("ingest", str(tmp_path / "empty.txt"))
    assert result.exit_code == 1 and "empty" in result.output


def test_ask_before_ingest_says_to_ingest():
    result = CliRunner().invoke(cli, ["ask", "Who mediated the talks?"])
    assert result.exit_code == 2 and "rag ingest" in result.output


@pytest.mark.parametrize("name", ["remove"])
def test_remove_unknown_doc(name: str):
    result = CliRunner().invoke(cli, [name, "nope"])
    assert result.exit_code == 2 and "no document 'nope'" in result.output
