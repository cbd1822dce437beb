"""`rag stories`: the stories (articles about one event) with their outlets, dates and articles."""
from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from rag.cli.base import cli, desk, out, settings_options


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--since", help="Only stories with an article dated on or after this day (YYYY-MM-DD).")
@click.option("--publisher", help="Only stories that an outlet containing this covers (any case).")
@settings_options
def stories(as_json: bool, since: str | None, publisher: str | None, **flags: Any) -> None:
    """List the stories: articles grouped by the event they report."""
    rows = [s.as_dict() for s in desk(flags).stories(since=since, publisher=publisher)]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("story", "label", "outlets", "dates", "articles")
    table.columns[0].no_wrap = True
    table.columns[1].max_width = 60
    for r in rows:
        dates = r["first"] if r["first"] == r["last"] else f"{r['first']} – {r['last']}"
        table.add_row(r["story"], r["label"], ", ".join(r["outlets"]), dates or "",
                      f"{r['articles']}: {' '.join(r['doc_ids'])}")
    out.print(table)
    out.print(f"{len(rows)} stories", markup=False)
