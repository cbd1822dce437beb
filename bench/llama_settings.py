"""`python -m bench.llama_settings [--model NAME] [--repeats N] [--quick]`: time to first token of one
fixed prompt under llama.cpp's prompt-evaluation settings (flash attention, n_batch / n_ubatch, the
KV cache's types), each in a freshly loaded model, the same prompt every time.

The prompt is the real one `rag ask` sends for a seed question (system prompt, four packed sources,
the question: about 590 tokens with the default model), captured without generating. Before each
timed run the KV cache holds the system prompt only (as in a chat after another question). Each
setting also generates 32 tokens at temperature 0; "same text" says whether they equal the default
settings' (a quantized KV cache may change them). Prints a table; writes nothing.
Does not choose the defaults: it shows the numbers (Settings.n_batch etc. hold the chosen ones).
"""
from __future__ import annotations

import argparse
import gc
import itertools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answer import RecordingLLM, prime
from bench.context import DEFAULT_MODEL, Context
from bench.report import Table, percentile, progress, render
from rag import desk as app
from rag.answer.ask import Assistant, ask
from rag.core.errors import ModelError
from rag.core.prompts import Prompts

QUESTION = "Who was the US special envoy at the talks in Oman?"
DEFAULTS = {"flash_attn": 0, "n_batch": 512, "n_ubatch": 512, "type_k": "f16", "type_v": "f16"}
BATCHES = [(512, 512), (1024, 512), (1024, 1024), (256, 256), (512, 128)]
KV = [("f16", "f16"), ("q8_0", "q8_0")]


def grid(quick: bool) -> list[dict[str, Any]]:
    """Every combination (quick: each choice against the defaults); the defaults come first."""
    if quick:
        one = [{"flash_attn": 1}, {"n_batch": 1024, "n_ubatch": 1024}, {"n_batch": 256, "n_ubatch": 256},
               {"flash_attn": 1, "type_k": "q8_0", "type_v": "q8_0"}]
        return [dict(DEFAULTS)] + [{**DEFAULTS, **o} for o in one]
    out = [{"flash_attn": fa, "n_batch": nb, "n_ubatch": nu, "type_k": k, "type_v": v}
           for fa, (nb, nu), (k, v) in itertools.product((0, 1), BATCHES, KV) if fa or v == "f16"]
    return sorted(out, key=lambda c: c != DEFAULTS)


def capture_messages(ctx: Context, model: str) -> list[dict]:
    """The messages `rag ask` sends for QUESTION, recorded without generating."""
    s = ctx.settings(model=model)
    rec = RecordingLLM(app.load_llm(s))
    rec.dry = True
    ask(Assistant(s, ctx.seeds_index(), rec, Prompts(s.prompts_dir)), QUESTION)
    messages = rec.messages
    del rec
    gc.collect()
    return messages


def measure(ctx: Context, model: str, config: dict[str, Any], messages: list[dict], repeats: int) -> dict[str, Any]:
    try:
        llm = app.load_llm(ctx.settings(model=model, **config))
    except ModelError as e:  # a combination this build of llama.cpp refuses
        return {"error": str(e)[:80]}
    ttfts, text = [], ""
    for _ in range(repeats):
        prime(llm, messages[0]["content"])
        t0, first, pieces = time.perf_counter(), None, []
        for part in llm.raw().create_chat_completion(messages=messages, max_tokens=32, temperature=0.0,
                                                    seed=llm.seed, stream=True):
            piece = part["choices"][0].get("delta", {}).get("content")
            if piece:
                first = first or time.perf_counter()
                pieces.append(piece)
        ttfts.append(((first or time.perf_counter()) - t0) * 1000)
        text = "".join(pieces)
    prompt_tokens = llm.prompt_tokens_of(messages)
    del llm
    gc.collect()
    return {"ttft_ms_p50": percentile(ttfts, 50), "ttft_ms_min": min(ttfts), "prompt_tokens": prompt_tokens,
            "text": text}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.llama_settings", description=__doc__.splitlines()[0])
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"chat preset (default {DEFAULT_MODEL})")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per setting (default 3)")
    p.add_argument("--quick", action="store_true", help="each choice against the defaults, not every combination")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rag-llama-settings-") as tmp:
        ctx = Context(quick=True, tmp=Path(tmp))
        messages = capture_messages(ctx, args.model)
        configs = grid(args.quick)
        rows = []
        for i, config in enumerate(configs, 1):
            progress(f"llama settings {i}/{len(configs)}: {config}")
            rows.append((config, measure(ctx, args.model, config, messages, args.repeats)))
    base = rows[0][1]
    t = Table(f"time to first token, {args.model}, one ~{base.get('prompt_tokens', 0)}-token prompt, "
              f"{args.repeats} runs each (ms)", ["flash_attn", "n_batch", "n_ubatch", "type_k/v", "TTFT p50", "min",
                                                  "vs defaults", "same text"])
    for config, m in rows:
        if "error" in m:
            t.add(config["flash_attn"], config["n_batch"], config["n_ubatch"], f"{config['type_k']}/{config['type_v']}",
                  None, None, m["error"], None)
            continue
        t.add(config["flash_attn"], config["n_batch"], config["n_ubatch"], f"{config['type_k']}/{config['type_v']}",
              m["ttft_ms_p50"], m["ttft_ms_min"], f"x{m['ttft_ms_p50'] / base['ttft_ms_p50']:.2f}",
              m["text"] == base["text"])
    print(render(t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
