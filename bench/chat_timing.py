"""What a chat user waits for, measured in a real browser on a real launched app (issue 21).

`python -m bench.chat_timing [--model qwen2.5-coder-1.5b] [--turns 50]` ingests seeds/ into a scratch
workspace, launches `rag chat` in this process (so the model's own token times can be recorded) and
drives it with headless Chromium (/usr/bin/chromium, as the browser tests), measuring:
- from pressing Enter to the evidence list shown, to the first token shown, to the verified answer
  shown (p50 and max over the 6 answerable seed questions spread over the suite, a new chat each);
- from pressing Esc to the model's last token (the llama.cpp loop's last piece, recorded beside the
  model) and to the Stopped answer shown, 1 s into a long answer, and during the
  prompt's evaluation (Esc as soon as the evidence shows, before the first token);
- the server's RSS after `--turns` questions in one conversation (follow-ups: each is rewritten with
  the conversation so far, as a user's would be).
Prints a table; writes nothing. Does not check answer quality (that is `rag eval`).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from bench.context import DEFAULT_MODEL, Context, pick
from bench.memory import _rss_now_mib
from bench.report import progress
from bench.servers import free_port
from rag import desk as app
from rag.core.config import PROJECT_ROOT
from rag.core.types import Usage
from rag.ingest.pipeline import ingest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
LONG = ("Write a very long detailed essay about everything the articles say about the talks, Iran, Oman and the "
        "United States, with every name, number and date.")
WAIT_MS = 600_000
ANSWERED = "document.querySelectorAll('#rag-chat .rag-timing').length > n"  # n: answers shown before
EVIDENCE_JS = f"n => document.querySelector('#rag-chat .rag-evidence') !== null || {ANSWERED}"
FIRST_TOKEN_JS = f"""n => {{ const s = document.querySelectorAll('#rag-chat .rag-streaming');
  return (s.length > 0 && /\\w/.test(s[s.length - 1].innerText)) || {ANSWERED}; }}"""


def _new_chat(page: Any) -> None:
    page.click("#rag-new-chat")
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length == 0", timeout=WAIT_MS)


class TimedLLM:
    """Delegates to the chat model (cancel included); records when it yielded its last piece."""

    def __init__(self, inner: Any):
        self.inner, self.name, self.n_ctx = inner, inner.name, inner.n_ctx
        self.cancellable = getattr(inner, "cancellable", False)
        self.last_piece = self.ended = 0.0

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float = 180.0,
               **kw: Any) -> Iterator[Any]:
        self.last_piece = 0.0
        for item in self.inner.stream(messages, max_tokens, temperature, timeout_s, **kw):
            if not isinstance(item, Usage):
                self.last_piece = time.perf_counter()
            yield item
        self.ended = time.perf_counter()


def _ask(page: Any, question: str) -> dict[str, float]:
    answers = page.locator("#rag-chat .rag-timing").count()
    page.fill("#rag-question textarea", question)
    t0 = time.perf_counter()
    page.press("#rag-question textarea", "Enter")
    page.wait_for_function(EVIDENCE_JS, arg=answers, timeout=WAIT_MS, polling=20)
    evidence = time.perf_counter() - t0  # (an abstention without asking the model shows the answer instead)
    page.wait_for_function(FIRST_TOKEN_JS, arg=answers, timeout=WAIT_MS, polling=20)
    first = time.perf_counter() - t0  # a token shown, or the answer itself when no token streamed (abstention)
    page.wait_for_function(f"n => {ANSWERED}", arg=answers, timeout=WAIT_MS, polling=50)
    return {"evidence": evidence, "first": first, "verified": time.perf_counter() - t0}


def _stop(page: Any, llm: TimedLLM, during_prompt: bool) -> dict[str, float]:
    page.fill("#rag-question textarea", LONG)
    page.press("#rag-question textarea", "Enter")
    page.wait_for_selector("#rag-chat .rag-evidence", timeout=WAIT_MS)
    if not during_prompt:
        page.wait_for_function(FIRST_TOKEN_JS, arg=page.locator("#rag-chat .rag-timing").count(), timeout=WAIT_MS)
        time.sleep(1.0)  # well into the answer
    t0 = time.perf_counter()
    page.keyboard.press("Escape")
    page.wait_for_selector("#rag-chat .rag-stopped-label", timeout=WAIT_MS)
    shown = time.perf_counter() - t0
    time.sleep(0.5)  # the loop's end is recorded after the Stopped answer may already show
    return {"last_token": llm.last_piece - t0 if llm.last_piece else None, "loop_end": llm.ended - t0,
            "shown": shown}


def measure(model: str, turns: int, n_questions: int) -> list[tuple[str, str, str]]:
    from playwright.sync_api import sync_playwright

    from rag.web import chat as ui

    ctx = Context(quick=False, tmp=Path(tempfile.mkdtemp(prefix="chat-timing-")))
    s = ctx.settings(model=model)  # the default answer cap (256 tokens): ~15 s of the default model, time to stop it
    index = app.open_index(s)
    ingest([PROJECT_ROOT / "seeds"], index.store, index.embedder, chunk_tokens=s.chunk_tokens,
           chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 1e6))
    llm = TimedLLM(app.load_llm(s))
    demo = ui.launch(app.NewsDesk(s, index=index, llm=llm), port=free_port(), prevent_thread_lock=True, quiet=True)
    rows: list[tuple[str, str, str]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(demo.local_url)
            page.wait_for_selector("#rag-question textarea", timeout=WAIT_MS)
            _ask(page, "warm-up: who mediated the talks?")  # loads the model and the BM25 index
            times = []
            for i, case in enumerate(pick(ctx.question_cases(), n_questions)):
                progress(f"chat timing: question {i + 1}/{n_questions} {case.id}")
                _new_chat(page)
                times.append(_ask(page, case.question))
            for key, label in (("evidence", "Enter → evidence shown"), ("first", "Enter → first token shown"),
                               ("verified", "Enter → verified answer shown")):
                xs = [t[key] for t in times]
                rows.append((label, f"{statistics.median(xs):.2f} s", f"max {max(xs):.2f} s, n={len(xs)}"))
            for during_prompt in (False, True):
                progress(f"chat timing: Esc {'during the prompt' if during_prompt else 'mid-answer'}")
                _new_chat(page)
                st = _stop(page, llm, during_prompt)
                where = "while reading the prompt" if during_prompt else "mid-answer"
                last = "no token" if st["last_token"] is None else f"{st['last_token']:.2f} s"
                rows.append((f"Esc {where} → model's last token", last,
                             f"loop ended {st['loop_end']:.2f} s, Stopped shown {st['shown']:.2f} s"))
            _new_chat(page)
            rss0 = _rss_now_mib()
            cases = ctx.question_cases()
            for i in range(turns):
                progress(f"chat timing: turn {i + 1}/{turns} of one conversation")
                _ask(page, cases[i % len(cases)].question)
            rows.append((f"server RSS after {turns} turns in one conversation", f"{_rss_now_mib():.0f} MiB",
                         f"{rss0:.0f} MiB before them"))
            browser.close()
    finally:
        demo.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--turns", type=int, default=50)
    ap.add_argument("--questions", type=int, default=6)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = measure(args.model, args.turns, args.questions)
    width = max(len(r[0]) for r in rows)
    print(f"chat timing, model {args.model} ({time.perf_counter() - t0:.0f} s in all)")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
