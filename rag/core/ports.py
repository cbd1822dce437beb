"""The ports: what the application needs from a chat model, an embedder and a document store.

Protocols only; the backends (`rag.backends.*`) implement them and `rag.desk` chooses which. A new
backend is a new module that satisfies one of these, plus one line where backends are chosen.
Imports nothing of ours but the types.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterator, Protocol, Sequence

import numpy as np

from rag.core.types import Chunk, DocRecord, Document, Usage


class ChatModel(Protocol):
    """A chat model. `stream` yields text pieces, then exactly one `Usage` as its last item, so what
    a call cost travels with the call (two generations at once never read each other's counts)."""

    name: str
    n_ctx: int

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float) -> Iterator[str | Usage]: ...


class Embedder(Protocol):
    """Texts to unit vectors; `model_name` is recorded in the store that it builds."""

    model_name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class DocumentStore(Protocol):
    """Documents and their embedded chunks, written crash-safely by version (see rag.backends.chroma)."""

    def documents(self) -> dict[str, DocRecord]: ...

    def get_document(self, doc_id: str) -> DocRecord | None: ...

    def chunk_count(self) -> int: ...

    def iter_chunks(self, versions: dict[str, str]) -> Iterator[Chunk]: ...

    def get_chunks(self, chunk_ids: Sequence[str], versions: dict[str, str]) -> dict[str, Chunk]: ...

    def dense_search(self, embedding: np.ndarray, n: int, versions: dict[str, str],
                     doc_ids: Sequence[str] | None = None) -> list[tuple[Chunk, float]]: ...

    def put_document(self, doc: Document, chunks: Sequence[Chunk], embeddings: np.ndarray, meta: dict[str, Any],
                     fail_after_chunks: bool = False) -> None: ...

    def remove_document(self, doc_id: str) -> None: ...

    def repair(self) -> int: ...

    def chunk_census(self) -> Counter[tuple[str, str]]: ...
