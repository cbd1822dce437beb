"""`rag models list|pull|verify`."""
from __future__ import annotations

import sys
from typing import Any, Callable

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rag import models
from rag.cli.base import Group, cli, err, out, settings, settings_options
from rag.errors import RagError


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


