"""The `rag` command line. Thin: parses flags into Settings, calls the pipelines, prints.

Answers go to stdout; progress, logs and errors to stderr. RagError becomes a one-line error.
"""
from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rag import app, models
from rag.ask import Done, Token, ask_stream
from rag.config import Settings, load_settings
from rag.errors import RagError, UnknownSourceError
from rag.ingest.pipeline import ingest as run_ingest
from rag.types import Answer

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:  # piped output: do not squeeze tables into 80 columns
    out = Console(highlight=False, soft_wrap=True, width=160)
err = Console(stderr=True, highlight=False)


class Group(click.Group):
    """Turns our own errors into a one-line message and exit status 2, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RagError as e:
            err.print(f"[red]error:[/red] {e}", markup=True, highlight=False)
            sys.exit(2)


COMMON = [
    click.option("--workspace", type=click.Path(path_type=Path), help="Directory for the store and caches [RAG_WORKSPACE]."),
    click.option("--model", help="Chat model preset or path to a .gguf [RAG_MODEL]."),
    click.option("--embed-model", help="Embedding model preset [RAG_EMBED_MODEL]."),
    click.option("--n-threads", type=int, help="CPU threads [RAG_N_THREADS]."),
    click.option("--n-ctx", type=int, help="Model context size; 0 = the preset's [RAG_N_CTX]."),
    click.option("--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 [RAG_CHROMA_URL]."),
    click.option("--llm-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 [RAG_LLM_URL]."),
    click.option("--models-dir", type=click.Path(path_type=Path), help="Where model files live [RAG_MODELS_DIR]."),
]


def settings_options(fn: Callable) -> Callable:
    for option in reversed(COMMON):
        fn = option(fn)
    return fn


def settings(flags: dict[str, Any], **more: Any) -> Settings:
    keys = {f for f in Settings.__dataclass_fields__}
    given = {k: v for k, v in {**flags, **more}.items() if k in keys and v is not None}
    return load_settings(given)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def cli(verbose: bool) -> None:
    """A local, source-grounded news assistant: cited answers and briefings from your articles."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)


# models --------------------------------------------------------------------------------------
@cli.group("models", cls=Group)
def models_group() -> None:
    """List, pull and verify model files."""


@models_group.command("list")
@settings_options
def models_list(**flags: Any) -> None:
    """Show every preset: size, whether it is installed, what it is for."""
    s = settings(flags)
    table = Table("name", "kind", "size", "installed", "purpose")
    for p in models.load_catalog(s.models_dir).values():
        size = sum(f.size or 0 for f in p.files)
        table.add_row(p.name + (" *" if p.name in (s.model, s.embed_model) else ""), p.kind,
                      f"{size / 1e6:,.0f} MB" if size else "?", "yes" if models.is_installed(s.models_dir, p) else "no",
                      p.purpose)
    out.print(table)
    out.print("* used by the current configuration")


@models_group.command("pull")
@click.argument("names", nargs=-1)
@settings_options
def models_pull(names: tuple[str, ...], **flags: Any) -> None:
    """Fetch and verify models (default: the chat and embedding models the configuration uses)."""
    s = settings(flags)
    wanted = names or (s.model, s.embed_model)
    for name in wanted:
        preset = models.get_preset(s.models_dir, name)
        with _bytes_progress(f"pull {name}") as progress:
            paths = models.pull(s.models_dir, preset, progress)
        for p in paths:
            err.print(f"{name}: {p} verified")


@models_group.command("verify")
@click.argument("names", nargs=-1)
@settings_options
def models_verify(names: tuple[str, ...], **flags: Any) -> None:
    """Check the sha256 of installed model files (default: every installed preset)."""
    s = settings(flags)
    catalog = models.load_catalog(s.models_dir)
    chosen = [models.get_preset(s.models_dir, n) for n in names] or [p for p in catalog.values()
                                                                      if models.is_installed(s.models_dir, p)]
    bad = 0
    for preset in chosen:
        for f in preset.files:
            try:
                with _bytes_progress(f"verify {f.name}") as progress:
                    status = models.verify_file(s.models_dir, f, progress)
            except RagError as e:
                status, bad = f"FAILED: {e}", bad + 1
            out.print(f"{preset.name}: {f.name}: {status}")
    if bad:
        sys.exit(1)


