"""The chat's Chat tab: ask with evidence first, stop, conversations kept in the browser, export.

- Evidence first: the sources the model reads (title, outlet, date) show as soon as retrieval
  returns; then the model's text streams; then the verified answer replaces it.
- Stop (button, Esc, or the `/stop` endpoint): `Stops` keeps each browser session's running
  generations' cancel events, keyed by Gradio's session hash; setting one ends the llama.cpp loop
  (rag.backends.llm.Interruptible) and the handler shows the part written so far, marked Stopped.
- Conversations live in the browser (gr.BrowserState: localStorage, encrypted with a secret kept in
  the workspace, so they survive a reload and a server restart and are never shared between
  browsers): a "New chat" button and a list of past conversations to reopen.
- Settings (k, temperature, answer length) are this session's inputs to each question; the model
  is chosen at launch (`rag chat --model NAME`) and is the same for every user.
Does not render answers (rag.web.render, rag.web.export) or decide anything about them.
"""
from __future__ import annotations

import secrets
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from rag.answer.ask import Done, Evidence, Token
from rag.answer.report import answer_json
from rag.core.errors import RagError, Stopped
from rag.desk import NewsDesk
from rag.web import render
from rag.web.export import answer_markdown, conversation_markdown

MODEL = "model"  # the concurrency group of everything that runs the chat model: one generation at a time
MAX_CHATS = 20  # conversations kept per browser: a turn is ~2-10 KB of HTML + JSON; localStorage holds ~5 MB
TITLE_CHARS = 60


