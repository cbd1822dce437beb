"""The Gradio chat, end to end: the real app (tiny model, real Chroma, the seeds ingested) launched on
127.0.0.1 and driven through gradio_client and plain HTTP; plus the pure HTML rendering."""
from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from conftest import SEEDS, free_port, serve_seeds, tiny_settings
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from rag.core.errors import ConfigError, ModelError
from rag.core.types import Answer, Chunk, Citation, Hit, Sentence, Source, Timings
from rag.desk import NewsDesk
from rag.ingest.uploads import safe_name
from rag.web import chat as ui
from rag.web import render as ui_render

SEED_IDS = {p.stem for p in SEEDS.iterdir() if p.is_file()}
S000 = next(d for d in SEED_IDS if d.startswith("000_"))
S004 = next(d for d in SEED_IDS if d.startswith("004_"))
QUESTION = "Which country mediated the indirect talks between Iran and the US?"



@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder, tiny_llm):
    """The app on a free loopback port over a fresh workspace holding the seeds."""
    with serve_seeds(tmp_path_factory.mktemp("ui") / "ws", embedder, tiny_llm, max_tokens=48, k=4) as (demo, s, idx):
        yield demo, s, Client(demo.local_url, verbose=False), idx


def test_ask_cites_only_retrieved_seed_articles(served):
    client = served[2]
    out = client.predict(QUESTION, None, 4, api_name="/ask")
    retrieved = {s["doc_id"] for s in out["sources"]}
    assert retrieved and retrieved <= SEED_IDS
    assert {c["doc_id"] for c in out["citations"]} <= retrieved
    assert out["answer"].strip()
    assert out["abstained"] or any(c["verified"] for c in out["citations"])
    assert set(out["timings"]) >= {"retrieve_ms", "ttft_ms", "total_ms"}


def test_stream_yields_partial_text_then_the_verified_answer_and_truncates_huge_questions(served):
    settings, client = served[1], served[2]
    huge = QUESTION + " " + "x" * 1_000_000  # 1 MB: cut to max_question_chars, with a notice
    job = client.submit(huge, None, 4, api_name="/ask_stream")
    job.result(timeout=300)
    updates = job.outputs()
    assert len(updates) > 1
    assert all(not u["done"] for u in updates[:-1]) and updates[-1]["done"]
    texts = [u["text"] for u in updates[:-1]]
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:]))  # text so far, growing
    answer = updates[-1]["answer"]
    assert "truncated" in answer["notice"] and len(answer["question"]) <= settings.max_question_chars


def test_document_filter_is_enforced(served):
    client = served[2]
    # Only 003 names the US envoy (Witkoff); restricted to 000 the answer must not reach 003.
    out = client.predict("Who was the US special envoy at the talks?", json.dumps([S000]), 6, api_name="/ask")
    assert {s["doc_id"] for s in out["sources"]} <= {S000}
    assert {c["doc_id"] for c in out["citations"]} <= {S000}
    assert out["abstained"] or "witkoff" not in out["answer"].lower()
    with pytest.raises(AppError, match="unknown source"):
        client.predict(QUESTION, ["no-such-article"], 4, api_name="/ask")


def test_upload_lists_then_remove_forgets_an_article(served, tmp_path: Path):
    settings, client = served[1], served[2]
    article = tmp_path / "zorba_bridge.txt"
    article.write_text("Zorba bridge opens\nThe Zorba river bridge in Atlantis will open in March 2031, "
                       "the transport minister said on Monday. It cost 40 million euros.\n", encoding="utf-8")
    report = client.predict([handle_file(str(article))], api_name="/upload")
    assert report["added"] == ["zorba_bridge"] and not report["skipped"]
    listed = {d["doc_id"]: d for d in client.predict(api_name="/sources")}
    stored = Path(listed["zorba_bridge"]["source_path"])
    assert stored.parent == (settings.workspace / "uploads").resolve()
    assert client.predict("zorba_bridge", api_name="/remove") == {"removed": "zorba_bridge"}
    assert "zorba_bridge" not in {d["doc_id"] for d in client.predict(api_name="/sources")}
    assert not stored.exists()
    with pytest.raises(AppError, match="no document"):
        client.predict("zorba_bridge", api_name="/remove")


def test_hostile_upload_name_lands_inside_the_workspace(served, tmp_path: Path):
    """A client that lies about the file name, speaking the raw HTTP API."""
    demo, settings, client = served[:3]
    base = demo.local_url.rstrip("/") + "/gradio_api"
    body = b"Atlantis harbour\nThe harbour of Atlantis reopened after repairs, officials said.\n"
    with httpx.Client(timeout=120) as http:
        up = http.post(f"{base}/upload", files=[("files", ("../../etc/passwd.txt", body, "text/plain"))])
        up.raise_for_status()
        payload = {"path": up.json()[0], "orig_name": "../../etc/passwd.txt", "meta": {"_type": "gradio.FileData"}}
        event = http.post(f"{base}/call/upload", json={"data": [[payload]]}).json()["event_id"]
        stream = http.get(f"{base}/call/upload/{event}").text
    assert "event: complete" in stream, stream
    uploads = (settings.workspace / "uploads").resolve()
    saved = [p for p in uploads.iterdir() if p.read_bytes() == body]
    assert len(saved) == 1 and "passwd" in saved[0].name and ".." not in saved[0].name
    assert not (settings.workspace / "etc").exists() and not (settings.workspace.parent / "etc").exists()
    client.predict(saved[0].stem, api_name="/remove")


