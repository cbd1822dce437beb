"""Crash consistency: a real `rag ingest` process is SIGKILLed at random moments while it replaces a
corpus of 30 articles (alternately version A and version B of each), then run to completion.

After every kill, what a reader sees is whole: each document is at version A or at version B (its
cleaned text and its recorded file hash belong to the same version, never a mix), it has exactly its
`n_chunks` current chunks, each a span of its text, and retrieval returns only current chunks. After
every completed run, the store is exactly the corpus on disk (see `assert_consistent`).
"""
from __future__ import annotations

import gc
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from rag import desk as app
from rag.core.config import PROJECT_ROOT
from rag.ingest.clean import clean_article
from rag.ingest.load import parse_article
from rag.retrieval.retrieve import retrieve
from tests.conftest import tiny_settings
from tests.test_fuzz_ingest import assert_consistent

pytestmark = pytest.mark.slow

N_ARTICLES = 30
KILLS = 8
TIME_BUDGET_S = 150  # the loop stops early (with fewer kills) on a machine this slow
TOPICS = ["harbour", "railway", "vaccine", "election", "drought", "festival", "bridge", "satellite", "museum", "tariff"]
INGEST = [sys.executable, "-c", "from rag.cli import main; main()", "ingest"]


def article(i: int, version: str) -> str:
    """Article i at version A or B: every sentence carries the version's marker word."""
    rnd = random.Random(i)
    topic, mark = rnd.choice(TOPICS), {"A": "alpha", "B": "bravo"}[version]
    paras = [f"Council {topic} plan {i} advances in {mark} edition"]
    for p in range(3):
        paras.append(" ".join(f"The {topic} project {i}-{p}-{s} was {mark} ready at {rnd.randrange(10, 999)} million."
                              for s in range(2)))
    if version == "B":
        paras.append(f"A {topic} review {i} is due in {rnd.randrange(2, 12)} months, bravo.")
    return "\n\n".join(paras) + "\n"


class Corpus:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True)
        self.expected: dict[str, dict[str, tuple[str, str]]] = {}  # doc_id -> version -> (raw sha, cleaned)
        for i in range(N_ARTICLES):
            doc_id = f"art{i:02d}"
            self.expected[doc_id] = {}
            for v in "AB":
                raw = article(i, v).encode()
                cleaned = clean_article(parse_article(raw, ".txt"), doc_id).text
                self.expected[doc_id][v] = (hashlib.sha256(raw).hexdigest(), cleaned)

    def write(self, version: str) -> None:
        for i in range(N_ARTICLES):
            (self.folder / f"art{i:02d}.txt").write_text(article(i, version))


@contextmanager
def opened(ws: Path, embedder) -> Iterator:
    """The index as a fresh process would see it; dropped afterwards so the next look reads the disk again."""
    from chromadb.api.shared_system_client import SharedSystemClient

    index = app.open_index(tiny_settings(ws), embedder)
    try:
        yield index
    finally:
        del index
        SharedSystemClient.clear_system_cache()
        gc.collect()


def check_whole(index, corpus: Corpus) -> dict[str, str]:
    """The reader's view: every document entirely at A or at B; returns {doc_id: version}."""
    docs = index.documents()
    versions = {d: r.version for d, r in docs.items()}
    assert set(docs) <= set(corpus.expected)
    chunks = list(index.store.iter_chunks(versions))
    assert len({c.chunk_id for c in chunks}) == len(chunks), "duplicate current chunk ids"
    at: dict[str, str] = {}
    for doc_id, rec in docs.items():
        text = index.store.get_document(doc_id).text
        match = [v for v, (sha, cleaned) in corpus.expected[doc_id].items() if cleaned == text]
        assert match, f"{doc_id}: its text is neither version A nor version B"
        assert rec.sha256 == corpus.expected[doc_id][match[0]][0], f"{doc_id}: text and file hash disagree"
        mine = sorted((c for c in chunks if c.doc_id == doc_id), key=lambda c: c.position)
        assert [c.position for c in mine] == list(range(rec.n_chunks)), doc_id
        assert all(text[c.start : c.end] == c.text for c in mine), doc_id
        at[doc_id] = match[0]
    if docs:
        hits = retrieve(index, "when is the harbour project ready", 6)
        assert hits
        for h in hits:
            assert index.store.get_document(h.chunk.doc_id).text[h.chunk.start : h.chunk.end] == h.chunk.text
    return at


