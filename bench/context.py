"""What every section gets: the mode, a scratch folder, settings, the seed questions and an index of
seeds/ built once per run, plus a place where a section leaves results for a later one.

Does not load a chat model: a section loads the one it measures and lets it go when done.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from rag import desk as app
from rag.core.config import PROJECT_ROOT, Settings, load_settings
from rag.evaluation.cases import Case, load_suite
from rag.ingest.pipeline import ingest
from rag.retrieval.retrieve import Index

ROOT = PROJECT_ROOT
SEEDS = ROOT / "seeds"
QUESTIONS = ROOT / "tests" / "eval" / "seeds.yaml"
DEFAULT_MODEL, FAST_MODEL, TINY_MODEL = "qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "smollm2-135m"
EMBED_MODEL = "minilm-l6-int8"


@dataclass
class Context:
    quick: bool
    tmp: Path
    shared: dict[str, Any] = field(default_factory=dict)  # results one section leaves for another
    out: Path | None = None  # the run's result file; sections may write files beside it (quality: HTML reports)
    _index: Index | None = None

    def settings(self, workspace: Path | None = None, **changes: Any) -> Settings:
        """Default settings (no rag.toml, no RAG_* variables) with a workspace under the scratch folder."""
        s = load_settings({}, environ={}, toml_path=self.tmp / "none.toml")
        return s.replace(workspace=workspace or self.tmp / "seeds-ws", **changes)

    def seeds_index(self) -> Index:
        """The index of seeds/ in the run's shared workspace, ingested on first use."""
        if self._index is None:
            s = self.settings()
            self._index = app.open_index(s)
            ingest([SEEDS], self._index.store, self._index.embedder, chunk_tokens=s.chunk_tokens,
                   chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 2**20))
        return self._index

    def question_cases(self) -> list[Case]:
        """The seed suite's question cases (briefing cases are left out)."""
        return [c for c in load_suite(QUESTIONS).cases if c.type != "briefing"]

    def release(self) -> None:
        gc.collect()


def pick(cases: Sequence[Case], answerable: int, unanswerable: int = 0) -> list[Case]:
    """`answerable` answerable and `unanswerable` unanswerable cases, spread evenly over the file."""
    def spread(pool: list[Case], n: int) -> list[Case]:
        if n <= 0:
            return []
        if n >= len(pool):
            return pool
        step = len(pool) / n
        return [pool[int(i * step)] for i in range(n)]

    yes = [c for c in cases if not c.unanswerable]
    no = [c for c in cases if c.unanswerable]
    return spread(yes, answerable) + spread(no, unanswerable)
