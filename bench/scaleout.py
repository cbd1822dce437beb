"""Section "scaleout": the same retrieval and the same answers through the scale-out servers, against
the embedded defaults, both on this machine over loopback.

Retrieval: the retrieval section's synthetic store (bench.retrieval.Writer) at 100k chunks (quick:
10k), embedded, and the same store served by `chroma run` (a copy of the retrieval section's files
when it ran in this invocation, else written through the server); the same queries through
`rag.retrieval.retrieve.retrieve` on each (p50, p95), and whether both return the same chunks. Answers: the same 3 seed questions with the default
model (quick: 2, tiny model), in process (LocalLLM) and through `python -m llama_cpp.server`
(RemoteLLM, streamed), with the same model file, context size, threads and prompt; one untimed question first on each, so both start with
the system prompt in the model's KV cache. What the numbers show is the cost of the network path and
of the servers' own work, not of more hardware: here the servers share the same 2 cores.
"""
from __future__ import annotations

import gc
import shutil
from typing import Any

from bench.answer import RecordingLLM, ours
from bench.context import DEFAULT_MODEL, SEEDS, TINY_MODEL, Context, pick
from bench.corpus import Recombiner
from bench.report import Result, Stopwatch, Table, percentile, progress
from bench.retrieval import Writer, measure, top_ids
from bench.servers import chroma_cmd, free_port, llama_cmd, server
from rag import desk as app
from rag.answer.ask import Assistant
from rag.backends import models
from rag.core.config import Settings
from rag.core.prompts import Prompts
from rag.retrieval.retrieve import retrieve


def run(ctx: Context) -> Result:
    size = 10_000 if ctx.quick else 100_000
    questions = [c.question for c in ctx.question_cases()]
    queries = [questions[i % len(questions)] for i in range(40)]
    cases = pick(ctx.question_cases(), 2 if ctx.quick else 3)
    model = TINY_MODEL if ctx.quick else DEFAULT_MODEL
    r = Result()
    r.data["retrieval"] = {"chunks": size, **_retrieval(ctx, size, queries)}
    r.data["answer"] = _answers(ctx, model, [c.question for c in cases])
    t = Table(f"retrieval at {size:,} chunks, {len(queries)} queries (ms)",
              ["store", "p50", "p95", "dense p50", "registry p50", "bm25 p50", "same top-k"])
    for kind in ("embedded", "server"):
        m = r.data["retrieval"][kind]
        t.add(kind, m["p50_ms"], m["p95_ms"], m["dense_p50_ms"], m["registry_p50_ms"], m["bm25_p50_ms"],
              m.get("same_hits", ""))
    r.tables.append(t)
    a = Table(f"answers: {model}, {len(cases)} questions, same prompt", ["model", "TTFT p50 ms", "total p50 ms",
                                                                                "total p90 ms", "same answer"])
    for kind in ("in-process", "server"):
        m = r.data["answer"][kind]
        a.add(kind, m["ttft_ms_p50"], m["total_ms_p50"], m["total_ms_p90"], f"{r.data['answer']['same_answers']}/{len(cases)}")
    r.tables.append(a)
    ret, ans = r.data["retrieval"], r.data["answer"]
    r.notes.append(f"server/embedded retrieval p50 x{ret['server']['p50_ms'] / ret['embedded']['p50_ms']:.2f}; "
                   f"answer total p50 x{ans['server']['total_ms_p50'] / ans['in-process']['total_ms_p50']:.2f}")
    return r


def _retrieval(ctx: Context, size: int, queries: list[str]) -> dict[str, Any]:
    """Server and embedded; the embedded figure is the retrieval section's when it ran at this size."""
    out = {"embedded": ctx.shared[f"retrieval_{size}"]} if f"retrieval_{size}" in ctx.shared else {}
    stored = ctx.shared.get("retrieval_store") if out else None
    path, port = ctx.tmp / "chroma-server", free_port()
    if stored and stored["chunks"] == size:
        shutil.copytree(stored["path"], path)  # serve the very store the retrieval section measured
    with server(chroma_cmd(path, port), f"http://127.0.0.1:{port}/api/v2/heartbeat", ctx.tmp / "chroma.log",
                timeout_s=300):
        for kind, url in (("embedded", None), ("server", f"http://127.0.0.1:{port}")):
            if kind in out:
                continue
            s = ctx.settings(workspace=ctx.tmp / f"scaleout-{kind}", chroma_url=url)
            index = app.open_index(s, ctx.seeds_index().embedder)
            with Stopwatch() as w:
                if index.store.chunk_count() != size:
                    progress(f"scaleout: writing {size:,} synthetic chunks ({kind})")
                    Writer(index.store, Recombiner(SEEDS, seed=99)).fill(size)
            retrieve(index, queries[0], s.k)  # builds the BM25 index outside the timings
            progress(f"scaleout: {len(queries)} queries ({kind})")
            out[kind] = {**measure(index, queries, s.k), "write_s": w.s}
            if stored and stored["chunks"] == size:
                same = [top_ids(index, q, s.k) == hits for q, hits in zip(queries, stored["hits"])]
                out[kind]["same_hits"] = f"{sum(same)}/{len(same)}"
    return out


def _answers(ctx: Context, model: str, questions: list[str]) -> dict[str, Any]:
    s = ctx.settings(model=model)
    preset = models.get_preset(s.models_dir, model, kind="chat")
    path = models.require(s.models_dir, preset)[0]
    n_ctx = s.n_ctx or preset.n_ctx
    progress("scaleout: answers in process")
    local = _ask_all(s, ctx, app.load_llm(s), questions)
    gc.collect()  # let the in-process model go before the server loads its own copy
    port = free_port()
    with server(llama_cmd(path, port, model, n_ctx, s.n_threads), f"http://127.0.0.1:{port}/v1/models",
                ctx.tmp / "llm.log", timeout_s=180):
        progress("scaleout: answers through llama_cpp.server")
        remote = _ask_all(s, ctx, app.load_llm(s.replace(llm_url=f"http://127.0.0.1:{port}/v1", n_ctx=n_ctx)), questions)
    same = sum(x["answer"] == y["answer"] for x, y in zip(local, remote))
    return {"in-process": _summary(local), "server": _summary(remote), "same_answers": same,
            "questions": [{"question": q, "in-process": x, "server": y} for q, x, y in zip(questions, local, remote)]}


def _ask_all(s: Settings, ctx: Context, llm: Any, questions: list[str]) -> list[dict[str, Any]]:
    rec = RecordingLLM(llm)
    a = Assistant(s, ctx.seeds_index(), rec, Prompts(s.prompts_dir))
    ours(a, rec, "What did the resident say about war?")  # untimed: the system prompt into the KV cache
    return [ours(a, rec, q) for q in questions]


def _summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    col = lambda key: [x[key] for x in rows]  # noqa: E731
    return {"ttft_ms_p50": percentile(col("ttft_ms"), 50), "total_ms_p50": percentile(col("total_ms"), 50),
            "total_ms_p90": percentile(col("total_ms"), 90)}
