"""`rag brief` and `rag summarize`: cited multi-source briefings and single-article digests."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from rag.briefing import brief as briefing
from rag.briefing.digest import digest_to_dict
from rag.briefing.render import render_digest_markdown, render_front_page, render_markdown
from rag.cli.base import cli, desk, err, out, settings_options
from rag.core.inputs import writable_file
from rag.core.types import FrontPage


@cli.command()
@click.option("--topic", help="Brief on what retrieval finds for this topic (default: everything indexed).")
@click.option("--sources", "source_ids", help="Only these doc ids (comma-separated).")
@click.option("--story", help="Brief one story (an id from `rag stories`).")
@click.option("--since", help="What is new since this date (e.g. 2004-11-15): newer articles lead, older ones are "
                             "background.")
@click.option("--out", "out_path", type=click.Path(path_type=Path), help="Write the brief to this file.")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--words", type=int, default=briefing.BRIEF_WORDS, show_default=True,
              help="Upper bound on the brief's length.")
@settings_options
def brief(topic: str | None, source_ids: str | None, story: str | None, since: str | None, out_path: Path | None,
          fmt: str, words: int, **flags: Any) -> None:
    """Write a cited briefing: key points, timeline, agreement, differences, who said what, coverage.

    With no selection on a corpus of several stories: a front page, one section per leading story."""
    if out_path is not None:
        writable_file(out_path)  # before the work: a brief takes minutes
    with _progress() as update:
        b = desk(flags).briefing(topic=topic, doc_ids=source_ids, words=words, progress=update, story=story,
                                 since=since)
    if isinstance(b, FrontPage):
        text = (json.dumps(front_json(b), indent=2) if fmt == "json" else render_front_page(b))
    else:
        text = json.dumps(briefing.to_json(b), indent=2) if fmt == "json" else render_markdown(b)
    if out_path is None:
        out.print(text, markup=False)
    else:
        out_path.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {out_path}", markup=False)
    briefs = [x for _, x in b.sections] if isinstance(b, FrontPage) else [b]
    counts = [briefing.sentence_counts(x) for x in briefs]
    cited_ids = sorted({d for x in briefs for d in briefing.cited_doc_ids(x)})
    err.print(f"{sum(c for _, c in counts)}/{sum(t for t, _ in counts)} sentences carry a verified citation; "
              f"cited: {', '.join(cited_ids)}", markup=False)


def front_json(f: FrontPage) -> dict[str, Any]:
    return {"front_page": [{**s.as_dict(), "brief": briefing.to_json(b)} for s, b in f.sections], "since": f.since}


@cli.command()
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@settings_options
def summarize(doc_id: str, as_json: bool, **flags: Any) -> None:
    """Print one article's cited digest: key facts with their supporting sentences."""
    d = desk(flags).summarize(doc_id)
    if as_json:
        out.print_json(json.dumps(digest_to_dict(d)))
    else:
        out.print(render_digest_markdown(d), markup=False)


def _progress() -> Any:
    class _P:
        def __enter__(self) -> Any:
            self.bar = Progress(TextColumn("brief"), BarColumn(), TextColumn("{task.description}"),
                                TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
                                disable=not err.is_terminal)
            self.bar.start()
            self.task = self.bar.add_task("", total=None)
            return lambda done, total, label: self.bar.update(self.task, completed=done, total=total,
                                                              description=label)

        def __exit__(self, *exc: Any) -> None:
            self.bar.stop()

    return _P()
