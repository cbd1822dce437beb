"""Ingest into a real Chroma store: seeds, no-op re-ingest, update, prune, bad files, crash safety."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag import desk as app
from rag.core.errors import StoreError
from rag.core.types import Document
from rag.ingest import dedup
from rag.ingest.pipeline import ingest, version_of
from rag.retrieval.retrieve import retrieve
from tests.conftest import SEEDS, tiny_settings

DOC_000, DOC_003, DOC_004 = "000_5979d52e6de91143", "003_a3108b83e1705bc7", "004_62933566e88b2052"


def _run(index, paths, **kw):
    return ingest(paths, index.store, index.embedder, chunk_tokens=160, chunk_overlap=32,
                  max_bytes=kw.pop("max_bytes", 20_000_000), **kw)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    shutil.copytree(SEEDS, d)
    return d


@pytest.fixture
def index(tmp_path: Path, embedder):
    return app.open_index(tiny_settings(tmp_path / "ws"), embedder)


def _chunk_ids(index) -> list[str]:
    return sorted(index.store._chunks.get(include=[])["ids"])


def test_seeds_are_cleaned_and_described(seeded_index):
    docs = seeded_index.documents()
    assert sorted(docs) == [DOC_000, DOC_003, DOC_004]
    text = seeded_index.store.get_document(DOC_000).text
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert len(paragraphs) == len(set(paragraphs)) and "good start" in text
    assert text.count("Oman played a crucial role") == 1
    dailybeat = seeded_index.store.get_document(DOC_004)
    for chrome in ("DailyBeat", "India's Largest Digital News Media", "Spread the love"):
        assert chrome not in dailybeat.text
    assert dailybeat.publisher == "DailyBeat"
    assert dailybeat.text.count("Signals More Dialogue Ahead") == 1
    for rec in docs.values():
        assert 10 < len(rec.title) < 200 and rec.n_chunks >= 1 and rec.n_tokens > 50
        assert rec.duplicate_of is None  # the seeds are three different stories
        assert Path(rec.source_path).name == f"{rec.doc_id}.txt"


def test_chunk_spans_point_into_the_cleaned_text(seeded_index):
    docs = seeded_index.documents()
    versions = {d: r.version for d, r in docs.items()}
    chunks = list(seeded_index.store.iter_chunks(versions))
    assert sum(r.n_chunks for r in docs.values()) == len(chunks)
    texts = {d: seeded_index.store.get_document(d).text for d in docs}
    for c in chunks:
        assert texts[c.doc_id][c.start : c.end] == c.text


def test_second_ingest_is_a_no_op(index, corpus):
    first = _run(index, [corpus])
    assert len(first.added) == 3
    before = (_chunk_ids(index), {d: r.version for d, r in index.documents().items()})
    second = _run(index, [corpus])
    assert (len(second.unchanged), second.added, second.updated) == (3, [], [])
    assert second.summary().startswith("0 added, 0 updated, 3 unchanged")
    assert (_chunk_ids(index), {d: r.version for d, r in index.documents().items()}) == before


def test_changed_file_replaces_its_chunks_and_prune_removes_gone_files(index, corpus):
    _run(index, [corpus])
    path = corpus / f"{DOC_000}.txt"
    path.write_text(path.read_text() + "\n\nA new paragraph says the second round is set for Rome.\n")
    report = _run(index, [corpus])
    assert report.updated == [DOC_000] and len(report.unchanged) == 2
    rec = index.documents()[DOC_000]
    ids = [i for i in _chunk_ids(index) if i.startswith(DOC_000)]
    assert ids and all(i.endswith("@" + rec.version) for i in ids) and len(ids) == rec.n_chunks
    assert "Rome" in index.store.get_document(DOC_000).text
    (corpus / f"{DOC_004}.txt").unlink()
    assert _run(index, [corpus]).removed == []  # without --prune nothing is removed
    assert _run(index, [corpus], prune=True).removed == [DOC_004]
    assert DOC_004 not in index.documents() and not any(i.startswith(DOC_004) for i in _chunk_ids(index))


def test_bad_files_are_skipped_with_reasons_and_the_batch_goes_on(index, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 16)
    (corpus / "huge.txt").write_text("word " * 3000)
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (corpus / "nothing.html").write_text("<html><body><nav>Home | About</nav></body></html>")
    report = _run(index, [corpus], max_bytes=10_000)
    reasons = {Path(p).name: why for p, why in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "huge.txt", "notes.docx", "broken.pdf", "nothing.html"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "limit" in reasons["huge.txt"] and "docx" in reasons["notes.docx"]
    assert len(report.added) == 3 and sorted(index.documents()) == [DOC_000, DOC_003, DOC_004]
    assert sum(r.n_chunks for r in index.documents().values()) == len(_chunk_ids(index))


def test_crash_between_writing_chunks_and_switching_version_keeps_the_old_version(index, corpus):
    _run(index, [corpus])
    old = index.store.get_document(DOC_003)
    old_ids = [i for i in _chunk_ids(index) if i.startswith(DOC_003)]
    new_text = old.text.replace("Witkoff", "Whitcomb")
    doc = Document(DOC_003, old.title, new_text, old.source_path, "f" * 64, old.publisher, old.date)
    chunks = [c for c in _chunks_for(new_text, DOC_003, old.title)]
    meta = {"title": old.title, "version": version_of("f" * 64, 160, 32), "sha256": "f" * 64,
            "n_chunks": len(chunks), "n_tokens": 1, "source_path": old.source_path}
    with pytest.raises(StoreError, match="simulated"):
        index.store.put_document(doc, chunks, index.embedder.embed([c.text for c in chunks]), meta,
                                 fail_after_chunks=True)
    assert index.documents()[DOC_003].version == old.version
    hits = retrieve(index, "Who was the US special envoy?", 6)
    assert all("Whitcomb" not in h.chunk.text for h in hits)
    assert any("Witkoff" in h.chunk.text for h in hits)
    assert index.store.repair() == len(chunks)
    assert [i for i in _chunk_ids(index) if i.startswith(DOC_003)] == old_ids
    report = _run(index, [corpus])  # a re-run after the "crash" leaves each document exactly once
    assert len(report.unchanged) == 3 and len(_chunk_ids(index)) == sum(r.n_chunks for r in index.documents().values())


def _chunks_for(text: str, doc_id: str, title: str):
    from rag.ingest.chunk import chunk_document

    return chunk_document(doc_id, title, text, 160, 32)


def test_republished_wire_story_is_marked_as_duplicate(index, corpus):
    text = (corpus / f"{DOC_003}.txt").read_text()
    (corpus / "wire_copy.txt").write_text("The Daily Planet\n\nWorld news\n\n" + re.sub(r"\bhigh\b", "elevated", text)
                                          + "\n\nReporting by staff; editing by the desk.\n")
    _run(index, [corpus])
    docs = index.documents()
    assert docs["wire_copy"].duplicate_of == DOC_003
    assert docs[DOC_000].duplicate_of is None and docs[DOC_004].duplicate_of is None
    hits = retrieve(index, "Who was the US special envoy at the talks in Oman?", 10)
    story = [h for h in hits if h.chunk.doc_id in (DOC_003, "wire_copy")]
    assert len(story) <= 3  # one story, however many copies, cannot fill the context


def test_minhash_signature_round_trips():
    sig = dedup.signature("one two three four five six seven eight nine ten")
    assert dedup.decode(dedup.encode(sig)) == sig


def test_a_second_app_copy_sees_writes_through_the_cached_registry(index, corpus, embedder, tmp_path):
    """Two app copies share one store: each caches the document registry, and a write by either
    (add, change, remove) is seen by the other's next read."""
    other = app.open_index(tiny_settings(tmp_path / "ws"), embedder)
    assert other.documents() == {}
    _run(index, [corpus])
    assert other.documents() == index.documents() and len(other.documents()) == 3
    first = sorted(corpus.iterdir())[0]
    first.write_text(first.read_text() + "\n\nA new closing paragraph about the next round of talks.\n")
    _run(index, [corpus])
    assert other.documents()[first.stem].version == index.documents()[first.stem].version
    other.store.remove_document(first.stem)
    assert first.stem not in index.documents() and len(index.documents()) == 2
