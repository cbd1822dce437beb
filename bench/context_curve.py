"""Choose the source budget (`context_tokens`) by measurement, without running a chat model: for each
suite and each budget, and for today's packing (whole chunks, `context_tokens` 0), the prompt the
model would read and whether the gold answer is still in it.

Per suite (seeds, Wikinews dev, RGB dev; each indexed once into --workdir, re-used after), every
question case goes through `rag.answer.ask.ask_stream` exactly as `rag ask` runs it, with a stand-in
model that records the messages and generates nothing. Reported per setting: prompt tokens of the
whole rendered prompt (the chat template applied; p50 and mean), counted with the default model's
tokenizer loaded vocab-only (else the tests' model's; the table says which); "answer kept": the share
of answerable cases whose gold strings (the eval's own matching, `rag.evaluation.evaluate.is_correct`)
are in the rendered sources; "gold kept": the share of cases with gold articles where one of them is
still a source; and the cases today's packing keeps and the budget loses. The pick is the smallest
budget that keeps as many answers as today's packing on every suite, give or take NOISE_CASES, and it
is the default only if its median prompt is at most TARGET_TOKENS.
With --ttft N: N seed questions answered by the real model (`--model`, default the default preset)
with today's packing and with the chosen budget, interleaved, one model load: TTFT p50/p90, total p50,
prompt tokens. Does not score answers (that is `rag eval`, commands printed at the end).

Run: .venv/bin/python -m bench.context_curve [--budgets 150,200,...] [--workdir DIR] [--ttft 6]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

from rag import desk as app
from rag.answer.ask import Assistant, ask
from rag.backends import models
from rag.core.config import PROJECT_ROOT, Settings, load_settings
from rag.core.prompts import Prompts
from rag.core.types import Usage
from rag.evaluation.cases import Case, load_suite
from rag.evaluation.evaluate import is_correct
from rag.ingest.pipeline import ingest
from rag.retrieval.context import render
from rag.retrieval.retrieve import Index

CORPORA = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora")
BUDGETS = (150, 200, 220, 250, 300, 350, 400, 500)
NOISE_CASES = 1  # a budget may lose this many more cases than today's packing on a suite and still count as equal
TARGET_TOKENS = 350  # issue 19: median prompt tokens at most this
DEFAULT_MODEL, TINY_MODEL = "qwen2.5-coder-1.5b", "smollm2-135m"


@dataclass(frozen=True)
class Suite:
    name: str
    corpus: Path
    questions: Path


def suites(corpora: Path) -> list[Suite]:
    tests = PROJECT_ROOT / "tests" / "eval"
    return [Suite("seeds", PROJECT_ROOT / "seeds", tests / "seeds.yaml"),
            Suite("wikinews-dev", corpora / "wikinews-dev" / "docs", tests / "wikinews-dev.yaml"),
            Suite("rgb-dev", corpora / "rgb-dev" / "docs", corpora / "rgb-dev" / "questions.yaml")]


class Tokenizer:
    """A chat model's tokenizer and chat template, loaded vocab-only (no weights, ~1 s, ~100 MB)."""

    def __init__(self, path: Path, name: str):
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._llm = Llama(model_path=str(path), vocab_only=True, verbose=False)
        text = self._llm._model.token_get_text
        self._format = Jinja2ChatFormatter(self._llm.metadata["tokenizer.chat_template"], text(self._llm.token_eos()),
                                           text(self._llm.token_bos()), add_generation_prompt=True)
        self.name = name

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def prompt_tokens(self, messages: list[dict]) -> int:
        prompt = self._format(messages=messages).prompt
        return len(self._llm.tokenize(prompt.encode("utf-8", "replace"), add_bos=False, special=True))


class DryModel:
    """A `ChatModel` that records the messages, reports their real prompt length and generates nothing."""

    def __init__(self, tok: Tokenizer, n_ctx: int):
        self.tok, self.name, self.n_ctx = tok, tok.name, n_ctx
        self.messages: list[dict] = []

    def count_tokens(self, text: str) -> int:
        return self.tok.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float = 180.0) -> Iterator[str | Usage]:
        self.messages = messages
        yield Usage(self.tok.prompt_tokens(messages), 0)


