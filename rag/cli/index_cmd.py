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

from rag import app
from rag.cli.base import cli, err, out, settings, settings_options
from rag.inputs import unknown_sources
from rag.ingest.pipeline import ingest as run_ingest


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove documents whose files are gone.")
@click.option("--chunk-tokens", type=int, help="Target chunk size in tokens [RAG_CHUNK_TOKENS].")
@click.option("--chunk-overlap", type=int, help="Overlap between chunks in tokens [RAG_CHUNK_OVERLAP].")
@click.option("--max-file-mb", type=float, help="Skip files larger than this [RAG_MAX_FILE_MB].")
@settings_options
def ingest(paths: tuple[Path, ...], prune: bool, **flags: Any) -> None:
    """Index articles (.txt .md .html .pdf; files or folders; default seeds/)."""
    s = settings(flags)
    index = app.open_index(s)
    with Progress(TextColumn("ingest"), BarColumn(), TextColumn("{task.completed}/{task.total} {task.description}"),
                  TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=None)
        report = run_ingest(paths or (Path("seeds"),), index.store, index.embedder, chunk_tokens=s.chunk_tokens,
                            chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 1e6), prune=prune,
                            progress=lambda i, n, name: bar.update(task, completed=i, total=n, description=name))
    index.lexical(index.documents())  # bring BM25 up to date now rather than on the first question
    for path, reason in report.skipped:
        err.print(f"skipped {path}: {reason}")
    for doc_id, reason in report.failed:
        err.print(f"not written {doc_id}: {reason}")
    out.print(report.summary())
    if report.skipped or report.failed:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@settings_options
def sources(as_json: bool, **flags: Any) -> None:
    """List the indexed articles."""
    docs = app.open_index(settings(flags)).documents()
    rows = [r.as_dict() for _, r in sorted(docs.items())]
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
    index = app.open_index(settings(flags))
    rec = index.store.get_document(doc_id)
    if rec is None:
        raise unknown_sources([doc_id], index.documents())
    out.print(rec.text, markup=False)


@cli.command()
@click.argument("doc_id")
@settings_options
def remove(doc_id: str, **flags: Any) -> None:
    """Remove an article from the index."""
    index = app.open_index(settings(flags))
    if doc_id not in index.documents():
        raise unknown_sources([doc_id], index.documents())
    index.store.remove_document(doc_id)
    out.print(f"removed {doc_id}")


