"""Shared fixtures: real Chroma in temp dirs, the real ONNX embedder and the tiny real GGUF model."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from bench.servers import free_port
from rag import desk as app
from rag.core.config import PROJECT_ROOT, Settings, load_settings
from rag.core.errors import Stopped
from rag.core.prompts import Prompts
from rag.core.types import Usage
from rag.ingest.pipeline import ingest

SEEDS = PROJECT_ROOT / "seeds"
TINY = "smollm2-135m"

@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own workspace and no RAG_* settings from the caller's environment."""
    for key in list(os.environ):
        if key.startswith("RAG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAG_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("RAG_MODEL", TINY)
    monkeypatch.setenv("RAG_CONFIG", str(tmp_path / "no-rag.toml"))
    monkeypatch.chdir(tmp_path)

@dataclass
class Scripted:
    """A ChatModel that replies with the next scripted text, a word at a time, and keeps what it was asked."""

    replies: list[str]
    name: str = "scripted"
    n_ctx: int = 4096
    calls: list[list[dict]] = field(default_factory=list)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float) -> Iterator[str | Usage]:
        self.calls.append(messages)
        reply = self.replies.pop(0)
        if reply == "STOP":
            raise Stopped("stopped")
        words = reply.split(" ")
        for i, w in enumerate(words):
            yield w if i == 0 else " " + w
        yield Usage(100, len(words))

def tiny_settings(workspace: Path, **changes: object) -> Settings:
    # one thread: llama.cpp spin-waits, so two threads on two busy cores run far slower than one
    return load_settings({"workspace": workspace, "model": TINY, "n_ctx": 2048, "n_threads": 1, **changes}, environ={})

@pytest.fixture(scope="session")
def embedder():
    return app.load_embedder(tiny_settings(Path("unused")))

@pytest.fixture(scope="session")
def tiny_llm():
    return app.load_llm(tiny_settings(Path("unused")))

@pytest.fixture(scope="session")
def seeded_workspace(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A workspace with the three seeds ingested, shared read-only by many tests."""
    ws = tmp_path_factory.mktemp("seeded")
    s = tiny_settings(ws)
    index = app.open_index(s, embedder)
    report = ingest([SEEDS], index.store, embedder, chunk_tokens=s.chunk_tokens, chunk_overlap=s.chunk_overlap,
                    max_bytes=int(s.max_file_mb * 1e6))
    assert len(report.added) == 3, report
    return ws

@pytest.fixture(scope="session")
def seeded_index(seeded_workspace: Path, embedder):
    return app.open_index(tiny_settings(seeded_workspace), embedder)

@pytest.fixture(scope="session")
def tiny_assistant(seeded_workspace: Path, seeded_index, tiny_llm):
    return app.assistant(tiny_settings(seeded_workspace), seeded_index, tiny_llm)

@pytest.fixture
def prompts() -> Prompts:
    return Prompts(PROJECT_ROOT / "prompts")

@contextlib.contextmanager
def serve_seeds(workspace: Path, embedder, llm, **changes: object) -> Iterator[tuple]:
    """The chat app on a free loopback port over a fresh workspace holding the seeds: (demo, settings, index)."""
    from rag.web import chat as ui  # gradio is slow to import; only the app tests need it

    settings = tiny_settings(workspace, **changes)
    index = app.open_index(settings, embedder)
    ingest([SEEDS], index.store, embedder, chunk_tokens=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
           max_bytes=int(settings.max_file_mb * 1e6))
    demo = ui.launch(app.NewsDesk(settings, index=index, llm=llm), port=free_port(), prevent_thread_lock=True,
                     quiet=True)
    try:
        yield demo, settings, index
    finally:
        demo.close()
