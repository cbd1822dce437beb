"""Ingest files into the store: load -> clean -> chunk here, one article at a time, then embed ->
write in groups of articles on a worker thread (rag.ingest.bulk), overlapping with the next reads.

A file may hold one article or many (a JSON/JSONL dump, a feed; see `items.py`). Each article is
skipped by its version hash when its bytes and the chunking settings are unchanged; a changed one
replaces its document crash-safely (see rag.backends.chroma); one that cannot be used (unreadable, not an
article, too long) is skipped with a reason naming its file and line or item, and the rest goes on.
Ids are unique per source and stable (see `ids.py`); an id that belongs to another live source is
never overwritten. Each document keeps its url, publisher, authors and publication date, with
where the date came from: the source's metadata, the article's text, or none.
Progress goes to an optional callback, never to stdout.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from rag.backends.chroma import Store
from rag.backends.embed import Embedder
from rag.core.errors import SkipFile
from rag.core.types import Chunk, DocRecord, Document
from rag.ingest import dates, dedup, ids
from rag.ingest.bulk import BulkWriter, Ready
from rag.ingest.chunk import chunk_document
from rag.ingest.clean import clean_article
from rag.ingest.items import SUPPORTED, Item, items_of
from rag.ingest.junk import junk_reason
from rag.ingest.records import Bad
from rag.ingest.walk import find_sources

log = logging.getLogger(__name__)

PIPELINE_VERSION = "2"  # bump when cleaning, chunking or metadata change, so documents are rebuilt
# (2: one sentence splitter for chunks and answers; url, authors and date_source recorded)
# The longest real articles we hold (wikinews-dev wn038_1/wn042_0, ~100,000 characters) make about
# 250 chunks of 128 tokens; 2,000 chunks is eight times that (about a book). A 30 MB HTML page made
# 83,843 chunks and was still embedding after 4 minutes: such a page is skipped with this reason.
MAX_CHUNKS = 2000
# wikinews text made one 128-token chunk (32 overlapping) per 346 characters (4 MB -> 11,544 chunks,
# 10 s to clean and chunk before the cap refused it); text longer than max_chunks x chunk_tokens x 6
# characters is over the cap with a margin of two, so it is refused before it is parsed or chunked.
_CHARS_PER_CHUNK_MAX = 6
Progress = Callable[[int, int, str], None]  # (done, total, current file name)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path or "path:line", reason)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)  # unchanged files whose chunks were missing in the store
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, reason): not written
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (where, what was left unknown)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.skipped)} skipped, {len(self.removed)} removed"
                + (f", {len(self.restored)} restored" if self.restored else "")
                + (f", {len(self.failed)} failed" if self.failed else ""))


@dataclass
class _Batch:
    """What one ingest call shares across its items."""

    docs: dict[str, DocRecord]
    signatures: dedup.Signatures
    claimed: dict[str, str]  # doc_id -> where it came from in this batch
    by_source: dict[str, str]  # source path -> doc_id, for files already in the store
    chunk_tokens: int
    chunk_overlap: int
    max_chunks: int
    today: date | None
    census: Counter  # (doc_id, version) -> chunks actually in the store


def version_of(raw_sha: str, chunk_tokens: int, chunk_overlap: int) -> str:
    key = f"{raw_sha}:{chunk_tokens}:{chunk_overlap}:{PIPELINE_VERSION}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def ingest(paths: Iterable[Path], store: Store, embedder: Embedder, *, chunk_tokens: int, chunk_overlap: int,
           max_bytes: int, prune: bool = False, progress: Progress | None = None, follow_links: bool = False,
           max_chunks: int = MAX_CHUNKS, today: date | None = None) -> IngestReport:
    """Ingest files and folders; `follow_links` also follows symbolic links out of a named folder."""
    report = IngestReport()
    repaired = store.repair()
    if repaired:
        log.info("removed %d chunks left by an interrupted ingest", repaired)
    found, unsupported = find_sources(paths, SUPPORTED, follow_links)
    report.skipped += [(str(p), why) for p, why in unsupported]
    docs = store.documents()
    sources: dict[str, list[str]] = {}
    for d, r in docs.items():
        sources.setdefault(r.source_path, []).append(d)
    signatures = dedup.Signatures()
    for d, r in docs.items():
        if r.minhash:
            signatures.put(d, dedup.decode(r.minhash))
    batch = _Batch(docs, signatures, {},
                   {s: ds[0] for s, ds in sources.items() if len(ds) == 1}, chunk_tokens, chunk_overlap,
                   max_chunks, today, store.chunk_census())
    writer = BulkWriter(store, embedder, lambda r: getattr(report, r.outcome).append(r.doc.doc_id),
                        lambda r, why: report.failed.append((r.doc.doc_id, why)))
    try:
        for i, f in enumerate(found):
            if progress:
                progress(i, len(found), f.path.name)
            try:
                for item in items_of(f, max_bytes, today):
                    if isinstance(item, Bad):
                        report.skipped.append((item.where, item.reason))
                    else:
                        _ingest_item(item, batch, report, writer)
            except SkipFile as e:
                report.skipped.append((str(f.path), str(e)))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    if progress:
        progress(len(found), len(found), "")
    if prune:
        report.removed = _prune(store, docs)
    return report


def _ingest_item(item: Item, batch: _Batch, report: IngestReport, writer: BulkWriter) -> None:
    try:
        doc_id = _claim(item, batch)
        ready = _prepare(item, doc_id, batch, report)
    except SkipFile as e:
        report.skipped.append((item.where, str(e)))
        return
    batch.claimed[doc_id] = item.where
    if ready is None:
        report.unchanged.append(doc_id)
    else:
        writer.put(ready)


def _claim(item: Item, batch: _Batch) -> str:
    """The id this item is written under: its own, or the first alternative no other source holds."""
    if item.own_id:
        if item.doc_id in batch.claimed:
            raise SkipFile(f"same id '{item.doc_id}' as {batch.claimed[item.doc_id]}")
        return item.doc_id
    known = batch.by_source.get(item.source_path)
    if known is not None and known not in batch.claimed:
        return known  # the id this very file had before, however it was named then
    owner = _owner(item.doc_id, item, batch)
    if owner is None:
        return item.doc_id
    assert item.found is not None
    for candidate in ids.alternatives(item.found.path, item.found.root, owner):
        if _owner(candidate, item, batch) is None:
            return candidate
    raise SkipFile(f"same id '{item.doc_id}' as {owner}")  # pragma: no cover - the hashed id is free


def _owner(doc_id: str, item: Item, batch: _Batch) -> str | None:
    """The other source holding `doc_id` (in this batch, or a file that still exists), or None."""
    if doc_id in batch.claimed:
        return batch.claimed[doc_id]
    rec = batch.docs.get(doc_id)
    if rec is None or not rec.source_path or rec.source_path == item.source_path:
        return None
    return rec.source_path if Path(rec.source_path).exists() else None


def _prepare(item: Item, doc_id: str, batch: _Batch, report: IngestReport) -> Ready | None:
    """Read, clean and chunk one article for the writer; None when it is unchanged."""
    old = batch.docs.get(doc_id)
    version = version_of(item.sha256, batch.chunk_tokens, batch.chunk_overlap)
    whole = old is not None and batch.census[(doc_id, old.version)] == old.n_chunks  # else: restore it
    if old is not None and old.version == version and old.source_path == item.source_path and whole:
        return None
    size = item.text_size() if item.text_size else None
    if size is not None and size > _max_chars(batch):  # clearly over the cap: skip before parsing
        raise SkipFile(f"too long for one article (about {size:,} characters of text); {_limit(batch)}")
    raw = item.read()
    cleaned = clean_article(raw, fallback_title=doc_id)
    reason = junk_reason(cleaned.title, cleaned.text)
    if reason:
        raise SkipFile(f"not an article: {reason}")
    chunks = _chunks(doc_id, cleaned.title, cleaned.text, batch)
    report.warnings += [(item.where, note) for note in raw.notes]
    date_found, date_source = (raw.date, "metadata") if raw.date else (dates.from_text(cleaned.text, batch.today), "text")
    sig = dedup.signature(cleaned.text)
    dup = batch.signatures.find(sig, exclude=doc_id)
    doc = Document(doc_id, cleaned.title, cleaned.text, item.source_path, item.sha256, cleaned.publisher, date_found)
    meta = {
        "title": doc.title, "publisher": doc.publisher, "date": doc.date, "source_path": doc.source_path,
        "sha256": item.sha256, "version": version, "ingested_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "n_chunks": len(chunks), "n_tokens": sum(c.tokens for c in chunks), "duplicate_of": dup,
        "minhash": dedup.encode(sig), "url": raw.url, "authors": json.dumps(list(raw.authors)) if raw.authors else None,
        "date_source": date_source if date_found else "none",
    }
    batch.signatures.put(doc_id, sig)
    return Ready(doc, chunks, meta, "added" if old is None else "restored" if old.version == version else "updated")


def _chunks(doc_id: str, title: str, text: str, batch: _Batch) -> list[Chunk]:
    """The document's chunks; SkipFile when there are none or more than the cap."""
    if len(text) > _max_chars(batch):  # clearly over: do not spend minutes tokenizing it
        raise SkipFile(f"too long for one article ({len(text):,} characters of text); {_limit(batch)}")
    chunks = chunk_document(doc_id, title, text, batch.chunk_tokens, batch.chunk_overlap)
    if not chunks:
        raise SkipFile("no text left after cleaning")
    if len(chunks) > batch.max_chunks:
        raise SkipFile(f"too long for one article ({len(chunks):,} chunks); {_limit(batch)}")
    return chunks


def _max_chars(batch: _Batch) -> int:
    return batch.max_chunks * batch.chunk_tokens * _CHARS_PER_CHUNK_MAX


def _limit(batch: _Batch) -> str:
    return f"the limit is {batch.max_chunks:,} chunks per document; split it into articles"


def _prune(store: Store, docs: dict[str, DocRecord]) -> list[str]:
    removed = []
    for doc_id, rec in sorted(docs.items()):
        if rec.source_path and not Path(rec.source_path).exists():
            store.remove_document(doc_id)
            removed.append(doc_id)
    return removed
