"""Prompt templates: every prompt is a text file in `prompts/`, filled with str.format fields.

Values are inserted, never re-parsed, so braces inside article text are harmless.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag.core.errors import ConfigError


@dataclass(frozen=True)
class Prompts:
    directory: Path

    def text(self, name: str) -> str:
        path = self.directory / f"{name}.txt"
        try:
            return path.read_text(encoding="utf-8").strip("\n")
        except OSError as e:
            raise ConfigError(f"missing prompt template {path}: {e.strerror}") from None

    def render(self, name: str, **fields: object) -> str:
        try:
            return self.text(name).format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(f"prompt template {name}.txt has a bad field: {e}") from None

    def version(self, *names: str) -> str:
        """A short hash of the named templates (all when none named), for caches and eval reports."""
        paths = [self.directory / f"{n}.txt" for n in names] if names else sorted(self.directory.glob("*.txt"))
        h = hashlib.sha256()
        for p in paths:
            h.update(p.name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b""))
        return h.hexdigest()[:12]
