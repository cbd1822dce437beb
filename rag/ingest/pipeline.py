"""Ingest files into the store: load -> clean -> chunk -> embed -> write, one document at a time.

A file whose bytes and chunking settings are unchanged is skipped by its version hash; a changed
file replaces its document crash-safely (see rag.store); a file that cannot be read is skipped with
a reason and the rest of the batch goes on. Progress goes to an optional callback, never to stdout.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from rag.embed import Embedder
from rag.errors import SkipFile, StoreError
from rag.ingest import dedup
from rag.ingest.chunk import chunk_document
from rag.ingest.clean import clean_article
from rag.ingest.load import find_files, parse_article, read_bytes
from rag.store import DocRecord, Store
from rag.types import Document

log = logging.getLogger(__name__)

PIPELINE_VERSION = "1"  # bump when cleaning or chunking changes, so documents are rebuilt
Progress = Callable[[int, int, str], None]  # (done, total, current file name)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # unchanged files whose chunks were missing in the store
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, reason): not written

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.skipped)} skipped, {len(self.removed)} removed"
                + (f", {len(self.restored)} restored" if self.restored else "")
                + (f", {len(self.failed)} failed" if self.failed else ""))


def version_of(raw_sha: str, chunk_tokens: int, chunk_overlap: int) -> str:
    key = f"{raw_sha}:{chunk_tokens}:{chunk_overlap}:{PIPELINE_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def ingest(paths: Iterable[Path], store: Store, embedder: Embedder, *, chunk_tokens: int, chunk_overlap: int,
           max_bytes: int, prune: bool = False, progress: Progress | None = None) -> IngestReport:
    report = IngestReport()
    repaired = store.repair()
    if repaired:
        log.info("removed %d chunks left by an interrupted ingest", repaired)
    files, unsupported = find_files(paths)
    report.skipped += [(str(p), why) for p, why in unsupported]
    docs = store.documents()
    census = store.chunk_census()
    signatures = {d: dedup.decode(r.minhash) for d, r in docs.items() if r.minhash}
    seen: dict[str, Path] = {}
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path.name)
        doc_id = path.stem
        if doc_id in seen:
            report.skipped.append((str(path), f"same id '{doc_id}' as {seen[doc_id]}"))
            continue
        seen[doc_id] = path
        try:
            old = docs.get(doc_id)
            whole = old is not None and census[(doc_id, old.version)] == old.n_chunks
            outcome = _ingest_one(path, doc_id, old, store, embedder, signatures,
                                  chunk_tokens, chunk_overlap, max_bytes, whole)
        except SkipFile as e:
            report.skipped.append((str(path), str(e)))
            continue
        except StoreError as e:
            report.failed.append((doc_id, str(e)))
            continue
        getattr(report, outcome).append(doc_id)
    if progress:
        progress(len(files), len(files), "")
    if prune:
        report.removed = _prune(store, docs)
    return report


def _ingest_one(path: Path, doc_id: str, old: DocRecord | None, store: Store, embedder: Embedder,
                signatures: dict[str, tuple[int, ...]], chunk_tokens: int, chunk_overlap: int,
                max_bytes: int, whole: bool = True) -> str:
    """Ingest one file; returns "added", "updated", "unchanged" or "restored" (the same version rewritten
    because the store holds fewer chunks than its record says, `whole` False)."""
    data = read_bytes(path, max_bytes)
    raw_sha = hashlib.sha256(data).hexdigest()
    version = version_of(raw_sha, chunk_tokens, chunk_overlap)
    if old is not None and old.version == version and whole:
        return "unchanged"
    raw = parse_article(data, path.suffix)
    cleaned = clean_article(raw, fallback_title=doc_id)
    chunks = chunk_document(doc_id, cleaned.title, cleaned.text, chunk_tokens, chunk_overlap)
    if not chunks:
        raise SkipFile("no text left after cleaning")
    sig = dedup.signature(cleaned.text)
    others = {d: s for d, s in signatures.items() if d != doc_id}
    dup = dedup.find_duplicate(sig, others)
    doc = Document(doc_id, cleaned.title, cleaned.text, str(path.resolve()), raw_sha, cleaned.publisher, raw.date)
    meta = {
        "title": doc.title, "publisher": doc.publisher, "date": doc.date, "source_path": doc.source_path,
        "sha256": raw_sha, "version": version, "ingested_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "n_chunks": len(chunks), "n_tokens": sum(c.tokens for c in chunks), "duplicate_of": dup,
        "minhash": dedup.encode(sig),
    }
    embeddings = embedder.embed([f"{c.title}\n{c.text}" for c in chunks])
    store.put_document(doc, chunks, embeddings, meta)
    signatures[doc_id] = sig
    return "added" if old is None else "restored" if old.version == version else "updated"


def _prune(store: Store, docs: dict[str, DocRecord]) -> list[str]:
    removed = []
    for doc_id, rec in sorted(docs.items()):
        if rec.source_path and not Path(rec.source_path).exists():
            store.remove_document(doc_id)
            removed.append(doc_id)
    return removed
