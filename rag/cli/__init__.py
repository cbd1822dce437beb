"""The `rag` command line. Thin: parses flags into Settings, calls the pipelines, prints."""
from __future__ import annotations

from rag.cli import ask_cmd, brief_cmd, chat_cmd, eval_cmd, index_cmd, models_cmd, stories_cmd  # noqa: F401 - registers the commands
from rag.cli.base import cli


def main() -> None:
    cli(prog_name="rag")
