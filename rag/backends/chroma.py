"""The Chroma store: a `documents` collection (one record per article, holding its cleaned text and
metadata) and a `chunks` collection (embedded chunks). The only module that imports chromadb.

Replacing a document is crash-safe: new chunks are written under a new version tag, then the
document record is switched to that version in one write, then the old version's chunks are
deleted. Readers only trust chunks whose version matches their document's record, and `repair()`
deletes any leftovers, so a crash at any point leaves the old or the new version, never a mix.

A `meta` collection holds one record, the registry's generation: a new random token after every
write. `documents()` re-reads the registry only when the token has changed, so a query against a
large store pays one small read instead of every document's metadata, and several processes sharing
one Chroma server still see each other's writes.
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

from rag.core.errors import StoreError
from rag.core.types import Chunk, DocRecord, Document

log = logging.getLogger(__name__)

DOCS, CHUNKS, META = "documents", "chunks", "meta"
BATCH = 500


def open_client(store_dir: Path, chroma_url: str | None = None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    opts = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            u = urlparse(chroma_url)
            return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                       ssl=u.scheme == "https", settings=opts)
        store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(store_dir), settings=opts)
    except Exception as e:  # noqa: BLE001 - chromadb raises many types; all mean "store unavailable"
        where = chroma_url or store_dir
        raise StoreError(f"cannot open the Chroma store at {where}: {e}") from None


class Store:
    def __init__(self, client: Any, embedder_name: str):
        try:
            meta = {"hnsw:space": "cosine", "embedder": embedder_name}
            self._docs = client.get_or_create_collection(DOCS, metadata=meta, embedding_function=None)
            self._chunks = client.get_or_create_collection(CHUNKS, metadata=meta, embedding_function=None)
            self._meta = client.get_or_create_collection(META, embedding_function=None)
        except Exception as e:  # noqa: BLE001
            raise StoreError(f"cannot open the collections: {e}") from None
        self._registry: tuple[str, dict[str, DocRecord]] | None = None  # (generation, documents)
        if self._generation() is None:
            self.touch()
        built_with = (self._chunks.metadata or {}).get("embedder")
        if built_with and built_with != embedder_name:
            raise StoreError(f"this index was built with the embedder '{built_with}', not '{embedder_name}'; "
                             "use that embedder or a fresh workspace")

    # reading -------------------------------------------------------------------------------
    def documents(self) -> dict[str, DocRecord]:
        """Every document's record, re-read only when some process has written since the last read."""
        generation = self._generation()
        if self._registry is None or self._registry[0] != generation:
            got = self._call(self._docs.get, include=["metadatas"])
            self._registry = (generation or "", {i: _record(i, m) for i, m in zip(got["ids"], got["metadatas"])})
        return dict(self._registry[1])

    def _generation(self) -> str | None:
        got = self._call(self._meta.get, ids=["generation"], include=["metadatas"])
        return str(got["metadatas"][0]["token"]) if got["ids"] else None

    def get_document(self, doc_id: str) -> DocRecord | None:
        got = self._call(self._docs.get, ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        rec = _record(doc_id, got["metadatas"][0])
        return DocRecord(**{**rec.__dict__, "text": got["documents"][0] or ""})

    def chunk_count(self) -> int:
        return self._call(self._chunks.count)

    def iter_chunks(self, versions: dict[str, str]) -> Iterator[Chunk]:
        """Every current chunk (those whose version matches their document's record)."""
        offset = 0
        while True:
            got = self._call(self._chunks.get, include=["metadatas", "documents"], limit=BATCH * 4, offset=offset)
            for cid, meta, text in zip(got["ids"], got["metadatas"], got["documents"]):
                if versions.get(meta["doc_id"]) == meta["version"]:
                    yield _chunk(meta, text)
            if len(got["ids"]) < BATCH * 4:
                return
            offset += BATCH * 4

    def get_chunks(self, chunk_ids: Sequence[str], versions: dict[str, str]) -> dict[str, Chunk]:
        """Current chunks by id (ids as in Chunk.chunk_id, "doc:position")."""
        ids = [f"{cid}@{versions[cid.rsplit(':', 1)[0]]}" for cid in chunk_ids if cid.rsplit(":", 1)[0] in versions]
        if not ids:
            return {}
        got = self._call(self._chunks.get, ids=ids, include=["metadatas", "documents"])
        chunks = [_chunk(m, t) for m, t in zip(got["metadatas"], got["documents"])]
        return {c.chunk_id: c for c in chunks}

    def dense_search(self, embedding: np.ndarray, n: int, versions: dict[str, str],
                     doc_ids: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        """Nearest current chunks with their cosine similarity, best first."""
        if not versions:
            return []
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        total = self.chunk_count()
        got = self._call(self._chunks.query, query_embeddings=[embedding.tolist()], n_results=min(max(n * 2, n + 8), total),
                         where=where, include=["metadatas", "documents", "distances"])
        out = []
        for meta, text, dist in zip(got["metadatas"][0], got["documents"][0], got["distances"][0]):
            if versions.get(meta["doc_id"]) == meta["version"]:
                out.append((_chunk(meta, text), 1.0 - float(dist)))
        return out[:n]

    def document_vectors(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each document's unit vector (the mean of its chunks' embeddings, see put_document)."""
        out: dict[str, np.ndarray] = {}
        ids = list(doc_ids)
        for s in range(0, len(ids), BATCH):
            got = self._call(self._docs.get, ids=ids[s : s + BATCH], include=["embeddings"])
            out.update({i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])})
        return out

    def document_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Each document's cleaned text."""
        out: dict[str, str] = {}
        ids = list(doc_ids)
        for s in range(0, len(ids), BATCH):
            got = self._call(self._docs.get, ids=ids[s : s + BATCH], include=["documents"])
            out.update({i: t or "" for i, t in zip(got["ids"], got["documents"])})
        return out

    # writing -------------------------------------------------------------------------------
    def put_document(self, doc: Document, chunks: Sequence[Chunk], embeddings: np.ndarray, meta: dict[str, Any],
                     fail_after_chunks: bool = False) -> None:
        """Write a document's new version (`meta["version"]`) crash-safely (see the module docstring)."""
        version = meta["version"]
        for s in range(0, len(chunks), BATCH):
            part = chunks[s : s + BATCH]
            self._call(self._chunks.upsert, ids=[f"{c.chunk_id}@{version}" for c in part],
                       embeddings=[e.tolist() for e in embeddings[s : s + BATCH]],
                       documents=[c.text for c in part], metadatas=[_chunk_meta(c, version) for c in part])
        if fail_after_chunks:  # lets tests simulate a crash between the two steps
            raise StoreError("simulated failure after writing chunks")
        title_vec = embeddings.mean(axis=0) if len(embeddings) else np.ones(embeddings.shape[1] or 384)
        record = {k: v for k, v in meta.items() if v is not None}
        self._call(self._docs.upsert, ids=[doc.doc_id], documents=[doc.text],
                   embeddings=[(title_vec / (np.linalg.norm(title_vec) or 1)).tolist()], metadatas=[record])
        self.touch()
        self._delete_chunks(doc.doc_id, keep_version=version)

    def set_stories(self, fields: dict[str, dict[str, str]]) -> None:
        """Add fields (`story`, `names`) to documents' records; the other fields are kept as they are."""
        ids = list(fields)
        for s in range(0, len(ids), BATCH):
            part = ids[s : s + BATCH]
            self._call(self._docs.update, ids=part, metadatas=[fields[i] for i in part])
        if ids:
            self.touch()

    def remove_document(self, doc_id: str) -> None:
        self._call(self._docs.delete, ids=[doc_id])
        self.touch()
        self._delete_chunks(doc_id, keep_version=None)

    def touch(self) -> None:
        """Mark the registry as changed (a new generation), so every reader re-reads it."""
        self._call(self._meta.upsert, ids=["generation"], embeddings=[[0.0]], metadatas=[{"token": uuid.uuid4().hex}])

    def repair(self) -> int:
        """Delete chunks left behind by an interrupted write; returns how many."""
        versions = {d: r.version for d, r in self.documents().items()}
        stale, offset = [], 0
        while True:
            got = self._call(self._chunks.get, include=["metadatas"], limit=BATCH * 4, offset=offset)
            stale += [i for i, m in zip(got["ids"], got["metadatas"]) if versions.get(m["doc_id"]) != m["version"]]
            if len(got["ids"]) < BATCH * 4:
                break
            offset += BATCH * 4
        for s in range(0, len(stale), BATCH):
            self._call(self._chunks.delete, ids=stale[s : s + BATCH])
        return len(stale)

    def _delete_chunks(self, doc_id: str, keep_version: str | None) -> None:
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        self._call(self._chunks.delete, where=where)

    @staticmethod
    def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - wrap every chromadb/httpx failure at the adapter
            raise StoreError(f"the Chroma store failed: {type(e).__name__}: {e}") from None


def _chunk_meta(c: Chunk, version: str) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "position": c.position, "start": c.start, "end": c.end,
            "title": c.title, "tokens": c.tokens, "version": version}


def _chunk(meta: dict[str, Any], text: str) -> Chunk:
    return Chunk(f"{meta['doc_id']}:{meta['position']}", meta["doc_id"], int(meta["position"]), int(meta["start"]),
                 int(meta["end"]), text or "", meta.get("title", ""), int(meta.get("tokens", 0)))


def _record(doc_id: str, m: dict[str, Any]) -> DocRecord:
    return DocRecord(doc_id=doc_id, title=m.get("title", doc_id), version=m.get("version", ""),
                     sha256=m.get("sha256", ""), source_path=m.get("source_path", ""),
                     ingested_at=m.get("ingested_at", ""), n_chunks=int(m.get("n_chunks", 0)),
                     n_tokens=int(m.get("n_tokens", 0)), publisher=m.get("publisher"), date=m.get("date"),
                     duplicate_of=m.get("duplicate_of"), minhash=m.get("minhash", ""), story=m.get("story"),
                     names=m.get("names", ""))
