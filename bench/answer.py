"""Section "answer": what one answer costs with the default model, and what our pipeline adds.

For each question: `ask_stream` (time to first token, total, prompt tokens, generation tokens/s),
then the very messages it sent to the model run through raw `Llama.create_chat_completion(stream=
True)` on the same loaded model, with nothing around it: the overhead ratio is ours / raw total,
and the pipeline share is (retrieval + packing + verification) / total. Before every run the
KV cache holds the system prompt and nothing of the question (as in a chat after another question),
and the order ours/raw alternates. Then the KV-cache saving: time to first token with an empty
cache vs with the system-prompt prefix cached.
Full: 6 answerable seed questions (and 2 for the cache test); quick: 2 (and 1).
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Iterator

from bench.context import DEFAULT_MODEL, Context, pick
from bench.report import Result, Stopwatch, Table, percentile, progress
from rag import desk as app
from rag.answer.ask import Assistant, Done, Token, ask, ask_stream
from rag.core.prompts import Prompts
from rag.retrieval.retrieve import retrieve


class RecordingLLM:
    """Delegates to a LocalLLM; keeps the last messages sent and the seconds spent generating."""

    def __init__(self, inner: Any):
        self.inner, self.name, self.n_ctx = inner, inner.name, inner.n_ctx
        self.messages: list[dict] = []
        self.max_tokens, self.temperature, self.seconds = 0, 0.0, 0.0
        self.dry = False  # record the messages, generate nothing

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float = 180.0) -> Iterator[str]:
        self.messages, self.max_tokens, self.temperature = messages, max_tokens, temperature
        if self.dry:
            return
        t0 = time.perf_counter()
        try:
            yield from self.inner.stream(messages, max_tokens, temperature, timeout_s)
        finally:
            self.seconds = time.perf_counter() - t0


def prime(llm: Any, system: str) -> None:
    """Leave the system prompt, and nothing of any question, in the KV cache."""
    llm.raw().create_chat_completion(messages=[{"role": "system", "content": system}, {"role": "user", "content": "Hi"}],
                                    max_tokens=1, temperature=0.0)


def ours(a: Assistant, rec: RecordingLLM, question: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    ttft, answer = None, None
    for ev in ask_stream(a, question):
        if isinstance(ev, Token) and ttft is None:
            ttft = time.perf_counter() - t0
        elif isinstance(ev, Done):
            answer = ev.answer
    total = time.perf_counter() - t0
    t = answer.timings
    gen_s = total - (ttft or total)
    return {"ttft_ms": (ttft or 0) * 1000, "total_ms": total * 1000, "prompt_tokens": t.prompt_tokens,
            "completion_tokens": t.completion_tokens, "retrieve_ms": t.retrieve_ms, "model_s": rec.seconds,
            "overhead_share": max(0.0, total - rec.seconds) / total, "abstained": answer.abstained,
            "gen_tok_s": (t.completion_tokens - 1) / gen_s if gen_s > 0 and t.completion_tokens > 1 else None,
            "answer": answer.answer[:160]}


def raw(llm: Any, messages: list[dict], max_tokens: int, temperature: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    ttft, n = None, 0
    for part in llm.raw().create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=temperature,
                                                seed=llm.seed, stream=True):
        text = part["choices"][0].get("delta", {}).get("content")
        if text:
            n += llm.count_tokens(text)  # as LocalLLM counts: a piece can hold several tokens
            if ttft is None:
                ttft = time.perf_counter() - t0
    total = time.perf_counter() - t0
    gen_s = total - (ttft or total)
    return {"ttft_ms": (ttft or 0) * 1000, "total_ms": total * 1000, "completion_tokens": n,
            "gen_tok_s": (n - 1) / gen_s if gen_s > 0 and n > 1 else None}


def first_token_ms(a: Assistant, question: str) -> float:
    t0 = time.perf_counter()
    events = ask_stream(a, question)
    try:
        for ev in events:
            if isinstance(ev, Token):
                return (time.perf_counter() - t0) * 1000
    finally:
        events.close()
    return float("nan")


def run(ctx: Context) -> Result:
    cases = pick(ctx.question_cases(), 2 if ctx.quick else 6)
    n_kv = 1 if ctx.quick else 2
    s = ctx.settings(model=DEFAULT_MODEL)
    index = ctx.seeds_index()
    with Stopwatch() as load:
        llm = app.load_llm(s)
    rec = RecordingLLM(llm)
    prompts = Prompts(s.prompts_dir)
    a = Assistant(s, index, rec, prompts)
    system = prompts.text("answer_system")
    retrieve(index, "warm-up", s.k)  # builds the BM25 index outside the timings
    rows = []
    for i, case in enumerate(cases):
        progress(f"answer: {i + 1}/{len(cases)} {case.id}")
        rec.dry = True  # the messages our pipeline sends, for the raw run (retrieval only, no model)
        ask(a, case.question)
        rec.dry = False
        msgs, max_tokens, temp = rec.messages, rec.max_tokens, rec.temperature
        runs: dict[str, dict] = {}
        for kind in (("ours", "raw") if i % 2 == 0 else ("raw", "ours")):
            prime(llm, system)
            runs[kind] = ours(a, rec, case.question) if kind == "ours" else raw(llm, msgs, max_tokens, temp)
        rows.append({"case": case.id, "same_prompt": rec.messages == msgs,
                     **{f"{k}_{m}": v for k, r in runs.items() for m, v in r.items()}})
    kv = []
    for case in cases[:n_kv]:
        progress(f"answer: KV-cache test {case.id}")
        llm.reset()
        cold = first_token_ms(a, case.question)
        prime(llm, system)
        warm = first_token_ms(a, case.question)
        kv.append({"case": case.id, "cold_ttft_ms": cold, "warm_ttft_ms": warm, "saved_ms": cold - warm})
    return _result(rows, kv, load.s, llm.count_tokens(system))


def _result(rows: list[dict], kv: list[dict], load_s: float, system_tokens: int) -> Result:
    col = lambda key: [r[key] for r in rows if r.get(key) is not None]  # noqa: E731
    ratios = [r["ours_total_ms"] / r["raw_total_ms"] for r in rows]
    summary = {
        "questions": len(rows), "load_s": load_s,
        "ttft_ms_p50": percentile(col("ours_ttft_ms"), 50), "ttft_ms_p90": percentile(col("ours_ttft_ms"), 90),
        "total_ms_p50": percentile(col("ours_total_ms"), 50), "total_ms_p90": percentile(col("ours_total_ms"), 90),
        "prompt_tokens_mean": statistics.mean(col("ours_prompt_tokens")),
        "gen_tok_s_p50": percentile(col("ours_gen_tok_s"), 50), "raw_gen_tok_s_p50": percentile(col("raw_gen_tok_s"), 50),
        "raw_ttft_ms_p50": percentile(col("raw_ttft_ms"), 50), "raw_total_ms_p50": percentile(col("raw_total_ms"), 50),
        "overhead_ratio_p50": percentile(ratios, 50),
        "overhead_ratio_sum": sum(col("ours_total_ms")) / sum(col("raw_total_ms")),
        "pipeline_share_p50": percentile(col("ours_overhead_share"), 50),
        "same_length_outputs": sum(r["ours_completion_tokens"] == r["raw_completion_tokens"] for r in rows),
        "system_prompt_tokens": system_tokens,
        "kv_saved_ms_mean": statistics.mean([k["saved_ms"] for k in kv]) if kv else None,
    }
    r = Result(data={"summary": summary, "questions": rows, "kv_cache": kv})
    t = Table(f"answer: {DEFAULT_MODEL}, {len(rows)} questions (model loaded in {load_s:.1f} s)",
              ["metric", "ours (ask_stream)", "raw llama.cpp"])
    t.add("time to first token p50 (ms)", summary["ttft_ms_p50"], summary["raw_ttft_ms_p50"])
    t.add("time to first token p90 (ms)", summary["ttft_ms_p90"], percentile(col("raw_ttft_ms"), 90))
    t.add("total p50 (ms)", summary["total_ms_p50"], summary["raw_total_ms_p50"])
    t.add("total p90 (ms)", summary["total_ms_p90"], percentile(col("raw_total_ms"), 90))
    t.add("prompt tokens (mean)", summary["prompt_tokens_mean"], summary["prompt_tokens_mean"])
    t.add("generation tokens/s p50", summary["gen_tok_s_p50"], summary["raw_gen_tok_s_p50"])
    r.tables.append(t)
    o = Table("pipeline overhead", ["metric", "value", "target"])
    o.add("ours total / raw total (median of questions)", summary["overhead_ratio_p50"], "<= 1.05")
    o.add("ours total / raw total (sum of all questions)", summary["overhead_ratio_sum"], "<= 1.05")
    o.add("retrieval+packing+verification / total (median)", summary["pipeline_share_p50"], "")
    o.add("outputs of equal length, ours vs raw", f"{summary['same_length_outputs']}/{len(rows)}", "")
    r.tables.append(o)
    k = Table(f"KV-cache reuse: time to first token (system prompt {system_tokens} tokens)",
              ["question", "empty cache ms", "system prompt cached ms", "saved ms"])
    for x in kv:
        k.add(x["case"], x["cold_ttft_ms"], x["warm_ttft_ms"], x["saved_ms"])
    r.tables.append(k)
    return r
