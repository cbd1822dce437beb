"""Eight simultaneous chat sessions against one app (tiny model): every request completes, waiting
requests see their place in the queue, no answer is mixed up with another session's, memory stays
bounded. Bounded in requests (16) and time."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import serve_seeds

pytestmark = pytest.mark.slow
QUESTIONS = [
    "Who was the US special envoy at the talks?", "Which country mediated the talks?",
    "How did Araghchi describe the discussions?", "What did Iran say was outside the scope of the talks?",
    "What did critics warn about?", "Where were the talks held?", "What happened across Iran last month?",
    "What is the capital of France?",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0



def test_eight_sessions_at_once(tmp_path: Path, embedder, tiny_llm):
    with serve_seeds(tmp_path / "ws", embedder, tiny_llm, max_tokens=24, k=3) as (demo, _, _):
        clients = [Client(demo.local_url, verbose=False) for _ in QUESTIONS]
        before = rss_mb()
        t0 = time.monotonic()
        for round_ in range(2):  # 2 rounds x 8 sessions = 16 requests
            jobs = [c.submit(q, None, 3, api_name="/ask") for c, q in zip(clients, QUESTIONS)]
            seen: set[tuple[str, int | None]] = set()
            while not all(j.done() for j in jobs) and time.monotonic() - t0 < 600:
                for j in jobs:
                    st = j.status()
                    seen.add((st.code.name, st.rank))
                time.sleep(0.2)
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda j: j.result(timeout=300), jobs))
            if round_ == 0:  # one generation at a time: the others waited in the queue with a position
                assert any(code == "IN_QUEUE" and rank for code, rank in seen), seen
            for q, a in zip(QUESTIONS, answers):
                assert a["question"] == q  # each session got its own answer
                own = {src["doc_id"] for src in a["sources"]}
                assert {c["doc_id"] for c in a["citations"]} <= own
        assert time.monotonic() - t0 < 600
        assert rss_mb() - before < 300, (before, rss_mb())
