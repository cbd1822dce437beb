"""Section "ingest": documents/s and chunks/s into an empty workspace, the no-op re-ingest, and
embedding throughput of our embedder (dynamic padding, batches sorted by length) against Chroma's
default approach (the same ONNX session fed batches padded to 256 tokens, in the given order).

The ingest runs in a child process, which also reports its peak memory (used by "memory").
Full: 1,000 generated articles, 500 texts embedded each way; quick: 100 articles, 200 texts.
Does not download Chroma's own model: the 256-token padding is emulated with ours.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench.child import child_args, peak_rss_mib, reply, run_module
from bench.context import SEEDS, Context
from bench.corpus import write_corpus
from bench.report import Result, Stopwatch, Table, progress

CHROMA_PAD, CHROMA_BATCH = 256, 32


def run(ctx: Context) -> Result:
    n_docs, n_texts = (100, 200) if ctx.quick else (1000, 500)
    progress(f"ingest: writing {n_docs} generated articles")
    corpus = ctx.tmp / "corpus"
    with Stopwatch() as gen:
        write_corpus(SEEDS, corpus, n_docs)
    progress("ingest: ingesting in a child process")
    d = run_module("bench.ingest", {"corpus": str(corpus), "workspace": str(ctx.tmp / "ingest-ws"),
                                    "n_texts": n_texts, "tmp": str(ctx.tmp)}, timeout_s=1800)
    d["generate_s"] = gen.s
    ctx.shared["ingest_rss"] = {"documents": d["documents"], "peak_rss_mib": d["peak_rss_mib"]}
    r = Result(data=d)
    t = Table(f"ingest: {d['documents']:,} generated articles -> {d['chunks']:,} chunks (empty workspace)",
              ["step", "seconds", "documents/s", "chunks/s", "note"])
    t.add("first ingest", d["ingest_s"], d["documents"] / d["ingest_s"], d["chunks"] / d["ingest_s"],
          f"{d['embed_share']:.0%} of it embedding; {d['duplicates']} marked near-duplicate")
    t.add("re-ingest (no change)", d["reingest_s"], d["documents"] / d["reingest_s"], None,
          f"{d['unchanged']} unchanged")
    r.tables.append(t)
    e = Table(f"embedding throughput: {d['texts']:,} chunk texts (mean {d['mean_tokens']:.0f} tokens), batch 32",
              ["approach", "seconds", "texts/s", "speed-up"])
    e.add("ours: dynamic padding, length-sorted", d["ours_s"], d["texts"] / d["ours_s"], d["chroma_s"] / d["ours_s"])
    e.add("Chroma-style: padded to 256", d["chroma_s"], d["texts"] / d["chroma_s"], 1.0)
    r.tables.append(e)
    r.notes.append(f"the two embeddings agree: min cosine {d['min_cosine']:.4f} over the {d['texts']:,} texts")
    return r


class TimedEmbedder:
    """Wraps an Embedder and adds up the time spent in `embed`."""

    def __init__(self, inner: Any):
        self.inner, self.model_name, self.seconds, self.texts = inner, inner.model_name, 0.0, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        return out


def chroma_style(embedder: Any, tokenizer_path: Path, texts: Sequence[str]) -> np.ndarray:
    """Chroma's default ONNX embedding loop: pad/truncate to 256 tokens, batches of 32 in order."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.enable_truncation(CHROMA_PAD)
    tok.enable_padding(pad_id=0, pad_token="[PAD]", length=CHROMA_PAD)
    session, names = embedder._session, embedder._inputs  # the very session our embedder uses
    out = []
    for s in range(0, len(texts), CHROMA_BATCH):
        encs = tok.encode_batch(list(texts[s : s + CHROMA_BATCH]))
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: v for k, v in feeds.items() if k in names})[0]
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
    return np.concatenate(out)


def _child(args: dict[str, Any]) -> dict[str, Any]:
    from rag import desk as app
    from rag.backends import models
    from rag.core.config import load_settings
    from rag.ingest.pipeline import ingest

    ws = Path(args["workspace"])
    s = load_settings({"workspace": str(ws)}, environ={}, toml_path=Path(args["tmp"]) / "none.toml")
    embedder = app.load_embedder(s)
    index = app.open_index(s, embedder)
    timed = TimedEmbedder(embedder)
    opts = dict(chunk_tokens=s.chunk_tokens, chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 2**20))
    with Stopwatch() as first:
        rep = ingest([Path(args["corpus"])], index.store, timed, **opts)  # type: ignore[arg-type]
    rss = peak_rss_mib()
    with Stopwatch() as again:
        rep2 = ingest([Path(args["corpus"])], index.store, embedder, **opts)
    docs = index.documents()
    versions = {d: r.version for d, r in docs.items()}
    chunks = list(index.store.iter_chunks(versions))
    step = max(1, len(chunks) // args["n_texts"])
    texts = [f"{c.title}\n{c.text}" for c in chunks[::step][: args["n_texts"]]]
    progress(f"ingest: embedding {len(texts)} texts both ways")
    embedder.embed(texts[:32])  # warm-up: first-run allocations are not throughput
    with Stopwatch() as ours:
        a = embedder.embed(texts)
    tokenizer = next(p for p in models.require(s.models_dir, models.get_preset(s.models_dir, s.embed_model,
                                                                                kind="embed")) if p.suffix == ".json")
    with Stopwatch() as chroma:
        b = chroma_style(embedder, tokenizer, texts)
    embedder._tok.no_truncation()
    mean_tokens = float(np.mean([min(len(e.ids), CHROMA_PAD) for e in embedder._tok.encode_batch(texts)]))
    return {
        "documents": len(rep.added), "skipped": len(rep.skipped), "chunks": len(chunks),
        "duplicates": sum(1 for r in docs.values() if r.duplicate_of), "ingest_s": first.s,
        "embed_s": timed.seconds, "embed_share": timed.seconds / first.s, "peak_rss_mib": rss,
        "reingest_s": again.s, "unchanged": len(rep2.unchanged), "texts": len(texts), "mean_tokens": mean_tokens,
        "ours_s": ours.s, "chroma_s": chroma.s, "min_cosine": float(np.min(np.sum(a * b, axis=1))),
    }


if __name__ == "__main__":
    if (params := child_args()) is not None:
        reply(_child(params))
