"""`rag ask`: stream an answer, then show the verified version with its quotes."""
from __future__ import annotations

import json
from typing import Any

import click
from rich.text import Text

from rag.answer.ask import Done, Token
from rag.answer.report import answer_json
from rag.cli.base import cli, desk, err, out, settings_options
from rag.core.types import Answer


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of streaming text.")
@click.option("--k", type=int, help="Number of chunks to retrieve [RAG_K].")
@click.option("--sources", "source_ids", help="Only use these doc ids (comma-separated).")
@click.option("--story", help="Only use the articles of this story (an id from `rag stories`).")
@click.option("--as-of", "as_of", help="The date a question about time is asked on: \"last week\" is the week "
              "before it (default: the newest article's date), e.g. 2004-11-17.")
@click.option("--temperature", type=float, help="Sampling temperature [RAG_TEMPERATURE].")
@click.option("--max-tokens", type=int, help="Cap on answer tokens [RAG_MAX_TOKENS].")
@settings_options
def ask(question: str, as_json: bool, source_ids: str | None, story: str | None, as_of: str | None,
        **flags: Any) -> None:
    """Answer a question from the articles, with verified citations."""
    answer = None
    for event in desk(flags).ask_stream(question, doc_ids=source_ids, story=story, as_of=as_of):
        if isinstance(event, Token) and not as_json:
            out.print(event.text, end="", markup=False)
        elif isinstance(event, Done):
            answer = event.answer
    assert answer is not None
    if as_json:
        out.print_json(json.dumps(answer_json(answer)))
        return
    out.print()
    print_verified(answer)


def print_verified(answer: Answer) -> None:
    """After the raw stream: the verified answer and its cited quotes."""
    label = "abstained" if answer.abstained else "verified answer"
    out.print(f"\n[bold]{label}:[/bold] ", end="")
    out.print(answer.answer, markup=False)
    for s in answer.sentences:
        if not s.supported:
            out.print(Text("  ") + Text("unverified:", style="yellow") + Text(f" {s.text}"))
        elif s.dropped:
            out.print(Text("  ") + Text("removed as unsupported:", style="yellow") + Text(f" {s.dropped}"))
    for c in answer.citations:
        if c.verified:
            out.print(f"  [{c.n}] {c.title} ({c.doc_id}): \"{c.quote}\"", markup=False)
    t = answer.timings
    err.print(f"retrieve {t.retrieve_ms:.0f} ms, first token {t.ttft_ms:.0f} ms, total {t.total_ms:.0f} ms, "
              f"{t.prompt_tokens} prompt + {t.completion_tokens} answer tokens")
    if answer.notice:
        err.print(f"note: {answer.notice}", markup=False)