def check_complete(index, corpus: Corpus, version: str) -> None:
    """After a run to completion: all 30 documents at the version on disk, and nothing else in the store."""
    assert set(check_whole(index, corpus).values()) == {version}
    assert len(assert_consistent(index.store)) == N_ARTICLES
    stale = {"A": "bravo", "B": "alpha"}[version]
    hits = retrieve(index, f"{stale} edition review months", 8)
    assert hits and not [h for h in hits if stale in h.chunk.text], "an old version's text is still retrievable"


def _store_state(store_dir: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in store_dir.rglob("*"):
        try:
            st = p.stat()
        except OSError:  # a journal file that came and went
            continue
        out[str(p)] = (st.st_mtime_ns, st.st_size)
    return out


def launch(corpus: Corpus, store_dir: Path) -> tuple[subprocess.Popen, float]:
    """Start `rag ingest`; returns the process and the moment it first wrote to the store."""
    before = _store_state(store_dir)
    proc = subprocess.Popen(INGEST + [str(corpus.folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=PROJECT_ROOT)
    while proc.poll() is None and _store_state(store_dir) == before:
        time.sleep(0.02)
    return proc, time.monotonic()


def run_to_completion(corpus: Corpus, store_dir: Path) -> float:
    """Run `rag ingest` to its end; returns how long it spent writing."""
    proc, writing = launch(corpus, store_dir)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"0 skipped" in out, out
    return time.monotonic() - writing


def run_and_kill(corpus: Corpus, store_dir: Path, delay: float) -> bool:
    """Start `rag ingest`, SIGKILL it `delay` seconds after it starts writing; False if it finished first."""
    proc, _ = launch(corpus, store_dir)
    try:
        proc.communicate(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return proc.returncode == -signal.SIGKILL


def _complete_and_check(corpus: Corpus, ws: Path, embedder, version: str) -> None:
    run_to_completion(corpus, ws / "store")
    with opened(ws, embedder) as index:
        check_complete(index, corpus, version)


def test_sigkill_during_ingest_never_leaves_a_mixed_or_broken_index(tmp_path, monkeypatch, embedder, request):
    ws = tmp_path / "ws"
    monkeypatch.setenv("RAG_WORKSPACE", str(ws))
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "32")  # small chunks: many writes per run, a cheap embedder
    monkeypatch.setenv("RAG_CHUNK_OVERLAP", "4")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    corpus = Corpus(tmp_path / "corpus")
    rng = random.Random(1234)
    started = time.monotonic()

    corpus.write("A")
    window = run_to_completion(corpus, ws / "store")  # writing 30 new documents: the longest run
    with opened(ws, embedder) as index:
        check_complete(index, corpus, "A")

    version, kills, attempts = "A", 0, 0
    while kills < KILLS and attempts < 2 * KILLS and time.monotonic() - started < TIME_BUDGET_S:
        attempts += 1
        version = "B" if version == "A" else "A"
        corpus.write(version)  # every run has real replacement work
        killed = run_and_kill(corpus, ws / "store", rng.uniform(0.0, window))
        kills += killed
        with opened(ws, embedder) as index:
            seen = check_whole(index, corpus)
        assert len(seen) == N_ARTICLES  # the store held all 30 before this run; a kill loses none
        if attempts % 2 == 0:  # two interrupted runs (A->B, then back to A), then one to the end
            _complete_and_check(corpus, ws, embedder, version)
    if attempts % 2:
        _complete_and_check(corpus, ws, embedder, version)

    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"crash test: {kills} kills survived in {attempts} interrupted runs, "
                            f"{time.monotonic() - started:.0f} s")
    assert kills >= 4, f"only {kills} runs were killed before they finished (of {attempts})"
