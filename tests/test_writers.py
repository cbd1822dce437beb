"""Several writers on one store: no write destroys another's chunks, a repair removes only what a
dead or finished write left behind, and a re-ingest restores a document whose chunks are missing.

The end-to-end trial is the one `python -m bench.writers` repeats (see that module for numbers)."""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.writers import run_trial
from rag import desk as app
from rag.backends.writers import LEASE_S, Lease, host_id, is_alive, new_lease
from rag.ingest.chunk import chunk_document
from rag.ingest.pipeline import ingest
from tests.conftest import SEEDS, tiny_settings


@pytest.fixture
def index(tmp_path: Path, embedder):
    return app.open_index(tiny_settings(tmp_path / "ws"), embedder)


def _run(index, paths):
    return ingest(paths, index.store, index.embedder, chunk_tokens=160, chunk_overlap=32, max_bytes=20_000_000)


def _missing(index) -> dict[str, int]:
    census = index.store.chunk_census()
    return {d: r.n_chunks - census[(d, r.version)] for d, r in index.documents().items()
            if census[(d, r.version)] != r.n_chunks}


@pytest.mark.slow
def test_a_bulk_ingest_and_uploads_at_random_moments_lose_no_chunk(tmp_path: Path):
    for attempt in range(3):  # a trial whose uploads all missed the bulk's writing proves nothing: run another
        res = run_trial(tmp_path / str(attempt), random.Random(), files=160, uploaders=2, uploads=3, spread_s=3.0)
        if res.overlaps:
            break
    assert res.overlaps >= 1, res  # the uploads really ran while the bulk ingest was writing
    assert res.missing_documents == 0 and res.chunks_lost == 0, res
    assert res.documents == res.files + res.uploads


def _pending_write(index, doc_id: str, lease: Lease) -> int:
    """Write a new version's chunks under `lease` without switching the record (a write in progress)."""
    chunks = chunk_document(doc_id, "t", "A pending rewrite about the harbour. " * 30, 32, 4)
    vectors = index.embedder.embed([c.text for c in chunks])
    index.store._write_chunks([lease], [(lease, c, v) for c, v in zip(chunks, vectors)])
    return len(chunks)


def test_repair_keeps_a_live_writers_chunks_and_removes_a_dead_ones(index, tmp_path):
    _run(index, [SEEDS])
    doc_id = sorted(index.documents())[0]
    live = _pending_write(index, doc_id, new_lease(doc_id, "v-live"))
    assert index.store.repair() == 0  # this process is alive: its write is in progress
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = Lease("lease:dead", doc_id, "v-dead", host_id(), int(child.stdout), "12345", time.time())
    n_dead = _pending_write(index, doc_id, dead)
    away = Lease("lease:away", doc_id, "v-away", "other-host/boot", 1, "1", time.time())
    n_away = _pending_write(index, doc_id, away)
    assert index.store.repair() == n_dead  # the dead process's chunks go; another host's fresh lease holds
    old = Lease("lease:old", doc_id, "v-old", "other-host/boot", 1, "1", time.time() - LEASE_S - 1)
    n_old = _pending_write(index, doc_id, old)
    index.store._meta.upsert(ids=[old.lease_id], embeddings=[[0.0]], metadatas=[old.as_meta()])  # no beat since
    assert index.store.repair() == n_old  # an expired lease holds nothing
    assert not is_alive(old) and is_alive(away) and live > 0 and n_away > 0
    assert _missing(index) == {}


def test_a_replace_deletes_only_the_version_it_replaced(index, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    _run(index, [corpus])
    doc_id = sorted(index.documents())[0]
    lease = new_lease(doc_id, "v-other-writer")
    n_other = _pending_write(index, doc_id, lease)  # another writer is mid-way through the same document
    path = corpus / f"{doc_id}.txt"
    path.write_text(path.read_text() + "\n\nA closing paragraph about the next round of talks.\n")
    report = _run(index, [corpus])
    assert report.updated == [doc_id] and _missing(index) == {}
    census = index.store.chunk_census()
    assert census[(doc_id, "v-other-writer")] == n_other  # not this write's to delete


def test_a_reingest_restores_a_document_whose_chunks_are_missing(index, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    _run(index, [corpus])
    doc_id, rec = sorted(index.documents().items())[0]
    ids = index.store._chunks.get(where={"doc_id": doc_id}, include=[])["ids"]
    index.store._chunks.delete(ids=ids[: max(1, len(ids) // 2)])  # damage, as a pre-fix concurrent repair did
    assert _missing(index)
    report = _run(index, [corpus])
    assert report.restored == [doc_id] and len(report.unchanged) == 2, report
    assert "1 restored" in report.summary()
    assert _missing(index) == {} and index.documents()[doc_id].version == rec.version
    assert _run(index, [corpus]).restored == []