def tokenizer(s: Settings) -> tuple[Tokenizer, int]:
    """The default model's tokenizer when its file is here, else the tests' model's; and that preset's n_ctx."""
    for name in (DEFAULT_MODEL, TINY_MODEL):
        preset = models.get_preset(s.models_dir, name, kind="chat")
        if models.is_installed(s.models_dir, preset):
            return Tokenizer(models.require(s.models_dir, preset)[0], name), preset.n_ctx
    sys.exit("no chat model file is installed: rag models pull smollm2-135m")


def index_of(suite: Suite, workdir: Path, s: Settings, embedder: Any) -> tuple[Index, Settings]:
    """The suite's workspace under `workdir`, ingested when needed (unchanged files are skipped)."""
    ws = s.replace(workspace=workdir / suite.name)
    index = app.open_index(ws, embedder)
    ingest([suite.corpus], index.store, embedder, chunk_tokens=ws.chunk_tokens, chunk_overlap=ws.chunk_overlap,
           max_bytes=int(ws.max_file_mb * 2**20))
    return index, ws


def measure(a: Assistant, model: DryModel, cases: list[Case], budget: int) -> list[dict[str, Any]]:
    """One row per question case: prompt tokens, answer kept, gold article kept."""
    a = replace(a, settings=a.settings.replace(context_tokens=budget))
    rows = []
    for c in cases:
        answer = ask(a, c.question)
        shown = render(answer.sources, a.prompts) if answer.sources else ""
        kept = is_correct(shown, c) if not c.unanswerable else None
        rows.append({"id": c.id, "tokens": answer.timings.prompt_tokens if answer.sources else None,
                     "kept": kept, "gold": bool({s.doc_id for s in answer.sources} & set(c.sources)) if c.sources
                     and not c.unanswerable else None})
    return rows