def test_upload_refuses_server_paths_the_client_did_not_upload(served):
    demo, settings = served[:2]
    base = demo.local_url.rstrip("/") + "/gradio_api"
    secret = {"path": "/etc/hostname", "orig_name": "hostname.txt", "meta": {"_type": "gradio.FileData"}}
    with httpx.Client(timeout=120) as http:
        event = http.post(f"{base}/call/upload", json={"data": [[secret]]}).json()["event_id"]
        stream = http.get(f"{base}/call/upload/{event}").text
    assert "event: error" in stream
    error = stream.split("event: error", 1)[1]
    assert "null" not in error.split("\n")[1] and "/etc/hostname" in error, stream  # it says what was wrong
    assert "hostname" not in {d.doc_id for d in served[3].documents().values()}


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\boot.ini.MD", "boot.ini.md"), ("..", "upload"),
    ("/abs/.bashrc", "bashrc"), ("a b<c>.HTML", "a_b_c.html"), ("", "upload"), ("ré sumé.pdf", "ré_sumé.pdf"),
    ("x\u202egpj.txt", "x_gpj.txt"), ("con.exe", "con.exe"),
])
def test_safe_name(name: str, safe: str):
    assert safe_name(name) == safe


def test_oversized_and_unsupported_uploads_are_skipped_before_copying(tmp_path: Path):
    settings = tiny_settings(tmp_path / "ws", max_file_mb=0.001)
    big, exe = tmp_path / "big.txt", tmp_path / "tool.exe"
    big.write_text("x" * 5000)
    exe.write_bytes(b"MZ")
    report = NewsDesk(settings, index_factory=lambda s: None).upload([str(big), str(exe)])
    reasons = {item["file"]: item["reason"] for item in report["skipped"]}
    assert "over the" in reasons["big.txt"] and "unsupported" in reasons["tool.exe"]
    assert not any((settings.workspace / "uploads").iterdir())


def test_sources_endpoint_filters_by_publisher_and_title_word(served):
    client = served[2]
    assert [d["doc_id"] for d in client.predict("DailyBeat", None, api_name="/sources")] == [S004]
    assert [d["doc_id"] for d in client.predict(None, "beginning", api_name="/sources")] == [S004]
    assert client.predict("no such outlet", None, api_name="/sources") == []


def test_empty_question_is_an_error_message(served):
    client = served[2]
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", None, 4, api_name="/ask")


def test_refuses_the_network_without_auth(tmp_path: Path):
    settings = tiny_settings(tmp_path / "ws")
    with pytest.raises(ConfigError, match="without a password"):
        ui.launch(NewsDesk(settings), host="0.0.0.0", port=free_port(), prevent_thread_lock=True)
    assert ui.is_loopback("127.0.0.1") and ui.is_loopback("localhost") and ui.is_loopback("::1")
    assert not ui.is_loopback("0.0.0.0") and not ui.is_loopback("192.168.1.5")


def test_auth_keeps_out_clients_without_the_password(served):
    settings, index = served[1], served[3]
    demo = ui.launch(NewsDesk(settings, index=index), port=free_port(), auth=("reader", "s3cret"),
                     prevent_thread_lock=True, quiet=True)
    try:
        with pytest.raises(Exception):
            Client(demo.local_url, verbose=False).predict(api_name="/sources")
        docs = Client(demo.local_url, auth=("reader", "s3cret"), verbose=False).predict(api_name="/sources")
        assert {d["doc_id"] for d in docs} >= SEED_IDS
    finally:
        demo.close()


def test_model_work_shares_one_queue_slot(served):
    demo = served[0]
    model_fns = [f for f in demo.fns.values() if f.api_name in ("ask", "ask_stream", "brief")
                 or getattr(f.fn, "__name__", "") in ("respond", "switch", "run_brief")]
    assert len(model_fns) >= 6  # three endpoints, the chat's Ask and Enter, the brief button
    assert {f.concurrency_id for f in model_fns} == {"model"}
    assert all(f.concurrency_limit in (1, "default") for f in model_fns)
    assert demo._queue.default_concurrency_limit == 1


