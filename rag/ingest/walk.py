"""Expand the paths a user named into the files to ingest, each with the root it was found under.

Folders are walked recursively in sorted order, hidden entries skipped. A folder or file that
cannot be read is reported with its path and the rest goes on. Symbolic links are followed only
while they stay inside the folder being ingested (a link to /etc/passwd is skipped and said so)
unless `follow_links` is set; a file named on the command line is the user's explicit choice and
is always read. The root is what ids are made relative to (see `ids.py`): the named folder, or the
named file's own folder.

Does not read file contents or decide formats beyond the file name's suffix.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

SkipList = list[tuple[Path, str]]


@dataclass(frozen=True)
class Found:
    path: Path
    root: Path  # the folder that was named (or the named file's folder)


def find_sources(paths: Iterable[Path], supported: tuple[str, ...], follow_links: bool = False
                 ) -> tuple[list[Found], SkipList]:
    """(files to read with their roots, [(path, reason)] for what was skipped)."""
    found: list[Found] = []
    skipped: SkipList = []
    seen: dict[Path, int] = {}  # resolved path -> position in found
    for path in map(Path, paths):
        try:
            candidates = _candidates(path, follow_links, skipped)
        except OSError as e:  # a path inside a folder we may not enter: stat itself fails
            skipped.append((path, f"cannot read: {e.strerror or e}"))
            continue
        for file, root in candidates:
            try:
                reason = _unsupported(file, supported)
                key = file.resolve()
            except OSError as e:
                skipped.append((file, f"cannot read: {e.strerror or e}"))
                continue
            if reason:
                skipped.append((file, reason))
            elif key not in seen:
                seen[key] = len(found)
                found.append(Found(file, root))
            elif found[seen[key]].path.is_symlink() and not file.is_symlink():
                found[seen[key]] = Found(file, root)  # the file itself rather than a link to it
    return found, skipped


def _candidates(path: Path, follow_links: bool, skipped: SkipList) -> list[tuple[Path, Path]]:
    if path.is_dir():
        return [(f, path) for f in _walk(path, follow_links, skipped)]
    if path.exists() or path.is_symlink():
        return [(path, path.parent)]
    skipped.append((path, "no such file or folder"))
    return []


def _walk(folder: Path, follow_links: bool, skipped: SkipList) -> Iterable[Path]:
    inside = folder.resolve()
    visited: set[Path] = set()

    def unreadable(e: OSError) -> None:
        skipped.append((Path(e.filename or folder), f"cannot read folder: {e.strerror or e}"))

    for root, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        here = Path(root)
        real = here.resolve()
        if real in visited:  # a link loop, or a second link to a folder already walked
            dirs[:] = []
            continue
        visited.add(real)
        keep = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            if (here / d).is_symlink() and not follow_links and not _within((here / d).resolve(), inside):
                skipped.append((here / d, "symbolic link to a folder outside the ingested folder (not followed)"))
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if name.startswith("."):
                continue
            file = here / name
            if not follow_links and file.is_symlink() and not _within(file.resolve(), inside):
                skipped.append((file, "symbolic link to a file outside the ingested folder (not followed)"))
                continue
            yield file


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _unsupported(file: Path, supported: tuple[str, ...]) -> str | None:
    if file.is_symlink() and not file.exists():
        return "broken symbolic link"
    if not file.is_file():
        return "not a regular file"
    suffix = file.suffix.lower()
    if suffix not in supported:
        return f"unsupported file type '{suffix}'" if suffix else "unsupported file type (no extension)"
    return None
