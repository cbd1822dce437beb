"""What a benchmark section hands back (`Result`: tables, JSON data, notes) and how it is shown.

Does: plain-text tables, percentiles, a stopwatch, progress lines on stderr.
Does not: judge numbers. A benchmark never fails on a time; it shows the number.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from rag.evaluation.evaluate import percentile  # noqa: F401 - re-exported for the sections


@dataclass
class Table:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)

    def add(self, *row: Any) -> None:
        self.rows.append(row)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "headers": list(self.headers), "rows": [[_plain(v) for v in r] for r in self.rows]}


@dataclass
class Result:
    """One section's outcome: `data` goes to the JSON file, `tables` to stdout, `notes` to both."""

    data: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the section did not run (a missing module, an install failure)


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}" if abs(value) >= 1 or value == 0 else f"{value:.{max(digits, 3)}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(table: Table) -> str:
    cells = [[str(h) for h in table.headers]] + [[v if isinstance(v, str) else fmt(v) for v in r] for r in table.rows]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(table.headers))]
    line = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))  # noqa: E731
    out = [f"## {table.title}", line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the tables)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Stopwatch:
    """`with Stopwatch() as sw: ...` then `sw.s` / `sw.ms`."""

    def __enter__(self) -> "Stopwatch":
        self._t0 = time.perf_counter()
        self.s = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0

    @property
    def ms(self) -> float:
        return self.s * 1000


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    return v if isinstance(v, (int, str, bool)) or v is None else str(v)
