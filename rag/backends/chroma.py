"""The Chroma store: a `documents` collection (one record per article, holding its cleaned text and
metadata) and a `chunks` collection (embedded chunks). The only module that imports chromadb.

Replacing a document is crash-safe: new chunks are written under a new version tag, then the
document record is switched to that version in one write, then the old version's chunks are
deleted. Readers only trust chunks whose version matches their document's record, and `repair()`
deletes any leftovers, so a crash at any point leaves the old or the new version, never a mix.

Any number of writers may run at once (CLI processes, chat uploads, app copies on one Chroma
server). While a write's chunks are not yet current it holds a lease (rag.backends.writers) in the `meta`
collection; `repair()` removes only non-current chunks that no live lease covers, and a write
deletes only the version it replaced (read just before its switch), never "every other version".
`chunk_census()` counts the chunks each (document, version) actually has, so an ingest can restore
a document whose chunks are missing.

A `meta` collection holds one record, the registry's generation: a new random token after every
write. `documents()` re-reads the registry only when the token has changed, so a query against a
large store pays one small read instead of every document's metadata, and several processes sharing
one Chroma server still see each other's writes.
"""
from __future__ import annotations

import atexit
import base64
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

from rag.backends.writers import Lease, is_alive, lease_from_meta, new_lease
from rag.core.errors import StoreError
from rag.core.types import Chunk, DocRecord, Document

log = logging.getLogger(__name__)

DOCS, CHUNKS, META = "documents", "chunks", "meta"
BATCH = 500
_BY_DOCUMENT_MAX, _DOCS_PER_READ = 2000, 100  # chunks_of: read by document up to this many documents
OPEN_TRIES = 5  # opening a new store from several processes at once: all but one lose a race, then succeed


def open_client(store_dir: Path, chroma_url: str | None = None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    opts = ChromaSettings(anonymized_telemetry=False)
    if not chroma_url and is_read_only(store_dir):
        store_dir = _snapshot(store_dir)
    for attempt in range(OPEN_TRIES):
        try:
            if chroma_url:
                u = urlparse(chroma_url)
                return chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                           ssl=u.scheme == "https", settings=opts)
            store_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(store_dir), settings=opts)
        except Exception as e:  # noqa: BLE001 - chromadb raises many types; all mean "store unavailable"
            if attempt + 1 < OPEN_TRIES and _creation_race(e):
                from chromadb.api.shared_system_client import SharedSystemClient

                SharedSystemClient._identifier_to_system.pop(str(store_dir), None)  # not the half-made one
                time.sleep(0.2 * (attempt + 1))
                continue
            where = chroma_url or store_dir
            raise StoreError(f"cannot open the Chroma store at {where}: {e}") from None
    raise AssertionError("unreachable")


def is_read_only(store_dir: Path) -> bool:
    """A store this process cannot write (a read-only mount or permissions)."""
    files = [store_dir, *store_dir.glob("chroma.sqlite3*")] if store_dir.is_dir() else []
    return any(not os.access(f, os.W_OK) for f in files)


def _snapshot(store_dir: Path) -> Path:
    """Chroma cannot open a database it may not write (it writes on open), so a read-only store is
    read from a private temporary copy; the Store refuses writes (see Store.read_only)."""
    copy = Path(tempfile.mkdtemp(prefix="rag-readonly-")) / "store"
    try:
        shutil.copytree(store_dir, copy)
    except OSError as e:
        raise StoreError(f"cannot read the read-only store at {store_dir}: {e}") from None
    atexit.register(shutil.rmtree, copy.parent, True)
    return copy


def _creation_race(e: Exception) -> bool:
    """Several processes creating one new store (or its collections) at once: Chroma's schema
    migration or collection insert fails in all but one ("table collections already exists",
    a unique constraint); opening again finds what the winner created."""
    text = str(e).lower()
    return "already exists" in text or "unique constraint" in text or "locked" in text


