"""Embed and write prepared articles in groups on two worker threads, one embedding a group while the
other writes the one before it, so that reading and cleaning the next articles, embedding and
writing all overlap (onnxruntime and Chroma release the GIL).

A group closes at GROUP_TOKENS chunk tokens (or at the end): one embedder call over all its chunks
(the embedder sorts them by length, so there is less padding than one article at a time) and one
bulk write (`Store.put_documents`, still crash-safe per document). A group the store cannot take is
reported as failed, article by article; any other error stops the ingest and is raised in the
caller's thread. At most two groups wait to be embedded and one to be written, so memory stays
bounded whatever the input's size. Writing in its own thread: 989 articles into a store of 1,994
spent 22 of 220 s in `put_documents`, during which nothing was embedded.

Does not decide what is written or whether an article is unchanged (rag.ingest.pipeline).
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from rag.backends.chroma import Store
from rag.backends.embed import Embedder
from rag.core.errors import StoreError
from rag.core.types import Chunk, Document

# Chunk tokens per group: about 64 chunks of 128 tokens, enough for the embedder's length sorting to
# fill its batches, and at most three groups in flight (one embedding, two waiting) bound the memory.
# Chosen, not tuned: `python -m bench.ingest` measures the ingest/embedder ratio it gives.
GROUP_TOKENS = 8192


@dataclass(frozen=True)
class Ready:
    """An article cleaned and chunked, waiting to be embedded and written."""

    doc: Document
    chunks: list[Chunk]
    meta: dict[str, Any]
    outcome: str  # "added", "updated" or "restored"


class BulkWriter:
    """`put` prepared articles, then `close` (or `abort`); `done`/`failed` are called per article."""

    def __init__(self, store: Store, embedder: Embedder, done: Callable[[Ready], None],
                 failed: Callable[[Ready, str], None], group_tokens: int = GROUP_TOKENS):
        self._store, self._embedder, self._done, self._failed = store, embedder, done, failed
        self._limit, self._group, self._tokens = group_tokens, [], 0
        self._queue: queue.Queue[list[Ready] | None] = queue.Queue(maxsize=2)
        self._embedded: queue.Queue[tuple[list[Ready], np.ndarray] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._stop = False
        self._threads = [threading.Thread(target=self._embed_groups, name="ingest-embed", daemon=True),
                         threading.Thread(target=self._write_groups, name="ingest-write", daemon=True)]
        for t in self._threads:
            t.start()

    def put(self, ready: Ready) -> None:
        self._group.append(ready)
        self._tokens += sum(c.tokens for c in ready.chunks)
        if self._tokens >= self._limit:
            self._flush()

    def close(self) -> None:
        """Write what is left and wait for it; raises the worker's error, if any."""
        self._flush()
        self._finish()

    def abort(self) -> None:
        """Stop without writing what has not been handed to the worker yet."""
        self._group, self._stop = [], True
        self._finish()

    def _flush(self) -> None:
        self._check()
        if self._group:
            self._queue.put(self._group)
            self._group, self._tokens = [], 0

    def _finish(self) -> None:
        self._queue.put(None)
        for t in self._threads:
            t.join()
        self._check()

    def _check(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _embed_groups(self) -> None:
        while (group := self._queue.get()) is not None:
            self._guarded(lambda: self._embedded.put(
                (group, self._embedder.embed([f"{c.title}\n{c.text}" for r in group for c in r.chunks]))))
        self._embedded.put(None)

    def _write_groups(self) -> None:
        while (item := self._embedded.get()) is not None:
            self._guarded(lambda: self._write(*item))

    def _guarded(self, step: Callable[[], None]) -> None:
        """Run a step unless the ingest stopped or failed; an error is kept for the caller's thread (each
        thread goes on draining its queue, so neither blocks the other)."""
        if self._error is None and not self._stop:
            try:
                step()
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                self._error = self._error or e

    def _write(self, group: list[Ready], vectors: np.ndarray) -> None:
        items, i = [], 0
        for r in group:
            items.append((r.doc, r.chunks, vectors[i : i + len(r.chunks)], r.meta))
            i += len(r.chunks)
        try:
            self._store.put_documents(items)
        except StoreError as e:
            for r in group:
                self._failed(r, str(e))
            return
        for r in group:
            self._done(r)
