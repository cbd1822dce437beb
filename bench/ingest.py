"""Section "ingest": documents/s and chunks/s into an empty workspace, the no-op re-ingest, and
embedding throughput of our embedder (dynamic padding, batches sorted by length) against Chroma's
default approach (the same ONNX session fed batches padded to 256 tokens, in the given order).

The ingest runs in a child process, which also reports its peak memory (used by "memory"). Then the
embedder alone embeds every ingested chunk's text in one call: ingest chunks/s divided by those texts/s
is how close ingest runs to the embedder's own speed (1.0: nothing but embedding).
Full: 1,000 generated articles, 500 texts embedded each way; quick: 100 articles, 200 texts.
`python -m bench.ingest --articles N [--before DIR] [--sample M]` runs only the ingest part at any size,
articles recombined from seeds/ and the Wikinews dev corpus; --sample times the embedder alone on every
n-th chunk (about M of them: the same length mix), so 10,000 articles do not pay a second full embedding.
Does not download Chroma's own model: the 256-token padding is emulated with ours.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench.child import child_args, peak_rss_mib, reply, run_module
from bench.context import ROOT, SEEDS, Context
from bench.corpus import write_corpus
from bench.report import Result, Stopwatch, Table, progress, render

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
    t.add("embedder alone, same chunks", d["embed_all_s"], None, d["chunks"] / d["embed_all_s"],
          f"ingest/embedder ratio {d['embed_all_s'] / d['ingest_s']:.2f}; ingest peak RSS {d['peak_rss_mib']:.0f} MiB")
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
    sample = chunks[::max(1, len(chunks) // args["sample"])] if args.get("sample") else chunks
    progress(f"ingest: the embedder alone on {len(sample):,} of the same {len(chunks):,} chunks")
    with Stopwatch() as alone:
        embedder.embed([f"{c.title}\n{c.text}" for c in sample])
    if args.get("only_ratio"):
        return {"documents": len(rep.added), "chunks": len(chunks), "ingest_s": first.s,
                "embed_texts_per_s": len(sample) / alone.s, "peak_rss_mib": rss, "embed_share": timed.seconds / first.s}
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
        "embed_all_s": alone.s,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description="ingest chunks/s vs the embedder's own")
    p.add_argument("--articles", type=int, nargs="+", default=[1000, 10000], help="sizes (default 1000 10000)")
    p.add_argument("--sample", type=int, default=0,
                   help="time the embedder alone on every n-th chunk, about this many (default 0: all chunks)")
    p.add_argument("--before", type=Path, help="also run this checkout's code (e.g. a `git worktree` of the old commit)")
    args = p.parse_args(argv)
    corpora = Path(os.environ.get("RAG_TEST_CORPORA", ROOT.parent / "shared" / "corpora")) / "wikinews-dev" / "docs"
    sources = [SEEDS] + ([corpora] if corpora.is_dir() else [])
    t = Table(f"ingest vs the embedder alone, articles recombined from {', '.join(str(x) for x in sources)}",
              ["code", "articles", "chunks", "ingest s", "chunks/s", "embedder texts/s", "ratio", "peak RSS MiB"])
    with tempfile.TemporaryDirectory(prefix="rag-bench-ingest-") as tmp:
        for n in args.articles:
            corpus = Path(tmp) / f"corpus-{n}"
            write_corpus(sources, corpus, n)
            for code, root in (("before", _mixed(args.before, Path(tmp))), ("after", ROOT)):
                if root is None:
                    continue
                progress(f"ingest: {n:,} articles, {code}")
                d = run_module("bench.ingest", {"corpus": str(corpus), "workspace": f"{tmp}/ws-{code}-{n}", "tmp": tmp,
                                                "n_texts": 0, "only_ratio": True,
                                                "sample": args.sample}, timeout_s=4 * 3600, root=root)
                t.add(code, d["documents"], d["chunks"], d["ingest_s"], d["chunks"] / d["ingest_s"],
                      d["embed_texts_per_s"], d["chunks"] / d["ingest_s"] / d["embed_texts_per_s"], d["peak_rss_mib"])
    print(render(t))
    return 0


def _mixed(before: Path | None, tmp: Path) -> Path | None:
    """A folder whose `rag` is the old checkout's and whose `bench` is this one's (the old code, measured
    the same way; the old checkout needs its models/ linked, as a worktree does)."""
    if before is None:
        return None
    mix = tmp / "before-code"
    if not mix.exists():
        mix.mkdir()
        (mix / "rag").symlink_to(before.resolve() / "rag")
        (mix / "bench").symlink_to(ROOT / "bench")
    return mix


if __name__ == "__main__":
    if (params := child_args()) is not None:
        reply(_child(params))
    else:
        sys.exit(main())