def summary(rows: list[dict[str, Any]], old: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    tokens = [r["tokens"] for r in rows if r["tokens"] is not None]
    kept = [r["kept"] for r in rows if r["kept"] is not None]
    gold = [r["gold"] for r in rows if r["gold"] is not None]
    lost = [r["id"] for r, o in zip(rows, old or []) if o["kept"] and not r["kept"]]
    won = [r["id"] for r, o in zip(rows, old or []) if r["kept"] and o["kept"] is False]
    return {"p50": statistics.median(tokens) if tokens else 0, "mean": statistics.mean(tokens) if tokens else 0,
            "kept": sum(kept), "answerable": len(kept), "gold": sum(gold), "with_gold": len(gold),
            "lost": lost, "won": won}


def table(name: str, n: int, results: dict[int, dict[str, Any]], tok: str) -> str:
    lines = [f"\n== {name} ({n} question cases; prompt tokens of the whole prompt, {tok} tokenizer)",
             f"{'budget':>8} | {'p50':>5} | {'mean':>6} | {'answer kept':>13} | {'gold kept':>11} | "
             "lost vs whole chunks"]
    for budget, r in results.items():
        label = "whole" if budget == 0 else str(budget)
        share = lambda a, b: f"{a}/{b} {a / b if b else 0:.2f}"  # noqa: E731
        extra = ", ".join(r["lost"]) + (f" (gained {', '.join(r['won'])})" if r["won"] else "")
        lines.append(f"{label:>8} | {r['p50']:>5.0f} | {r['mean']:>6.1f} | {share(r['kept'], r['answerable']):>13} | "
                     f"{share(r['gold'], r['with_gold']):>11} | {extra}")
    return "\n".join(lines)


def pick(per_suite: dict[str, dict[int, dict[str, Any]]], budgets: list[int]) -> tuple[int | None, str]:
    """The smallest budget that keeps as many answers as whole chunks (within NOISE_CASES) on every suite."""
    for b in sorted(budgets):
        if all(r[b]["kept"] >= r[0]["kept"] - NOISE_CASES for r in per_suite.values()):
            p50 = max(r[b]["p50"] for r in per_suite.values())
            ok = "meets" if p50 <= TARGET_TOKENS else "MISSES"
            return b, (f"pick: context_tokens {b} (largest median prompt over the suites {p50:.0f}: "
                       f"{ok} <= {TARGET_TOKENS})")
    return None, "pick: no budget keeps the answers of whole chunks on every suite"


def ab_ttft(s: Settings, workdir: Path, embedder: Any, n: int, budget: int, model: str) -> str:
    """Seed questions answered with whole chunks and with `budget`, interleaved; one model load."""
    from bench.answer import RecordingLLM, ours, prime
    from bench.context import pick as spread
    from bench.report import percentile

    seeds = suites(CORPORA)[0]
    index, ws = index_of(seeds, workdir, s.replace(model=model), embedder)
    cases = spread([c for c in load_suite(seeds.questions).cases if c.type != "briefing"], n)
    rec = RecordingLLM(app.load_llm(ws))
    prompts = Prompts(ws.prompts_dir)
    runs: dict[int, list[dict]] = {0: [], budget: []}
    for i, c in enumerate(cases):
        for b in ((0, budget) if i % 2 == 0 else (budget, 0)):
            prime(rec.inner, prompts.text("answer_system"))
            runs[b].append(ours(Assistant(ws.replace(context_tokens=b), index, rec, prompts), rec, c.question))
            print(f"ttft: {c.id} budget {b}: {runs[b][-1]['ttft_ms']:.0f} ms", file=sys.stderr)
    lines = [f"\n== A/B time to first token: {model}, {len(cases)} seed questions, interleaved, one load",
             f"{'packing':>14} | TTFT p50 | TTFT p90 | total p50 | prompt tokens mean | abstained"]
    for b, rows in runs.items():
        col = lambda k: [r[k] for r in rows]  # noqa: E731
        lines.append(f"{'whole chunks' if b == 0 else f'budget {b}':>14} | {percentile(col('ttft_ms'), 50):>8.0f} | "
                     f"{percentile(col('ttft_ms'), 90):>8.0f} | {percentile(col('total_ms'), 50):>9.0f} | "
                     f"{statistics.mean(col('prompt_tokens')):>18.1f} | {sum(col('abstained'))}")
    return "\n".join(lines)


def eval_commands(workdir: Path, budget: int) -> str:
    lines = ["\n== full eval with the default model, whole chunks vs the budget (the lead runs these):"]
    for suite in suites(CORPORA):
        report = lambda b: f"{workdir}/eval-{suite.name}-ctx{b}.json"  # noqa: E731
        for b in (0, budget):
            lines.append(f"RAG_CONTEXT_TOKENS={b} rag eval --questions {suite.questions} "
                         f"--workspace {workdir / suite.name} --no-briefs --json {report(b)}")
        lines.append(f"rag eval --compare {report(0)} {report(budget)} --html {workdir}/eval-{suite.name}-diff.html")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    p.add_argument("--workdir", type=Path, default=Path("/tmp/rag-context-curve"))
    p.add_argument("--only", default="", help="comma-separated suite names (default: all three)")
    p.add_argument("--ttft", type=int, default=0, help="A/B time to first token on this many seed questions")
    p.add_argument("--model", default=DEFAULT_MODEL, help="the model for --ttft")
    p.add_argument("--ab", type=int, default=0, help="budget for the A/B (--ttft, eval commands); default: the pick")
    args = p.parse_args()
    budgets = [int(x) for x in args.budgets.split(",")]
    s = load_settings({}, environ={}, toml_path=args.workdir / "none.toml")
    embedder = app.load_embedder(s)
    tok, n_ctx = tokenizer(s)
    per_suite = {}
    for suite in suites(CORPORA):
        if args.only and suite.name not in args.only.split(","):
            continue
        index, ws = index_of(suite, args.workdir, s, embedder)
        cases = [c for c in load_suite(suite.questions).cases if c.question and c.type != "briefing"]
        a = Assistant(ws, index, DryModel(tok, n_ctx), Prompts(ws.prompts_dir))
        old = measure(a, a.llm, cases, 0)
        per_suite[suite.name] = {0: summary(old)} | {b: summary(measure(a, a.llm, cases, b), old) for b in budgets}
        print(table(suite.name, len(cases), per_suite[suite.name], tok.name), flush=True)
    chosen, line = pick(per_suite, budgets)
    print("\n" + line)
    ab = args.ab or chosen or max(budgets)
    print(eval_commands(args.workdir, ab))
    if args.ttft:
        print(ab_ttft(s, args.workdir, embedder, args.ttft, ab, args.model), flush=True)


if __name__ == "__main__":
    main()
