"""Stories: grouping quality against a gold grouping, and grouping time as the corpus grows.

Quality (needs a workspace holding the Wikinews dev docs, or ingests them into a temporary one):
for each signal — the store's per-document vectors, title+lead embeddings, names, and mixes — the
B-cubed precision, recall and F1 of `rag.retrieval.stories.assign` (the shipped rule, only the
signal and threshold varied) over a sweep of thresholds, as the mean over random ingest orders,
plus the shipped constants in id order. Time: `assign` over the 103 articles, and over generated
articles (clustered random unit vectors, names drawn per topic) at 1,000 and 10,000, from scratch
and incrementally (the last 1% attached to the rest).

Run: .venv/bin/python -m bench.stories [--workspace WS] [--sizes 1000,10000]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rag import desk as app
from rag.core.config import PROJECT_ROOT, load_settings
from rag.evaluation.stories import bcubed, read_gold
from rag.retrieval import stories as st

CORPUS = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora") / "wikinews-dev"
THRESHOLDS = [round(0.15 + 0.025 * i, 3) for i in range(15)]
ORDERS = 6


def articles(workspace: Path) -> tuple[dict[str, st.Article], dict[str, np.ndarray], dict[str, str]]:
    """The store's articles (vector = mean chunk embedding), their title+lead embeddings, the gold."""
    s = load_settings({"workspace": workspace}, environ={})
    desk = app.NewsDesk(s)
    if not desk.documents():
        desk.ingest([CORPUS / "docs"])
    store, docs = desk.index.store, desk.documents()
    texts, vectors = store.document_texts(list(docs)), store.document_vectors(list(docs))
    arts = {d: st.Article(d, vectors[d], st.name_terms(r.title, texts[d]), r.date, r.duplicate_of)
            for d, r in docs.items()}
    ids = sorted(docs)
    lead = desk.index.embedder.embed([f"{docs[d].title}\n{texts[d][:600]}" for d in ids])
    return arts, dict(zip(ids, lead)), read_gold(CORPUS / "stories.json")


def score(arts: list[st.Article], gold: dict[str, str], threshold: float, weight: float) -> tuple[float, ...]:
    runs = []
    for seed in range(ORDERS):  # assign sorts by date then id; shuffled ids stand for ingest order
        rename = dict(zip([a.doc_id for a in arts], random.Random(seed).sample(range(len(arts)), len(arts))))
        shuffled = [st.Article(f"{rename[a.doc_id]:05d}", a.vector, a.names, a.date,
                               f"{rename[a.duplicate_of]:05d}" if a.duplicate_of in rename else None) for a in arts]
        back = {f"{v:05d}": k for k, v in rename.items()}
        got = st.assign([], shuffled, threshold, weight)
        runs.append(bcubed({back[d]: s for d, s in got.items()}, gold))
    return tuple(statistics.mean(getattr(r, f) for r in runs) for f in ("precision", "recall", "f1", "stories"))


def quality(workspace: Path) -> None:
    arts, lead, gold = articles(workspace)
    signals = {"doc vectors": (arts, 0.0), "title+lead vectors": (_with(arts, lead), 0.0), "names": (arts, 1.0),
               "doc vectors + names": (arts, st.NAME_WEIGHT), "title+lead + names": (_with(arts, lead), st.NAME_WEIGHT)}
    print(f"{len(arts)} articles, {len(set(gold[d] for d in arts if d in gold))} gold stories; "
          f"mean of {ORDERS} random orders\n{'signal':<22} {'best t':>6} {'P':>6} {'R':>6} {'F1':>6} {'found':>6}   F1 by t")
    for name, (chosen, weight) in signals.items():
        rows = [(t, *score(list(chosen.values()), gold, t, weight)) for t in THRESHOLDS]
        t, p, r, f, n = max(rows, key=lambda x: x[3])
        curve = " ".join(f"{x[3]:.2f}" for x in rows)
        print(f"{name:<22} {t:>6.3f} {p:>6.3f} {r:>6.3f} {f:>6.3f} {n:>6.1f}   {curve}")
    shipped = st.assign([], list(arts.values()))
    b = bcubed(shipped, gold)
    print(f"\nshipped (t={st.SIMILARITY}, names {st.NAME_WEIGHT}), id order: P {b.precision:.3f} R {b.recall:.3f} "
          f"F1 {b.f1:.3f}, {b.stories} stories vs {b.gold_stories}")
    t0 = time.perf_counter()
    st.assign([], list(arts.values()))
    print(f"grouping {len(arts)} articles from scratch: {1000 * (time.perf_counter() - t0):.0f} ms")


def _with(arts: dict[str, st.Article], vectors: dict[str, np.ndarray]) -> dict[str, st.Article]:
    return {d: st.Article(d, vectors[d], a.names, a.date, a.duplicate_of) for d, a in arts.items()}


def generated(n: int, dim: int = 384, seed: int = 0) -> list[st.Article]:
    """n articles in about n/3 topics: a topic's vector plus noise, names from the topic and a common pool."""
    rng = np.random.default_rng(seed)
    topics = max(1, n // 3)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    out = []
    for i in range(n):
        k = int(rng.integers(topics))
        v = centres[k] + 0.8 * rng.standard_normal(dim).astype(np.float32)
        names = {f"t{k}n{j}" for j in rng.integers(0, 12, 6)} | {f"c{j}" for j in rng.integers(0, 300, 20)}
        out.append(st.Article(f"g{i:06d}", v / np.linalg.norm(v), frozenset(names)))
    return out


def timing(sizes: list[int]) -> None:
    print(f"\n{'articles':>8} {'from scratch':>13} {'per article':>12} {'attach last 1%':>15} {'per article':>12} {'stories':>8}")
    for n in sizes:
        arts = generated(n)
        t0 = time.perf_counter()
        got = st.assign([], arts)
        scratch = time.perf_counter() - t0
        cut = n - max(1, n // 100)
        t0 = time.perf_counter()
        st.assign([(a, got[a.doc_id]) for a in arts[:cut]], arts[cut:])
        incr = time.perf_counter() - t0
        print(f"{n:>8} {scratch:>12.2f}s {1000 * scratch / n:>10.2f}ms {incr:>14.2f}s "
              f"{1000 * incr / (n - cut):>10.1f}ms {len(set(got.values())):>8}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", type=Path, help="a workspace holding the Wikinews dev docs (else a temporary one)")
    p.add_argument("--sizes", default="1000,10000")
    args = p.parse_args()
    if CORPUS.is_dir():
        with tempfile.TemporaryDirectory() as tmp:
            quality(args.workspace or Path(tmp))
    timing([int(x) for x in args.sizes.split(",") if x])


if __name__ == "__main__":
    main()
