"""Stories: grouping quality against a gold grouping, and grouping time as the corpus grows.

Quality (needs a workspace holding the Wikinews dev docs, or ingests them into a temporary one):
B-cubed precision, recall and F1 of `rag.retrieval.stories.assign` with the shipped constants, per
ingest order (4 shuffles, by date, reversed; the articles renamed in that order, so ids carry no
hint) and per batch size (all at once; one article at a time; 10 at a time), for two signals (the
shipped lead vectors + names, and the store's document vectors + names); F1 by threshold
(the curve the constant was read from); and a leave-stories-out check: the threshold chosen on half
of the gold stories' articles and scored on the other half. Time: `assign` over generated articles
(clustered random unit vectors, names drawn per topic) at 1,000 and 10,000, from scratch,
incrementally (the last 1% attached to the rest at once) and the last 10 one at a time.

Run: .venv/bin/python -m bench.stories [--workspace WS] [--sizes 1000,10000] [--no-quality]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rag import desk as app
from rag.core.config import PROJECT_ROOT, load_settings
from rag.evaluation.stories import BCubed, bcubed, read_gold
from rag.retrieval import stories as st

CORPUS = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora") / "wikinews-dev"
THRESHOLDS = [0.15, 0.175, 0.2, 0.2125, 0.225, 0.2375, 0.25, 0.275, 0.3, 0.325]
BATCHES = {"all at once": 10**9, "one at a time": 1, "10 at a time": 10}


def articles(workspace: Path) -> tuple[dict[str, st.Article], dict[str, st.Article], dict[str, str], dict[str, str]]:
    """The store's articles with lead vectors and with document vectors, the gold, and each
    article's date (its own, else its gold story's) for the by-date order."""
    s = load_settings({"workspace": workspace}, environ={})
    desk = app.NewsDesk(s)
    if not desk.documents():
        desk.ingest([CORPUS / "docs"])
    store, docs = desk.index.store, desk.documents()
    ids = sorted(docs)
    texts, vectors = store.document_texts(ids), store.document_vectors(ids)
    lead = store.document_leads({d: docs[d].version for d in ids})
    by_doc = {d: st.Article(d, vectors[d], st.name_terms(docs[d].title, texts[d]), docs[d].date,
                            docs[d].duplicate_of) for d in ids}
    by_lead = {d: st.Article(d, lead[d], a.names, a.date, a.duplicate_of) for d, a in by_doc.items()}
    gold = read_gold(CORPUS / "stories.json")
    story_date = {str(x["story"]): x.get("date") or "" for x in json.loads((CORPUS / "stories.json").read_text())}
    dates = {d: (docs[d].date or story_date.get(gold.get(d, ""), "") or "9999")[:10] for d in ids}
    return by_lead, by_doc, gold, dates


def orders(ids: list[str], dates: dict[str, str]) -> dict[str, list[str]]:
    by_date = sorted(ids, key=lambda d: (dates[d], d))
    out = {f"shuffled {s}": random.Random(s).sample(ids, len(ids)) for s in range(4)}
    return {**out, "by date": by_date, "reversed": by_date[::-1]}


def ingest(arts: dict[str, st.Article], order: list[str], batch: int,
           threshold: float = st.SIMILARITY) -> dict[str, str]:
    """Group the articles arriving in this order, `batch` at a time; doc id -> story id at the end."""
    name = {d: f"{i:05d}" for i, d in enumerate(order)}  # ids in arrival order: assign's id sort adds nothing
    back = {v: k for k, v in name.items()}
    seq = [st.Article(name[d], arts[d].vector, arts[d].names, arts[d].date, name.get(arts[d].duplicate_of or ""))
           for d in order]
    story: dict[str, str] = {}
    for i in range(0, len(seq), batch):
        story.update(st.assign([(a, story[a.doc_id]) for a in seq[:i]], seq[i : i + batch], threshold))
    return {back[d]: s for d, s in story.items()}


def _row(label: str, rs: list[BCubed]) -> str:
    f = [r.f1 for r in rs]
    return (f"{label:<34} " + " ".join(f"{r.f1:.3f}/{r.stories:<3d}" for r in rs)
            + f"  mean {statistics.mean(f):.3f} (P {statistics.mean(r.precision for r in rs):.3f}"
            f" R {statistics.mean(r.recall for r in rs):.3f})")


def quality(workspace: Path) -> None:
    by_lead, by_doc, gold, dates = articles(workspace)
    ids = sorted(by_lead)
    os_ = orders(ids, dates)
    print(f"{len(ids)} articles, {len(set(gold[d] for d in ids if d in gold))} gold stories; threshold "
          f"{st.SIMILARITY}, names {st.NAME_WEIGHT}\nF1/stories per order: {', '.join(os_)}")
    for sig, arts in (("lead vectors + names", by_lead), ("doc vectors + names", by_doc)):
        for label, b in BATCHES.items():
            print(_row(f"{sig}, {label}", [bcubed(ingest(arts, o, b), gold) for o in os_.values()]))
    print("\nF1 by threshold (lead vectors + names): from scratch | one at a time, mean of the 6 orders")
    for t in THRESHOLDS:
        once = bcubed(ingest(by_lead, ids, 10**9, t), gold)
        one = statistics.mean(bcubed(ingest(by_lead, o, 1, t), gold).f1 for o in os_.values())
        print(f"  t {t:<6} {once.f1:.3f} ({once.stories} stories) | {one:.3f}")
    leave_stories_out(by_lead, gold)


def leave_stories_out(arts: dict[str, st.Article], gold: dict[str, str], splits: int = 5) -> None:
    """Choose the threshold on half the gold stories (from scratch, best F1), score it on the other half."""
    print("\nleave stories out: threshold chosen on half the stories, F1 on the other half (from scratch)")
    stories = sorted(set(gold[d] for d in arts if d in gold))
    for seed in range(splits):
        half = set(random.Random(seed).sample(stories, len(stories) // 2))
        parts = [{d: a for d, a in arts.items() if (gold.get(d) in half) == side} for side in (True, False)]
        for fit, held in (parts, parts[::-1]):
            t = max(THRESHOLDS, key=lambda x: bcubed(ingest(fit, sorted(fit), 10**9, x), gold).f1)
            got, shipped = (bcubed(ingest(held, sorted(held), 10**9, x), gold) for x in (t, st.SIMILARITY))
            print(f"  split {seed}: chosen t {t:<6} held-out F1 {got.f1:.3f} (shipped t: {shipped.f1:.3f}), "
                  f"{len(held)} articles")


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
    print(f"\n{'articles':>8} {'from scratch':>13} {'per article':>12} {'attach last 1%':>15} {'per article':>12}"
          f" {'last 10 singly':>15} {'stories':>8}")
    for n in sizes:
        arts = generated(n)
        t0 = time.perf_counter()
        got = st.assign([], arts)
        scratch = time.perf_counter() - t0
        cut = n - max(1, n // 100)
        t0 = time.perf_counter()
        st.assign([(a, got[a.doc_id]) for a in arts[:cut]], arts[cut:])
        incr = time.perf_counter() - t0
        t0 = time.perf_counter()
        story = {a.doc_id: got[a.doc_id] for a in arts[: n - 10]}
        for i in range(n - 10, n):
            story.update(st.assign([(a, story[a.doc_id]) for a in arts[:i]], [arts[i]]))
        singly = (time.perf_counter() - t0) / 10
        print(f"{n:>8} {scratch:>12.2f}s {1000 * scratch / n:>10.2f}ms {incr:>14.2f}s "
              f"{1000 * incr / (n - cut):>10.1f}ms {1000 * singly:>13.0f}ms {len(set(got.values())):>8}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", type=Path, help="a workspace holding the Wikinews dev docs (else a temporary one)")
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--no-quality", action="store_true", help="only the timing on generated articles")
    args = p.parse_args()
    if CORPUS.is_dir() and not args.no_quality:
        with tempfile.TemporaryDirectory() as tmp:
            quality(args.workspace or Path(tmp))
    timing([int(x) for x in args.sizes.split(",") if x])


if __name__ == "__main__":
    main()
