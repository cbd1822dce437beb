"""`rag eval` inputs it must refuse: a YAML alias bomb, a self-referring alias, an oversized file,
and a workspace that does not hold the suite's sources (empty or another corpus)."""
from __future__ import annotations

import resource
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import cli
from rag.core.errors import EvalFileError, UnknownSourceError
from rag.evaluation.cases import MAX_NODES, Suite, load_suite, require_sources

BOMB = "\n".join(['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
                 + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]) + "\n"


def test_an_alias_bomb_is_refused_quickly_and_without_memory(tmp_path: Path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 600  # 9**9 (387 million) strings once expanded
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(EvalFileError, match=f"more than {MAX_NODES:,} values"):
        load_suite(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB


def test_a_self_referring_alias_is_refused(tmp_path: Path):
    path = tmp_path / "loop.yaml"
    path.write_text("cases: &c\n  - {id: one, question: q, answers: [x], sources: *c}\n")
    with pytest.raises(EvalFileError, match="refers to itself"):
        load_suite(path)


def test_ordinary_aliases_still_work(tmp_path: Path):
    path = tmp_path / "ok.yaml"
    path.write_text("cases:\n  - {id: one, question: q1, answers: &ans [Oman], sources: [d1]}\n"
                    "  - {id: two, question: q2, answers: *ans, sources: [d2]}\n")
    assert [c.answers for c in load_suite(path).cases] == [("Oman",), ("Oman",)]


def test_eval_bomb_from_the_command_line_is_one_line(tmp_path: Path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    result = CliRunner().invoke(cli, ["eval", "--retrieval-only", "--questions", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "aliases" in result.output


def _suite(tmp_path: Path) -> Suite:
    path = tmp_path / "q.yaml"
    path.write_text("cases:\n  - {id: one, question: q1, answers: [x], sources: [doc_a, doc_b]}\n"
                    "  - {id: two, type: briefing, topic: t, must_cite: [doc_c]}\n")
    return load_suite(path)


def test_missing_sources_are_named(tmp_path: Path):
    suite = _suite(tmp_path)
    with pytest.raises(UnknownSourceError, match="has no documents"):
        require_sources(suite, set(), "ws")
    with pytest.raises(UnknownSourceError, match=r"2 of the 3 sources .* doc_b, doc_c"):
        require_sources(suite, {"doc_a", "other"}, "ws")
    require_sources(suite, {"doc_a", "doc_b", "doc_c"}, "ws")


def test_eval_on_an_empty_workspace_fails_loudly(tmp_path: Path):
    result = CliRunner().invoke(cli, ["eval", "--retrieval-only"])
    assert result.exit_code == 2 and "has no documents" in result.output


def test_eval_on_the_wrong_workspace_names_the_missing_sources(seeded_workspace: Path, tmp_path: Path):
    path = tmp_path / "q.yaml"
    path.write_text("cases:\n  - {id: one, question: 'Who mediated?', answers: [Oman], "
                    "sources: [000_5979d52e6de91143, 999_not_ingested]}\n")
    result = CliRunner().invoke(cli, ["eval", "--retrieval-only", "--questions", str(path),
                                      "--workspace", str(seeded_workspace)])
    assert result.exit_code == 2 and "999_not_ingested" in result.output
    assert "000_5979d52e6de91143" not in result.output
