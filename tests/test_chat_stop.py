"""Stop, evidence first, per-session settings and export: the real app (tiny model, real Chroma, the
seeds) through gradio_client, the llama.cpp cancel itself, and the pure rendering of what they show."""
from __future__ import annotations

import threading
import time

import pytest
from conftest import SEEDS, serve_seeds
from gradio_client import Client
from gradio_client.exceptions import AppError

from rag.backends.llm import Interruptible
from rag.core.errors import Stopped
from rag.core.types import Answer, Sentence, Source, Usage
from rag.web import render
from rag.web.export import conversation_markdown

SEED_IDS = {p.stem for p in SEEDS.iterdir() if p.is_file()}
QUESTION = "Which country mediated the indirect talks between Iran and the US?"
# At temperature 0 the tiny model writes ~120 tokens for this one (seconds of generation): long enough to stop
LONG = ("Write a very long detailed essay about everything the articles say about the talks, Iran, Oman and the "
        "United States.")
STORY = [{"role": "user", "content": "Write a long story about a cat who sails around the world. " * 8}]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder, tiny_llm):
    with serve_seeds(tmp_path_factory.mktemp("stop") / "ws", embedder, tiny_llm, max_tokens=48, k=4) as (demo, *_):
        yield demo.local_url


def _first_text(job, limit_s: float = 300) -> None:
    end = time.monotonic() + limit_s
    while not any(o.get("text") for o in job.outputs()):
        assert time.monotonic() < end and not job.done(), "no token arrived"
        time.sleep(0.05)


def test_stop_ends_this_clients_answer_and_the_queue_moves_on(served: str):
    mine, other = Client(served, verbose=False), Client(served, verbose=False)
    job = mine.submit(LONG, None, 4, None, 0.0, 600, api_name="/ask_stream")
    _first_text(job)
    waiting = other.submit(QUESTION, None, 4, api_name="/ask")  # queued behind the long answer
    assert other.predict(api_name="/stop") == {"stopped": 0}  # another session's Stop touches nothing
    assert mine.predict(api_name="/stop")["stopped"] == 1
    last = job.result(timeout=120)
    answer = last["answer"]
    assert last["done"] and answer["stopped"] and not answer["abstained"]
    assert answer["timings"]["completion_tokens"] < 600
    streamed = [o["text"] for o in job.outputs() if not o["done"] and o["text"]]
    assert streamed and all(s.get("supported") in (True, False) for s in answer["sentences"])
    done = waiting.result(timeout=300)  # the next client's question runs once the stopped one ends
    assert done["answer"].strip() and not done["stopped"]


def test_stop_ends_a_brief_in_progress_and_caches_nothing_half_written(served: str):
    client = Client(served, verbose=False)
    job = client.submit(None, None, 150, api_name="/brief")
    end = time.monotonic() + 300
    while client.predict(api_name="/stop")["stopped"] == 0:  # once the brief runs (not while it is queued)
        assert time.monotonic() < end and not job.done(), "the brief never started or ended before Stop"
        time.sleep(0.2)
    with pytest.raises(AppError, match="stopped"):
        job.result(timeout=120)


def test_evidence_arrives_before_the_first_token(served: str):
    client = Client(served, verbose=False)
    job = client.submit(QUESTION, None, 4, api_name="/ask_stream")
    job.result(timeout=300)
    first, *rest = job.outputs()
    assert first["text"] == "" and first["evidence"], first
    assert {e["doc_id"] for e in first["evidence"]} <= SEED_IDS and all(e["title"] for e in first["evidence"])
    assert rest[-1]["done"] and all("evidence" not in o for o in rest)