class Stops:
    """Per browser session (Gradio's session hash), the cancel events of its running generations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, set[threading.Event]] = {}

    @contextmanager
    def scope(self, session: str | None) -> Iterator[threading.Event]:
        event = threading.Event()
        with self._lock:
            self._events.setdefault(session or "", set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                self._events.get(session or "", set()).discard(event)

    def stop(self, session: str | None) -> int:
        """Set every running event of `session`; how many there were."""
        with self._lock:
            events = list(self._events.get(session or "", ()))
        for e in events:
            e.set()
        return len(events)


def browser_secret(workspace: Path) -> str:
    """The key that encrypts conversations in the browser; kept in the workspace so that a restarted
    server still reads them (a read-only workspace: one per start, conversations last a reload only)."""
    path = workspace / "chat-secret"
    try:
        return path.read_text(encoding="utf-8").strip() or _new_secret(path)
    except OSError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
    except OSError:
        pass
    return key


# conversations: {"current": id, "chats": [{"id", "title", "turns": [{"q", "html", "answer"}]}]} ----------
def _new_chat() -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:12], "title": "", "turns": []}


def _normal(store: Any) -> dict[str, Any]:
    store = store if isinstance(store, dict) and isinstance(store.get("chats"), list) else {}
    chats = [c for c in store.get("chats", []) if isinstance(c, dict) and c.get("id")] or [_new_chat()]
    current = store.get("current") if any(c["id"] == store.get("current") for c in chats) else chats[0]["id"]
    return {"current": current, "chats": chats}


def current(store: Any) -> dict[str, Any]:
    s = _normal(store)
    return next(c for c in s["chats"] if c["id"] == s["current"])


def shown(chat: dict[str, Any], limit: int) -> list[dict[str, str]]:
    out = []
    for t in chat.get("turns", []):
        out += [{"role": "user", "content": render.user_html(t.get("q", ""), limit)},
                {"role": "assistant", "content": t.get("html", "")}]
    return out


def history(chat: dict[str, Any]) -> list[tuple[str, str]]:
    """The turns the model may use to understand a follow-up (not stopped ones)."""
    return [(t["q"], t["answer"]["answer"]) for t in chat.get("turns", [])
            if t.get("answer") and not t["answer"].get("stopped")]


def with_turn(store: Any, turn: dict[str, Any]) -> dict[str, Any]:
    s = _normal(store)
    chat = current(s)
    chat = {**chat, "title": chat["title"] or turn["q"][:TITLE_CHARS], "turns": chat["turns"] + [turn]}
    chats = [chat] + [c for c in s["chats"] if c["id"] != chat["id"]]  # most recent first
    return {"current": chat["id"], "chats": chats[:MAX_CHATS]}


def choices(store: Any) -> Any:
    s = _normal(store)
    past = [(c["title"] or "New chat", c["id"]) for c in s["chats"] if c.get("turns")]
    return gr.update(choices=past, value=s["current"] if any(i == s["current"] for _, i in past) else None)


def chat_tab(b: NewsDesk, stops: Stops) -> dict[str, Any]:
    s = b.settings
    store = gr.BrowserState({"current": "", "chats": []}, storage_key="rag-conversations",
                            secret=browser_secret(s.workspace))
    with gr.Row():
        new = gr.Button("New chat", size="sm", elem_id="rag-new-chat", scale=0, min_width=100)
        past = gr.Dropdown([], label="Past conversations", elem_id="rag-conversations", scale=3,
                           show_label=False, container=False)
    bot = gr.Chatbot(label="Chat", height=560, latex_delimiters=[], feedback_options=None,
                     elem_id="rag-chat", placeholder="Ask a question about your articles.")
    question = gr.Textbox(label="Question (Enter sends, Esc stops)", placeholder="e.g. Who mediated the talks?",
                          lines=1, max_lines=6, elem_id="rag-question")
    with gr.Row():
        send = gr.Button("Ask", variant="primary", elem_id="rag-ask", min_width=80)
        stop = gr.Button("Stop", variant="stop", elem_id="rag-stop", min_width=80)
        one = gr.Button("Download answer", elem_id="rag-export-answer", min_width=80)
        whole = gr.Button("Download conversation", elem_id="rag-export-chat", min_width=80)
    download = gr.File(label="Download (.md)", visible=False, elem_id="rag-download")
    with gr.Accordion("Settings (this browser only)", open=False):
        gr.Markdown(f"Model **{render.md_escape(s.model)}**: chosen when the chat is launched "
                    "(`rag chat --model NAME`), the same for every user. The settings below change only "
                    "your answers.", elem_id="rag-model-note")
        k = gr.Slider(1, 20, value=s.k, step=1, label="Passages to retrieve (k)", elem_id="rag-k")
        temperature = gr.Slider(0.0, 1.5, value=s.temperature, step=0.05, label="Temperature")
        max_tokens = gr.Slider(16, 1024, value=s.max_tokens, step=16, label="Max answer tokens")

    def respond(message: str, now: list, kept: Any, doc_ids: list, k_: float, temp: float, max_tok: float,
                story: str | None, request: gr.Request) -> Iterator[tuple]:
        chat = current(kept)
        with stops.scope(request.session_hash if request else None) as cancel:
            try:
                events = b.ask_stream(message, history(chat), doc_ids, k_, temp, max_tok, story or None,
                                      cancel=cancel)
            except RagError as e:
                raise gr.Error(str(e), print_exception=False) from None
            msgs = now + [{"role": "user", "content": render.user_html(message, s.max_question_chars)},
                          {"role": "assistant", "content": render.streaming_html("")}]
            yield msgs, "", gr.skip(), gr.skip()
            evidence, text = "", ""
            try:
                for event in events:
                    if isinstance(event, Evidence):
                        evidence = render.evidence_html(event.sources)
                    elif isinstance(event, Token):
                        text += event.text
                    elif isinstance(event, Done):
                        html = render.answer_html(event.answer, b.documents(), s.min_relevance)
                        msgs[-1] = {"role": "assistant", "content": html}
                        kept = with_turn(kept, {"q": message[: s.max_question_chars], "html": html,
                                                "answer": answer_json(event.answer)})
                        yield msgs, "", kept, choices(kept)
                        return
                    msgs[-1] = {"role": "assistant", "content": render.streaming_html(text, evidence)}
                    yield msgs, "", gr.skip(), gr.skip()
            except Stopped:
                msgs[-1] = {"role": "assistant", "content": render.stopped_early_html(evidence)}
            except RagError as e:
                msgs[-1] = {"role": "assistant", "content": render.error_html(str(e))}
            yield msgs, "", gr.skip(), gr.skip()

    def stop_mine(request: gr.Request) -> None:
        stops.stop(request.session_hash if request else None)

    def start_new(kept: Any) -> tuple:
        s_ = _normal(kept)
        if current(s_)["turns"]:
            s_ = {"current": (c := _new_chat())["id"], "chats": [c] + s_["chats"]}
        return s_, [], choices(s_)

    def reopen(chat_id: str | None, kept: Any) -> tuple:
        s_ = _normal(kept)
        if chat_id and any(c["id"] == chat_id for c in s_["chats"]):
            s_ = {**s_, "current": chat_id}
        return s_, shown(current(s_), s.max_question_chars)

    def restore(kept: Any) -> tuple:
        return shown(current(kept), s.max_question_chars), choices(kept)

    def export(kept: Any, whole_chat: bool) -> Any:
        chat = current(kept)
        answers = [t["answer"] for t in chat.get("turns", []) if t.get("answer")]
        if not answers:
            raise gr.Error("nothing to download yet: ask a question first", print_exception=False)
        docs = b.documents()
        md = (conversation_markdown(answers, docs, chat.get("title") or "Conversation") if whole_chat
              else answer_markdown(answers[-1], docs, heading="#"))
        name = time.strftime(("conversation" if whole_chat else "answer") + "-%Y%m%d-%H%M%S.md")
        path = Path(tempfile.mkdtemp(prefix="rag-export-")) / name
        path.write_text(md, encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    private = {"api_visibility": "private", "queue": False}
    stop.click(stop_mine, None, None, concurrency_limit=None, api_visibility="private")
    new.click(start_new, store, [store, bot, past], **private)
    past.input(reopen, [past, store], [store, bot], **private)
    one.click(lambda kept: export(kept, False), store, download, **private)
    whole.click(lambda kept: export(kept, True), store, download, **private)

    def wire(doc_filter: gr.CheckboxGroup, story: gr.Dropdown) -> None:
        for trigger in (send.click, question.submit):
            trigger(respond, [question, bot, store, doc_filter, k, temperature, max_tokens, story],
                    [bot, question, store, past], concurrency_id=MODEL, api_visibility="private",
                    show_progress_on=[bot])
    return {"run": wire, "restore": restore, "store": store, "bot": bot, "past": past}


# Esc stops from anywhere on the page (the Stop button's own click handler does the work)
ESC_JS = """
() => { document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { const b = document.querySelector('#rag-stop'); if (b) { b.click(); } }
}); }
"""
