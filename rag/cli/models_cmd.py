"""`rag models list|pull|verify`."""
from __future__ import annotations

import sys
from typing import Any, Callable

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rag.cli.base import Group, cli, desk, err, out, settings_options


@cli.group("models", cls=Group)
def models_group() -> None:
    """List, pull and verify model files."""


@models_group.command("list")
@settings_options
def models_list(**flags: Any) -> None:
    """Show every preset: size, whether it is installed, what it is for."""
    d = desk(flags)
    table = Table("name", "kind", "size", "installed", "purpose")
    for p, installed in d.presets():
        size = sum(f.size or 0 for f in p.files)
        table.add_row(p.name + (" *" if p.name in (d.settings.model, d.settings.embed_model) else ""), p.kind,
                      f"{size / 1e6:,.0f} MB" if size else "?", "yes" if installed else "no", p.purpose)
    out.print(table)
    out.print("* used by the current configuration")


@models_group.command("pull")
@click.argument("names", nargs=-1)
@settings_options
def models_pull(names: tuple[str, ...], **flags: Any) -> None:
    """Fetch and verify models (default: the chat and embedding models the configuration uses)."""
    d = desk(flags)
    for name in names or (d.settings.model, d.settings.embed_model):
        with _bytes_progress(f"pull {name}") as progress:
            paths = d.pull(name, progress)
        for p in paths:
            err.print(f"{name}: {p} verified", markup=False)


@models_group.command("verify")
@click.argument("names", nargs=-1)
@settings_options
def models_verify(names: tuple[str, ...], **flags: Any) -> None:
    """Check the sha256 of installed model files (default: every installed preset)."""
    bad = 0
    for preset, file, status, ok in desk(flags).verify_models(names, lambda f: _bytes_progress(f"verify {f}")):
        bad += not ok
        out.print(f"{preset}: {file}: {status}", markup=False)
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