class Store:
    def __init__(self, client: Any, embedder_name: str, read_only: str | None = None):
        """`read_only`: where the store lives, when it may only be read (writes then raise StoreError)."""
        self.read_only = read_only
        for attempt in range(OPEN_TRIES):
            try:
                meta = {"hnsw:space": "cosine", "embedder": embedder_name}
                self._docs = client.get_or_create_collection(DOCS, metadata=meta, embedding_function=None)
                self._chunks = client.get_or_create_collection(CHUNKS, metadata=meta, embedding_function=None)
                self._meta = client.get_or_create_collection(META, embedding_function=None)
                break
            except Exception as e:  # noqa: BLE001
                if attempt + 1 < OPEN_TRIES and _creation_race(e):
                    time.sleep(0.2 * (attempt + 1))
                    continue
                raise StoreError(f"cannot open the collections: {e}") from None
        self._registry: tuple[str, dict[str, DocRecord]] | None = None  # (generation, documents)
        if self._generation() is None and not read_only:
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

    def chunks_of(self, versions: dict[str, str]) -> Iterator[Chunk]:
        """The current chunks of these documents (doc_id -> version): read by document when they are
        few, else by one pass over every chunk (fewer round trips than thousands of small reads)."""
        if len(versions) > _BY_DOCUMENT_MAX:
            yield from self.iter_chunks(versions)
            return
        ids = sorted(versions)
        for s in range(0, len(ids), _DOCS_PER_READ):
            got = self._call(self._chunks.get, where={"doc_id": {"$in": ids[s : s + _DOCS_PER_READ]}},
                             include=["metadatas", "documents"])
            for meta, text in zip(got["metadatas"], got["documents"]):
                if versions.get(meta["doc_id"]) == meta["version"]:
                    yield _chunk(meta, text)

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
        return {i: np.asarray(e, dtype=np.float32)
                for got in self._read_documents(doc_ids, "embeddings") for i, e in zip(got["ids"], got["embeddings"])}

    def document_leads(self, versions: dict[str, str]) -> dict[str, np.ndarray]:
        """Each document's lead vector (`_lead_vector`), unit length: the one its record holds, else made
        from its current first chunks' embeddings (a record written before leads were), else (no chunk
        found) its document vector."""
        out = {d: unpack_vector(x) for d, x in self.document_field(list(versions), "lead").items()}
        ids = [f"{d}:{p}@{versions[d]}" for d in versions if d not in out for p in (0, 1)]
        first: dict[str, dict[int, np.ndarray]] = {}
        for s in range(0, len(ids), BATCH):
            got = self._call(self._chunks.get, ids=ids[s : s + BATCH], include=["embeddings", "metadatas"])
            for m, e in zip(got["metadatas"], got["embeddings"]):
                first.setdefault(m["doc_id"], {})[int(m["position"])] = np.asarray(e, dtype=np.float32)
        out.update({d: _lead_vector(np.stack([vs[p] for p in sorted(vs)])) for d, vs in first.items()})
        rest = [d for d in versions if d not in out]
        return {**out, **(self.document_vectors(rest) if rest else {})}

    def document_field(self, doc_ids: Sequence[str], key: str) -> dict[str, str]:
        """One metadata field of these documents (those that have it), e.g. one `set_stories` wrote."""
        return {i: str(m[key]) for got in self._read_documents(doc_ids, "metadatas")
                for i, m in zip(got["ids"], got["metadatas"]) if m and m.get(key)}

    def document_texts(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Each document's cleaned text."""
        return {i: t or "" for got in self._read_documents(doc_ids, "documents")
                for i, t in zip(got["ids"], got["documents"])}

    def _read_documents(self, doc_ids: Sequence[str], include: str) -> Iterator[dict[str, Any]]:
        """The registry's rows for these documents, BATCH ids a read, with the one field `include` names."""
        ids = list(doc_ids)
        for s in range(0, len(ids), BATCH):
            yield self._call(self._docs.get, ids=ids[s : s + BATCH], include=[include])

    # writing -------------------------------------------------------------------------------
    def put_document(self, doc: Document, chunks: Sequence[Chunk], embeddings: np.ndarray, meta: dict[str, Any],
                     fail_after_chunks: bool = False) -> None:
        """Write a document's new version (`meta["version"]`) crash-safely (see the module docstring)."""
        self.put_documents([(doc, chunks, embeddings, meta)], fail_after_chunks)

    def put_documents(self, items: Sequence[tuple[Document, Sequence[Chunk], np.ndarray, dict[str, Any]]],
                      fail_after_chunks: bool = False) -> None:
        """Write several documents' new versions in bulk, each crash-safely: every chunk first (under
        a lease per document), then the records' switch in one write, then the replaced versions go."""
        self._writable()
        leases = [new_lease(doc.doc_id, meta["version"]) for doc, _, _, meta in items]
        try:
            self._write_chunks(leases, [(lease, c, e) for lease, (_, cs, es, _) in zip(leases, items)
                                        for c, e in zip(cs, es)])
            if fail_after_chunks:  # lets tests simulate a crash between the two steps
                raise StoreError("simulated failure after writing chunks")
            replaced = self._versions_of([doc.doc_id for doc, _, _, _ in items])
            self._call(self._docs.upsert, ids=[doc.doc_id for doc, _, _, _ in items],
                       documents=[doc.text for doc, _, _, _ in items],
                       embeddings=[_doc_vector(es).tolist() for _, _, es, _ in items],
                       metadatas=[{**{k: v for k, v in meta.items() if v is not None},
                                   **({"lead": pack_vector(_lead_vector(es))} if len(es) else {})}
                                  for _, _, es, meta in items])
        finally:  # switched, or abandoned (then the next repair may remove this write's chunks)
            self._drop_leases(leases)
        self.touch()
        for doc, _, _, meta in items:
            old = replaced.get(doc.doc_id)
            if old is not None and old != meta["version"]:
                self._delete_chunks(doc.doc_id, old)

    def set_stories(self, fields: dict[str, dict[str, str]]) -> None:
        """Add fields (`story`, `names`) to documents' records; the other fields are kept as they are."""
        ids = list(fields)
        for s in range(0, len(ids), BATCH):
            part = ids[s : s + BATCH]
            self._call(self._docs.update, ids=part, metadatas=[fields[i] for i in part])
        if ids:
            self.touch()

    def remove_document(self, doc_id: str) -> None:
        self._writable()
        version = self._versions_of([doc_id]).get(doc_id)
        self._call(self._docs.delete, ids=[doc_id])
        self.touch()
        if version is not None:
            self._delete_chunks(doc_id, version)

    def touch(self) -> None:
        """Mark the registry as changed (a new generation), so every reader re-reads it."""
        self._call(self._meta.upsert, ids=["generation"], embeddings=[[0.0]], metadatas=[{"token": uuid.uuid4().hex}])

    def repair(self) -> int:
        """Delete chunks left behind by interrupted writes (never a live writer's); returns how many.

        Read in this order: chunks, then leases, then records. A chunk seen before its writer's
        lease was gone belongs to a write that has switched its record already (the lease is
        dropped after the switch), so the records read last tell whether it is still current."""
        self._writable()
        seen = self._scan()
        leases = self._leases()
        live = {(x.doc_id, x.version) for x in leases if is_alive(x)}
        versions = {d: r.version for d, r in self.documents().items()}
        stale = [i for i, d, v in seen if versions.get(d) != v and (d, v) not in live]
        for s in range(0, len(stale), BATCH):
            self._call(self._chunks.delete, ids=stale[s : s + BATCH])
        dead = [x.lease_id for x in leases if not is_alive(x)]
        if dead:
            self._call(self._meta.delete, ids=dead)
        return len(stale)

    def chunk_census(self) -> Counter[tuple[str, str]]:
        """How many chunks each (doc_id, version) has in the store."""
        return Counter((d, v) for _, d, v in self._scan())

    def _scan(self) -> list[tuple[str, str, str]]:
        """(chunk id, doc_id, version) of every chunk."""
        seen, offset = [], 0
        while True:
            got = self._call(self._chunks.get, include=["metadatas"], limit=BATCH * 4, offset=offset)
            seen += [(i, str(m["doc_id"]), str(m["version"])) for i, m in zip(got["ids"], got["metadatas"])]
            if len(got["ids"]) < BATCH * 4:
                return seen
            offset += BATCH * 4

    def _leases(self) -> list[Lease]:
        got = self._call(self._meta.get, where={"kind": "lease"}, include=["metadatas"])
        return [lease_from_meta(i, m) for i, m in zip(got["ids"], got["metadatas"])]

    def _beat(self, leases: Sequence[Lease]) -> None:
        """Record (or refresh) writes in progress, so no repair takes their chunks for leftovers."""
        now = time.time()
        self._call(self._meta.upsert, ids=[x.lease_id for x in leases], embeddings=[[0.0]] * len(leases),
                   metadatas=[{**x.as_meta(), "beat": now} for x in leases])

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the workspace store {self.read_only} is read-only: reading commands (sources, show, "
                             "ask, brief, eval) work, but ingest, remove and uploads need write access")

    def _write_chunks(self, leases: Sequence[Lease], rows: Sequence[tuple[Lease, Chunk, np.ndarray]]) -> None:
        """Upsert (lease, chunk, embedding) rows in batches, beating every lease before each batch."""
        for s in range(0, max(len(rows), 1), BATCH):
            self._beat(leases)
            part = rows[s : s + BATCH]
            if part:
                self._call(self._chunks.upsert, ids=[f"{c.chunk_id}@{lease.version}" for lease, c, _ in part],
                           embeddings=[e.tolist() for _, _, e in part], documents=[c.text for _, c, _ in part],
                           metadatas=[_chunk_meta(c, lease.version) for lease, c, _ in part])

    def _drop_leases(self, leases: Sequence[Lease]) -> None:
        try:
            self._call(self._meta.delete, ids=[x.lease_id for x in leases])
        except StoreError:  # an unreachable store: the leases expire by themselves (rag.backends.writers)
            log.warning("could not drop %d write lease(s)", len(leases))

    def _versions_of(self, doc_ids: Sequence[str]) -> dict[str, str]:
        got = self._call(self._docs.get, ids=list(doc_ids), include=["metadatas"])
        return {i: str(m.get("version", "")) for i, m in zip(got["ids"], got["metadatas"])}

    def _delete_chunks(self, doc_id: str, version: str) -> None:
        self._call(self._chunks.delete, where={"$and": [{"doc_id": doc_id}, {"version": version}]})

    @staticmethod
    def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - wrap every chromadb/httpx failure at the adapter
            raise StoreError(f"the Chroma store failed: {type(e).__name__}: {e}") from None


def _doc_vector(embeddings: np.ndarray) -> np.ndarray:
    """A document's unit vector: the mean of its chunks' embeddings."""
    v = embeddings.mean(axis=0) if len(embeddings) else np.ones(embeddings.shape[1] or 384)
    return v / (np.linalg.norm(v) or 1)


def _lead_vector(embeddings: np.ndarray) -> np.ndarray:
    """What a document's opening says (story grouping weighs it, rag.retrieval.stories): its first
    chunk's embedding counted twice plus its second's, unit length. Made from the chunks' own vectors,
    so grouping embeds nothing: a separate title+600-character embedding per article cost 13% of ingest
    time (989 articles into 1,994: 28 of 220 s), and on wikinews-dev (bench/stories.py, B-cubed F1 from
    scratch / one article at a time, mean of 6 orders) it gave 0.908 / 0.902 against 0.905 / 0.894 here
    (the first chunk alone 0.888 / 0.885, the mean of all chunks 0.888 / 0.858)."""
    v = 2 * embeddings[0] + (embeddings[1] if len(embeddings) > 1 else 0)
    return v / (np.linalg.norm(v) or 1)


def pack_vector(v: np.ndarray) -> str:
    """A vector as a metadata string (float16, base64): 1 KB for 384 dimensions."""
    return base64.b64encode(np.asarray(v, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vector(s: str) -> np.ndarray:
    """`pack_vector`'s string back as a unit float32 vector."""
    v = np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)
    return v / (np.linalg.norm(v) or 1.0)


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
                     duplicate_of=m.get("duplicate_of"), minhash=m.get("minhash", ""), url=m.get("url"),
                     authors=_authors(m.get("authors")), date_source=m.get("date_source"), story=m.get("story"),
                     names=m.get("names", ""))


def _authors(value: Any) -> tuple[str, ...]:
    """Authors are stored as a JSON list (Chroma metadata holds only scalars)."""
    if not isinstance(value, str) or not value.startswith("["):
        return ()
    try:
        names = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(n) for n in names) if isinstance(names, list) else ()