def test_a_missing_model_is_an_error_and_the_current_one_stays(served):
    settings, index = served[1], served[3]
    desk = NewsDesk(settings, index=index)
    with pytest.raises(ModelError, match="not pulled|unknown model"):
        desk.switch_model("qwen2.5-3b")  # an online-only preset: never pulled in tests
    assert desk.settings.model == settings.model


def test_brief_checks_the_article_ids(served):
    with pytest.raises(AppError, match="unknown source"):
        served[2].predict(None, ["no-such-article"], 200, api_name="/brief")


@pytest.mark.slow
def test_brief_of_one_article(served):
    md = served[2].predict(None, [S000], 150, api_name="/brief")
    assert md.startswith("#") and S000 in md


# rendering -------------------------------------------------------------------------------------
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _answer(abstained: bool = False) -> Answer:
    text = f"Oman mediated the talks. {HOSTILE} They met in Muscat."
    src = Source(1, "d1", f"Title {HOSTILE}", f"Intro.\n\nOman mediated the talks, {HOSTILE} said.\nMore.",
                 ("d1:0",), (0,), f"Pub {HOSTILE}", "2025-04-12")
    cite = Citation(1, "d1", src.title, "d1:0", f"Oman mediated the talks, {HOSTILE} said.", True)
    chunk = Chunk("d1:0", "d1", 0, 0, len(src.text), src.text, src.title, 20)
    sentences = (Sentence("Oman mediated the talks.", (1,), True),
                 Sentence(f"{HOSTILE} They met in Muscat.", (), False))
    return Answer("Who mediated?", text, abstained, () if abstained else (cite,), (Hit(chunk, 1.0, 1, 1, 0.9),),
                  (src,), () if abstained else sentences, Timings(12.0, 300.0, 1300.0, 500, 21), "a notice")


def test_answer_html_escapes_everything_and_marks_the_quote():
    out = ui_render.answer_html(_answer())
    assert "<script" not in out and "<img" not in out and "&lt;script&gt;" in out
    assert "<mark>Oman mediated the talks, &lt;script&gt;" in out
    assert "<details" in out and "Pub &lt;script&gt;" in out and "2025-04-12" in out and "d1" in out
    assert 'class="rag-unverified"' in out and "unverified</span>" in out
    assert "[1]" in out and "retrieval 12 ms" in out and "first token 300 ms" in out and "tokens/s" in out
    assert "\n" not in out  # one raw HTML block for the chat's Markdown renderer


def test_abstention_is_shown_as_such_with_the_closest_passage():
    out = ui_render.answer_html(_answer(abstained=True), {}, min_relevance=0.3)
    assert "rag-abstain" in out and "Not in the articles" in out and "rag-error" not in out
    assert "Closest passage" in out and "<mark>" in out and "<script" not in out


def test_api_argument_errors_say_what_was_wrong(served):
    client = served[2]
    with pytest.raises(AppError, match="k must be a whole number between 1 and 50, got 'abc'"):
        client.predict(QUESTION, None, "abc", api_name="/ask")
    for words in ("abc", -5):
        with pytest.raises(AppError, match="words must be a whole number between 50 and 5000"):
            client.predict(None, None, words, api_name="/brief")
def test_stories_endpoint_and_asking_within_a_story(served):
    client = served[2]
    (story,) = client.predict(None, None, api_name="/stories")  # the three seeds are one story
    assert sorted(story["doc_ids"]) == sorted(SEED_IDS) and story["story"] in SEED_IDS
    assert client.predict(None, "no such outlet", api_name="/stories") == []
    out = client.predict(QUESTION, None, 4, story["story"], api_name="/ask")
    assert {s["doc_id"] for s in out["sources"]} <= SEED_IDS
    with pytest.raises(AppError, match="no story 'nope'"):
        client.predict(QUESTION, None, 4, "nope", api_name="/ask")
    with pytest.raises(AppError, match="since must be a date"):
        client.predict("last week", None, api_name="/stories")


def test_brief_endpoint_takes_a_story_and_a_since_date(served):
    client = served[2]
    with pytest.raises(AppError, match=r"no story 'nope'.*closest"):
        client.predict(None, None, 200, "nope", None, api_name="/brief")
    with pytest.raises(AppError, match="since must be a date such as 2004-11-17"):
        client.predict(None, None, 200, None, "soon", api_name="/brief")
    (story,) = client.predict(None, None, api_name="/stories")
    with pytest.raises(AppError, match="nothing new since 2004-11-17: no article of story .* has a date"):
        client.predict(None, None, 200, story["story"], "2004-11-17", api_name="/brief")  # the seeds are undated


@pytest.mark.slow
def test_brief_of_a_story_keeps_citations_and_sources(served):
    client = served[2]
    (story,) = client.predict(None, None, api_name="/stories")
    md = client.predict(None, None, 150, story["story"], None, api_name="/brief")
    assert md.startswith("#") and f"story: {story['story']}" in md and "## Sources" in md
    assert re.search(r"\[\d\]", md.split("## Sources")[0])