def _bytes_progress(label: str) -> Any:
    class _P:
        def __enter__(self) -> Callable[[int, int], None]:
            self.p = Progress(TextColumn(label), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                              console=err, transient=True)
            self.p.start()
            self.task = self.p.add_task(label, total=None)
            return lambda done, total: self.p.update(self.task, completed=done, total=total or None)

        def __exit__(self, *exc: Any) -> None:
            self.p.stop()

    return _P()


# ingest and the index ------------------------------------------------------------------------
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
                  TimeRemainingColumn(), console=err, transient=True) as bar:
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
        table.add_row(r["doc_id"], r["title"], r["publisher"] or "", r["date"] or "", str(r["n_chunks"]),
                      str(r["n_tokens"]), r["duplicate_of"] or "")
    out.print(table)


@cli.command()
@click.argument("doc_id")
@settings_options
def show(doc_id: str, **flags: Any) -> None:
    """Print an article's cleaned text."""
    index = app.open_index(settings(flags))
    rec = index.store.get_document(doc_id)
    if rec is None:
        raise UnknownSourceError(f"no document '{doc_id}'; known: {', '.join(sorted(index.documents()))}")
    out.print(rec.text, markup=False)


@cli.command()
@click.argument("doc_id")
@settings_options
def remove(doc_id: str, **flags: Any) -> None:
    """Remove an article from the index."""
    index = app.open_index(settings(flags))
    if doc_id not in index.documents():
        raise UnknownSourceError(f"no document '{doc_id}'; known: {', '.join(sorted(index.documents()))}")
    index.store.remove_document(doc_id)
    out.print(f"removed {doc_id}")


# questions -----------------------------------------------------------------------------------
@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of streaming text.")
@click.option("--k", type=int, help="Number of chunks to retrieve [RAG_K].")
@click.option("--sources", "source_ids", help="Only use these doc ids (comma-separated).")
@click.option("--temperature", type=float, help="Sampling temperature [RAG_TEMPERATURE].")
@click.option("--max-tokens", type=int, help="Cap on answer tokens [RAG_MAX_TOKENS].")
@settings_options
def ask(question: str, as_json: bool, source_ids: str | None, **flags: Any) -> None:
    """Answer a question from the articles, with verified citations."""
    s = settings(flags)
    a = app.assistant(s)
    doc_ids = _doc_ids(a.index.documents(), source_ids)
    answer = None
    for event in ask_stream(a, question, doc_ids=doc_ids):
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


def _doc_ids(docs: dict, source_ids: str | None) -> list[str] | None:
    if not source_ids:
        return None
    ids = [x.strip() for x in source_ids.split(",") if x.strip()]
    unknown = [x for x in ids if x not in docs]
    if unknown:
        raise UnknownSourceError(f"unknown source id(s) {', '.join(unknown)}; known: {', '.join(sorted(docs))}")
    return ids


def print_verified(answer: Answer) -> None:
    """After the raw stream: the verified answer and its cited quotes."""
    label = "abstained" if answer.abstained else "verified answer"
    out.print(f"\n[bold]{label}:[/bold] ", end="")
    out.print(answer.answer, markup=False)
    for s in answer.sentences:
        if not s.supported:
            out.print(f"  [yellow]unverified:[/yellow] {s.text}", highlight=False)
    for c in answer.citations:
        if c.verified:
            out.print(f"  [{c.n}] {c.title} ({c.doc_id}): \"{c.quote}\"", markup=False)
    t = answer.timings
    err.print(f"retrieve {t.retrieve_ms:.0f} ms, first token {t.ttft_ms:.0f} ms, total {t.total_ms:.0f} ms, "
              f"{t.prompt_tokens} prompt + {t.completion_tokens} answer tokens")
    if answer.notice:
        err.print(f"note: {answer.notice}")


def answer_json(a: Answer) -> dict[str, Any]:
    """The documented JSON shape of `rag ask --json`, also used by the chat's API."""
    return {
        "question": a.question,
        "answer": a.answer,
        "abstained": a.abstained,
        "citations": [asdict(c) for c in a.citations],
        "sentences": [{"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in a.sentences],
        "sources": [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "score": round(h.score, 6)}
                    for h in a.hits],
        "timings": asdict(a.timings),
        "notice": a.notice,
    }


def main() -> None:
    cli(prog_name="rag")


if __name__ == "__main__":
    main()
