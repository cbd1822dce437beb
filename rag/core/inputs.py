"""Checks for values that arrive from outside the settings: API arguments, command-line paths, doc ids.

Each check returns the clean value or raises (or builds) a one-line error that names the argument
and says what was wrong. This module does not read settings or touch the store.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from rag.core.errors import ConfigError, UnknownSourceError

BRIEF_WORDS_RANGE = (50, 5000)  # the UI's slider offers 100-1000; a brief under 50 words holds no key point


def whole_number(name: str, value: Any, low: int, high: int) -> int:
    """`value` (an int, or a string of one, as API clients send) within [low, high]."""
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a whole number between {low} and {high}, got {value!r}")
    try:
        number = float(value)
        whole = int(number)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{name} must be a whole number between {low} and {high}, got {value!r}") from None
    if whole != number or not low <= whole <= high:
        raise ConfigError(f"{name} must be a whole number between {low} and {high}, got {value!r}")
    return whole


def writable_file(path: Path) -> Path:
    """A path a file can be written to, checked before any work is done."""
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give a file name, e.g. {path / 'brief.md'}")
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"cannot write {path}: permission denied")
    return path


def unknown_sources(unknown: Sequence[str], known: Iterable[str], shown: int = 3, what: str = "no document",
                    lister: str = "rag sources") -> UnknownSourceError:
    """The error for ids not in the index (documents, or stories with `what`/`lister`): the closest
    few known ids and how many there are (listing every id made a 24 kB message at 2,000 documents)."""
    known = sorted(known)
    kind = "source" if what == "no document" else what.removeprefix("no ")
    said = (f"{what} '{unknown[0]}' (unknown {kind} id)" if len(unknown) == 1
            else f"unknown {kind} ids {', '.join(unknown)}")
    if not known:
        return UnknownSourceError(f"{said}; nothing is ingested yet")
    near: list[str] = []
    for key in unknown:
        near += [d for d in difflib.get_close_matches(key, known, n=shown, cutoff=0.0) if d not in near]
    return UnknownSourceError(f"{said}; {len(known)} known, the closest: {', '.join(near[:shown])} "
                              f"({lister} lists them all)")
