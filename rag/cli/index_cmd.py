"""`rag ingest`, `rag sources`, `rag show`, `rag remove`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from rag.cli.base import cli, desk, err, out, settings_options


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option("--chunk-tokens", type=int, help="Target chunk size in tokens [RAG_CHUNK_TOKENS].")
@click.option("--chunk-overlap", type=int, help="Overlap between chunks in tokens [RAG_CHUNK_OVERLAP].")
@click.option("--max-file-mb", type=float, help="Skip files larger than this [RAG_MAX_FILE_MB].")
@click.option("--follow-links", is_flag=True, help="Follow symbolic links that lead out of a named folder.")
@settings_options
def ingest(paths: tuple[Path, ...], prune: bool, follow_links: bool, **flags: Any) -> None:
    """Index articles (.txt .md .html .pdf, JSON/JSONL dumps, RSS/Atom feeds; files or folders; default seeds/)."""
    d = desk(flags)
    with Progress(TextColumn("ingest"), BarColumn(), TextColumn("{task.completed}/{task.total} {task.description}"),
                  TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=None)
        report = d.ingest(paths or (Path("seeds"),), prune=prune, follow_links=follow_links,
                          progress=lambda i, n, name: bar.update(task, completed=i, total=n, description=name))
    for path, reason in report.skipped:
        err.print(f"skipped {path}: {reason}", markup=False)
    for where, what in report.warnings:
        err.print(f"warning {where}: {what}", markup=False, highlight=False)
    for doc_id, reason in report.failed:
        err.print(f"not written {doc_id}: {reason}", markup=False)
    out.print(report.summary())
    if report.skipped or report.failed:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--publisher", help="Only articles whose publisher contains this (any case).")
@click.option("--title", help="Only articles with this word in the title (any case).")
@settings_options
def sources(as_json: bool, publisher: str | None, title: str | None, **flags: Any) -> None:
    """List the indexed articles."""
    rows = [r.as_dict() for r in desk(flags).sources(publisher=publisher, title=title)]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "title", "publisher", "date", "chunks", "tokens", "duplicate_of")
    table.columns[0].no_wrap = True
    table.columns[1].no_wrap, table.columns[1].overflow, table.columns[1].max_width = True, "ellipsis", 60
    for r in rows:
        cells = (r["doc_id"], r["title"], r["publisher"] or "", r["date"] or "", str(r["n_chunks"]),
                 str(r["n_tokens"]), r["duplicate_of"] or "")
        table.add_row(*map(Text, cells))  # Text: an article's title is data, never markup
    out.print(table)


@cli.command()
@click.argument("doc_id")
@settings_options
def show(doc_id: str, **flags: Any) -> None:
    """Print an article's cleaned text."""
    out.print(desk(flags).show(doc_id).text, markup=False)


@cli.command()
@click.argument("doc_id")
@settings_options
def remove(doc_id: str, **flags: Any) -> None:
    """Remove an article from the index."""
    out.print(f"removed {desk(flags).remove(doc_id)}", markup=False)
