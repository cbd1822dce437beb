"""Section "memory": peak resident memory (ru_maxrss) of a `rag chat`-like process after one answer
with the default model, and of ingesting 1,000 articles (quick: 100), each in a fresh process.

The ingest figure is taken from the "ingest" section's child process when that ran in this
invocation at the same size; otherwise an ingest runs here. The chat process opens a workspace
that another process ingested seeds/ into, loads the assistant, asks one question and reports.
A model file is memory-mapped: its pages count in RSS once read, so the figure includes them.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.child import child_args, peak_rss_mib, reply, run_module
from bench.context import DEFAULT_MODEL, SEEDS, Context
from bench.corpus import write_corpus
from bench.report import Result, Table, progress

QUESTION = "Who was the US special envoy at the talks in Oman?"


def run(ctx: Context) -> Result:
    n_docs = 100 if ctx.quick else 1000
    ws = ctx.tmp / "memory-ws"
    progress("memory: ingesting seeds/ for the chat process")
    run_module("bench.memory", {"kind": "ingest", "corpus": str(SEEDS), "workspace": str(ws), "tmp": str(ctx.tmp)},
               timeout_s=600)
    progress(f"memory: chat process ({DEFAULT_MODEL})")
    chat = run_module("bench.memory", {"kind": "chat", "workspace": str(ws), "model": DEFAULT_MODEL,
                                       "tmp": str(ctx.tmp)}, timeout_s=900)
    ing = ctx.shared.get("ingest_rss")
    source = "the ingest section's process"
    if not ing or ing["documents"] != n_docs:
        progress(f"memory: ingest process ({n_docs} generated articles)")
        corpus = ctx.tmp / f"memory-corpus-{n_docs}"
        write_corpus(SEEDS, corpus, n_docs)
        ing = run_module("bench.memory", {"kind": "ingest", "corpus": str(corpus), "workspace": str(ctx.tmp / "memory-ingest-ws"),
                                          "tmp": str(ctx.tmp)}, timeout_s=1800)
        source = "a process run by this section"
    r = Result(data={"chat": chat, "ingest": ing})
    t = Table("peak resident memory (ru_maxrss), one fresh process each", ["process", "peak MiB", "note"])
    t.add(f"chat: load assistant + 1 answer ({DEFAULT_MODEL})", chat["peak_rss_mib"],
          f"{chat['rss_after_load_mib']:.0f} MiB after loading; answer in {chat['answer_s']:.1f} s")
    t.add(f"ingest {ing['documents']:,} articles", ing["peak_rss_mib"], f"from {source}")
    r.tables.append(t)
    return r


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(args: dict[str, Any]) -> dict[str, Any]:
    from rag import desk as app
    from rag.answer.ask import ask
    from rag.core.config import load_settings
    from rag.ingest.pipeline import ingest

    over = {"workspace": args["workspace"], **({"model": args["model"]} if "model" in args else {})}
    s = load_settings(over, environ={}, toml_path=Path(args["tmp"]) / "none.toml")
    if args["kind"] == "ingest":
        index = app.open_index(s)
        rep = ingest([Path(args["corpus"])], index.store, index.embedder, chunk_tokens=s.chunk_tokens,
                     chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 2**20))
        return {"documents": len(rep.added), "peak_rss_mib": peak_rss_mib()}
    a = app.assistant(s)
    loaded = _rss_now_mib()
    t0 = time.perf_counter()
    answer = ask(a, QUESTION)
    return {"model": s.model, "rss_after_load_mib": loaded, "answer_s": time.perf_counter() - t0,
            "abstained": answer.abstained, "peak_rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    if (params := child_args()) is not None:
        reply(_child(params))