def test_two_sessions_keep_their_own_settings(served: str):
    a, b = Client(served, verbose=False), Client(served, verbose=False)
    results: dict[str, dict] = {}
    threads = [threading.Thread(target=lambda: results.__setitem__("a", a.predict(
                   QUESTION, None, 1, None, 0.0, 16, api_name="/ask"))),
               threading.Thread(target=lambda: results.__setitem__("b", b.predict(
                   QUESTION, None, 6, None, 0.0, 64, api_name="/ask")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert len(results["a"]["sources"]) == 1 < len(results["b"]["sources"])
    assert results["a"]["timings"]["completion_tokens"] <= 16


def test_export_endpoint_writes_quotes_and_sources(served: str):
    client = Client(served, verbose=False)
    answer = client.predict(QUESTION, None, 4, api_name="/ask")
    md = client.predict([answer, answer], "Talks", api_name="/export")
    assert md.startswith("# Talks") and md.count(f"## {QUESTION}") == 2
    assert "**Sources**" in md and any(d in md for d in SEED_IDS)
    if any(c["verified"] for c in answer["citations"]):
        assert "**Quotes**" in md and "checked: " in md


# the llama.cpp loop itself ---------------------------------------------------------------------
def test_cancel_ends_llama_cpp_mid_prompt_and_between_tokens(tiny_llm):
    cancel = threading.Event()
    cancel.set()  # set before the prompt is read: the abort callback ends llama_decode at once
    *pieces, usage = list(tiny_llm.stream(STORY, 200, 0.0, cancel=cancel))
    assert pieces == [] and usage.truncated == "stopped"
    cancel = threading.Event()
    got = []
    for item in tiny_llm.stream(STORY, 200, 0.0, cancel=cancel):
        got.append(item)
        if len(got) == 3:
            cancel.set()
    assert isinstance(got[-1], Usage) and got[-1].truncated == "stopped" and len(got) == 4
    *after, usage = list(tiny_llm.stream(STORY, 8, 0.0))  # the next generation is whole again
    assert after and usage.truncated == "max_tokens"


def test_interruptible_refuses_the_next_generation_once_stopped(tiny_llm):
    cancel = threading.Event()
    llm = Interruptible(tiny_llm, cancel)
    cancel.set()
    with pytest.raises(Stopped):
        list(llm.stream(STORY, 8, 0.0))


# rendering -------------------------------------------------------------------------------------
HOSTILE = '<script>alert(1)</script>'


def test_evidence_stopped_and_checked_lines_are_escaped_html():
    src = Source(1, "d1", f"Title {HOSTILE}", "text", ("d1:0",), (0,), f"Outlet {HOSTILE}", "2025-04-12")
    ev = render.evidence_html([src])
    assert "Reading 1 article:" in ev and "&lt;script&gt;" in ev and "<script" not in ev and "2025-04-12" in ev
    sentences = (Sentence("Oman mediated.", (), False), Sentence("They met.", (), False))
    a = Answer("q", "Oman mediated. They met.", False, sentences=sentences, stopped=True)
    out = render.answer_html(a)
    assert "Stopped" in out and "checked: 0 of 2 sentences supported" in out
    assert "before the answer began" in render.answer_html(Answer("q", "", False, stopped=True))


def test_conversation_markdown_escapes_article_text():
    answer = {"question": f"Who? {HOSTILE}", "answer": "Oman [1].", "abstained": False, "stopped": False,
              "citations": [{"n": 1, "doc_id": "d1", "title": f"T {HOSTILE}", "quote": f"Oman {HOSTILE}",
                             "verified": True}],
              "sentences": [{"text": "Oman [1].", "citations": [1], "supported": True}],
              "sources": [{"doc_id": "d1", "chunk_id": "d1:0", "score": 1.0}], "notice": None}
    md = conversation_markdown([answer], {})
    assert "<script" not in md and "&lt;script>" in md
    assert "checked: 1 of 1 sentences supported" in md and "- [1] \"Oman" in md and "`d1`" in md


# conversations kept in the browser -------------------------------------------------------------
def test_conversations_keep_the_newest_and_survive_garbage():
    from rag.web import chat_tab

    store = chat_tab._normal("not a store")  # whatever the browser held, a usable store comes out
    assert chat_tab.current(store)["turns"] == []
    for i in range(chat_tab.MAX_CHATS + 3):
        turn = {"q": f"question {i}", "html": "<p>x</p>",
                "answer": {"question": f"question {i}", "answer": f"answer {i}", "stopped": i == 1}}
        store = chat_tab.with_turn({**store, "current": "new"}, turn)  # each in a fresh conversation
        store = {"current": (c := chat_tab._new_chat())["id"], "chats": [c] + store["chats"]}
    titles = [c["title"] for c in store["chats"] if c["turns"]]
    assert len(titles) <= chat_tab.MAX_CHATS and titles[0] == f"question {chat_tab.MAX_CHATS + 2}"
    one = chat_tab.with_turn(chat_tab._normal({}), {"q": "a", "html": "", "answer": {"answer": "b", "stopped": True}})
    assert chat_tab.history(chat_tab.current(one)) == []  # a stopped turn does not feed follow-ups


def test_stops_reach_only_their_own_session():
    from rag.web.chat_tab import Stops

    stops = Stops()
    with stops.scope("a") as a, stops.scope("b") as b:
        assert stops.stop("a") == 1 and a.is_set() and not b.is_set()
    assert stops.stop("a") == 0  # ended: nothing left to stop
