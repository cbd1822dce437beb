"""The incremental BM25 index: the same scores as bm25s (the reference it replaced) on real articles,
the same answers however it got there (built at once, updated, compacted, saved and loaded), and a
document read while a write raced it is read again."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from rag.core.types import Chunk
from rag.ingest.chunk import chunk_document
from rag.retrieval import lexical_files
from rag.retrieval.lexical import Lexical, chunk_terms, tokens
from tests.conftest import SEEDS
from tests.test_evaluate import CORPORA

QUERIES = ["Who mediated the talks in Oman?", "missile programme sanctions", "election results announced",
           "the the talks talks", "earthquake death toll", "World Cup final", "zzzz unknown words"]


def _articles() -> dict[str, list[Chunk]]:
    files = sorted(SEEDS.glob("*.txt")) + sorted((CORPORA / "wikinews-dev" / "docs").glob("*.txt"))[:60]
    out = {}
    for f in files:
        title, _, body = f.read_text(encoding="utf-8").partition("\n")
        out[f.stem] = chunk_document(f.stem, title.strip(), body.strip(), 128, 24)
    return out


@pytest.fixture(scope="module")
def articles() -> dict[str, list[Chunk]]:
    return _articles()


def _built(docs: dict[str, list[Chunk]]) -> Lexical:
    lex = Lexical()
    for d, chunks in docs.items():
        lex.add(d, "v1", [chunk_terms(c) for c in chunks])
    return lex


def _same(a: Lexical, b: Lexical, allowed: list[str] | None = None) -> None:
    for q in QUERIES:
        x, y = a.search(q, 24, allowed), b.search(q, 24, allowed)
        assert [c for c, _ in x] == [c for c, _ in y], q
        assert [s for _, s in x] == pytest.approx([s for _, s in y], rel=1e-9), q


def test_scores_match_bm25s_on_real_articles(articles):
    bm25s = pytest.importorskip("bm25s")
    chunks = [c for cs in articles.values() for c in cs]
    ref = bm25s.BM25()
    ref.index([tokens(f"{c.title}\n{c.text}") or ["_empty_"] for c in chunks], show_progress=False)
    ours = _built(articles)
    for q in QUERIES:
        words = [t for t in tokens(q) if t in ref.vocab_dict]
        got = dict(ours.search(q, len(chunks)))
        if not words:
            assert got == {}
            continue
        scores = ref.get_scores(words)
        want = {chunks[i].chunk_id: float(s) for i, s in enumerate(scores) if s > 0}
        assert set(got) == set(want), q
        for cid, s in want.items():
            assert got[cid] == pytest.approx(s, rel=1e-4), (q, cid)


def test_updates_compaction_and_files_give_the_same_answers_as_a_fresh_build(articles, tmp_path: Path):
    ids = sorted(articles)
    rng = random.Random(3)
    lex = _built({d: articles[d] for d in ids[:40]})
    lex = lex.compacted()  # a base of 40 articles
    for d in rng.sample(ids[:40], 8):
        lex.remove(d)
    replaced = ids[5]
    lex.add(replaced, "v2", [chunk_terms(c) for c in articles[replaced][:2]])
    for d in ids[40:]:
        lex.add(d, "v1", [chunk_terms(c) for c in articles[d]])
    final = {d: (articles[d][:2] if d == replaced else articles[d]) for d in lex.versions}
    fresh = _built(final)
    _same(lex, fresh)
    _same(lex.compacted(), fresh)
    _same(lex, fresh, allowed=ids[30:50])
    lexical_files.save(tmp_path / "lex", lex)
    loaded = lexical_files.load(tmp_path / "lex")
    assert loaded is not None and loaded.versions == lex.versions and len(loaded) == len(fresh)
    _same(loaded, fresh)
    lexical_files.save(tmp_path / "lex", loaded.compacted())  # a new base replaces the old file
    assert len(list((tmp_path / "lex").glob("base-*.npz"))) == 1
    _same(lexical_files.load(tmp_path / "lex"), fresh)


def test_sync_follows_the_registry_and_refetches_a_document_read_incomplete(articles):
    ids = sorted(articles)[:6]
    store = {d: ("v1", articles[d]) for d in ids}
    fetched: list[str] = []
    short = {ids[0]}  # a read that races a write returns fewer chunks than the record says

    def fetch(versions: dict[str, str]):
        for d, v in versions.items():
            fetched.append(d)
            have_v, chunks = store[d]
            if have_v == v:
                yield from chunks[:1] if d in short else chunks

    expected = {d: len(cs) for d, (_, cs) in store.items()}
    lex = Lexical()
    assert lex.sync({d: v for d, (v, _) in store.items()}, fetch, expected)
    assert lex.versions[ids[0]] == "" and sorted(fetched) == sorted(ids)
    fetched.clear()
    short.clear()
    store[ids[1]] = ("v2", articles[ids[1]][:1])
    del store[ids[2]]
    expected = {d: len(cs) for d, (_, cs) in store.items()}
    assert lex.sync({d: v for d, (v, _) in store.items()}, fetch, expected)
    assert sorted(fetched) == sorted([ids[0], ids[1]])  # only what changed (and the incomplete one)
    assert not lex.sync({d: v for d, (v, _) in store.items()}, fetch, expected)
    _same(lex, _built({d: cs for d, (_, cs) in store.items()}))
