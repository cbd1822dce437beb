"""The Gradio chat (`rag chat`): streamed, verified answers with sources; documents; briefings.

`build_app(settings)` builds the Blocks; `launch(...)` binds 127.0.0.1 by default and refuses a
non-loopback address without a password. The index and the chat model are created from settings
by the app's `Backend` (lazily, on first use), never held in module globals. Handlers are plain
functions; RagError reaches the user as `gr.Error`. Rendering lives in rag.ui_render.
Named API endpoints (gradio_client): /ask /ask_stream /sources /upload /remove /brief.
"""
from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gradio as gr
import httpx

from rag import app, models
from rag import ui_render as render
from rag.ask import Assistant, Done, Token, ask_stream, clean_question
from rag.brief import BRIEF_WORDS
from rag.brief import brief as make_brief, render_markdown as render_brief
from rag.config import Settings
from rag.errors import ConfigError, EmptyIndexError, RagError, UnknownSourceError
from rag.ingest.pipeline import IngestReport, ingest
from rag.inputs import BRIEF_WORDS_RANGE, unknown_sources, whole_number
from rag.report import answer_json
from rag.retrieve import Index
from rag.store import DocRecord

log = logging.getLogger(__name__)

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")
MODEL, INDEX = "model", "index"  # concurrency groups: one generation at a time; one index write at a time
AssistantFactory = Callable[[Settings, Index], Assistant]


def default_assistant(s: Settings, index: Index) -> Assistant:
    return app.assistant(s, index)


def safe_name(name: str) -> str:
    """A client's file name reduced to a safe basename: `../../etc/passwd.txt` -> `passwd.txt`."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.-]+", "_", base).lstrip("._-")  # letters (any script), digits, _ . -
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-")[:100] or "upload"
    return f"{stem}.{suffix.lower()[:8]}" if suffix else stem


class Backend:
    """The state every handler shares: settings, the index and the lazily loaded assistant."""

    def __init__(self, settings: Settings, assistant_factory: AssistantFactory,
                 index_factory: Callable[[Settings], Index]):
        self.settings = settings
        self._make_assistant, self._make_index = assistant_factory, index_factory
        self._index: Index | None = None
        self._assistant: Assistant | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = self._make_index(self.settings)
            return self._index

    def assistant(self) -> Assistant:
        index = self.index
        with self._lock:
            if self._assistant is None:
                self._assistant = self._make_assistant(self.settings, index)
            return self._assistant

    def switch_model(self, name: str) -> str:
        """Load another chat preset; on failure the current model stays (the error propagates)."""
        t0 = time.perf_counter()
        settings = self.settings.replace(model=name)
        assistant = self._make_assistant(settings, self.index)
        with self._lock:
            self.settings, self._assistant = settings, assistant
        return f"Model **{render.md_escape(name)}** loaded in {time.perf_counter() - t0:.1f} s."

    def documents(self) -> dict[str, DocRecord]:
        return self.index.documents()

    def check_ids(self, doc_ids: Sequence[str] | str | None) -> list[str] | None:
        """Doc ids from a list, a JSON list or a comma-separated string; unknown ids are an error."""
        if isinstance(doc_ids, str):
            text = doc_ids.strip()
            try:
                doc_ids = json.loads(text) if text.startswith("[") else text.split(",")
            except json.JSONDecodeError:
                raise UnknownSourceError("doc_ids must be a JSON list or comma-separated ids") from None
        ids = [str(d).strip() for d in doc_ids or [] if d and str(d).strip()]
        if not ids:
            return None
        known = self.documents()
        unknown = [d for d in ids if d not in known]
        if unknown:
            raise unknown_sources(unknown, known)
        return ids

    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), doc_ids: Any = None,
            k: int | None = None, temperature: float | None = None,
            max_tokens: int | None = None) -> Iterator[Token | Done]:
        clean_question(question, self.settings.max_question_chars)  # fail fast, before loading a model
        if not self.documents():
            raise EmptyIndexError("nothing is ingested yet; add articles in the Documents panel")
        ids = self.check_ids(doc_ids)
        k = whole_number("k", k, 1, 50) if k not in (None, "") else None
        return ask_stream(self.assistant(), question, history=history, doc_ids=ids, k=k,
                          temperature=temperature, max_tokens=int(max_tokens) if max_tokens else None)

    def upload(self, paths: Sequence[str], progress: Callable[[int, int, str], None] | None = None
               ) -> dict[str, Any]:
        """Copy uploads into <workspace>/uploads under safe names, ingest them, report per file."""
        folder = (self.settings.workspace / "uploads").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        max_bytes = int(self.settings.max_file_mb * 1e6)
        copied, skipped = [], []
        for p in map(Path, paths or []):
            name = safe_name(p.name)
            dest = folder / name
            if dest.suffix.lower() not in UPLOAD_TYPES:
                skipped.append({"file": name, "reason": f"unsupported type; use {' '.join(UPLOAD_TYPES)}"})
            elif p.stat().st_size > max_bytes:
                skipped.append({"file": name, "reason": f"file is {p.stat().st_size / 1e6:.1f} MB, "
                                                        f"over the {self.settings.max_file_mb:g} MB limit"})
            elif dest.parent != folder:  # cannot happen after safe_name; kept as the last guard
                skipped.append({"file": name, "reason": "unsafe file name"})
            else:
                shutil.copyfile(p, dest)
                copied.append(dest)
        s, index = self.settings, self.index
        report = IngestReport()
        if copied:
            report = ingest(copied, index.store, index.embedder, chunk_tokens=s.chunk_tokens,
                            chunk_overlap=s.chunk_overlap, max_bytes=max_bytes, progress=progress)
            index.lexical(index.documents())  # rebuild BM25 now, not on the next question
        skipped += [{"file": Path(f).name, "reason": why} for f, why in report.skipped]
        return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged, "skipped": skipped,
                "failed": [{"doc_id": d, "reason": why} for d, why in report.failed]}

    def remove(self, doc_id: str) -> str:
        rec = self.documents().get(doc_id)
        if rec is None:
            raise UnknownSourceError(f"no document '{doc_id}'")
        self.index.store.remove_document(doc_id)
        uploads = (self.settings.workspace / "uploads").resolve()
        path = Path(rec.source_path) if rec.source_path else None
        if path and path.parent == uploads:  # our own copy of an upload; files elsewhere are the user's
            path.unlink(missing_ok=True)
        return doc_id

    def brief(self, topic: str | None, doc_ids: Any, words: int,
              progress: Callable[..., None] | None = None) -> str:
        topic = (topic or "").strip() or None
        words = whole_number("words", words, *BRIEF_WORDS_RANGE)
        b = make_brief(self.assistant(), topic=topic, doc_ids=self.check_ids(doc_ids), words=words,
                       progress=progress)
        return render_brief(b)


def _doc_rows(docs: dict[str, DocRecord]) -> list[list[Any]]:
    return [[r.title, r.publisher or "", r.date or "", r.n_chunks, d] for d, r in sorted(docs.items())]


def _doc_choices(docs: dict[str, DocRecord]) -> list[tuple[str, str]]:
    return [(f"{r.title[:60]} ({d})", d) for d, r in sorted(docs.items())]


def _gr_progress(progress: gr.Progress) -> Callable[..., None]:
    """Adapt a (done, total, label) callback to gr.Progress."""
    def update(done: float, total: float | None = None, label: str | None = None, *_: Any) -> None:
        progress((done, total) if total else done, desc=label or None)
    return update


def user_error(message: str) -> gr.Error:
    """A message for the user, shown without a traceback on the server's console."""
    log.info("user error: %s", message)
    return gr.Error(message, print_exception=False)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a non-streaming handler; our errors become gr.Error with the message only."""
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RagError as e:
            raise user_error(str(e)) from None
    return run


def build_app(settings: Settings, assistant_factory: AssistantFactory = default_assistant,
              index_factory: Callable[[Settings], Index] = app.open_index) -> gr.Blocks:
    """The chat app for `settings`; nothing is loaded until the first request needs it."""
    b = Backend(settings, assistant_factory, index_factory)
    with gr.Blocks(title="rag — news assistant", analytics_enabled=False) as demo:
        _api(b)  # first, so the named endpoints get their names before the UI events take them
        gr.Markdown("## News assistant\nAnswers come only from your articles; every citation is checked.")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tab("Chat"):
                    chat = _chat_tab(b)
                with gr.Tab("Brief"):
                    brief_tab = _brief_tab(b)
            with gr.Column(scale=2):
                docs = _documents_panel(b)
        chat["run"](docs["filter"])
        brief_tab["run"](docs["filter"])
        demo.load(docs["refresh"], docs["filter"], docs["outputs"], api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=1, api_open=False)  # one generation at a time; others see their place
    return demo


def _chat_tab(b: Backend) -> dict[str, Any]:
    s = b.settings
    bot = gr.Chatbot(label="Chat", height=520, latex_delimiters=[], feedback_options=None,
                     elem_id="rag-chat", placeholder="Ask a question about your articles.")
    pairs = gr.State([])
    question = gr.Textbox(label="Question", placeholder="e.g. Who mediated the talks?", lines=1, max_lines=6,
                          elem_id="rag-question")
    with gr.Row():
        send = gr.Button("Ask", variant="primary", elem_id="rag-ask")
        clear = gr.Button("Clear", elem_id="rag-clear")
    with gr.Accordion("Settings", open=False):
        presets = [n for n, p in models.load_catalog(s.models_dir).items() if p.kind == "chat"]
        model = gr.Dropdown(sorted(set(presets) | {s.model}), value=s.model, label="Model preset")
        model_status = gr.Markdown(f"Model **{render.md_escape(s.model)}** loads on the first question.")
        k = gr.Slider(1, 20, value=s.k, step=1, label="Passages to retrieve (k)")
        temperature = gr.Slider(0.0, 1.5, value=s.temperature, step=0.05, label="Temperature")
        max_tokens = gr.Slider(16, 1024, value=s.max_tokens, step=16, label="Max answer tokens")

    def respond(message: str, shown: list, history: list, doc_ids: list, k_: float, temp: float,
                max_tok: float) -> Iterator[tuple[list, list, str]]:
        try:
            events = b.ask(message, [tuple(p) for p in history], doc_ids, k_, temp, max_tok)
        except RagError as e:
            raise user_error(str(e)) from None
        shown = shown + [{"role": "user", "content": render.user_html(message, s.max_question_chars)},
                         {"role": "assistant", "content": render.streaming_html("")}]
        text = ""
        try:
            for event in events:
                if isinstance(event, Token):
                    text += event.text
                    shown[-1] = {"role": "assistant", "content": render.streaming_html(text)}
                    yield shown, history, ""
                elif isinstance(event, Done):
                    a = event.answer
                    shown[-1] = {"role": "assistant",
                                 "content": render.answer_html(a, b.documents(), b.settings.min_relevance)}
                    yield shown, history + [(message[: s.max_question_chars], a.answer)], ""
        except RagError as e:
            shown[-1] = {"role": "assistant", "content": render.error_html(str(e))}
            yield shown, history, ""

    def switch(name: str) -> tuple[str, Any]:
        try:
            return b.switch_model(name), gr.update()
        except RagError as e:
            return f"Could not load **{render.md_escape(name)}**: {render.md_escape(str(e))}", gr.update(
                value=b.settings.model)

    model.input(switch, model, [model_status, model], concurrency_id=MODEL, api_visibility="private")
    clear.click(lambda: ([], []), None, [bot, pairs], queue=False, api_visibility="private")

    def wire(doc_filter: gr.CheckboxGroup) -> None:
        for trigger in (send.click, question.submit):
            trigger(respond, [question, bot, pairs, doc_filter, k, temperature, max_tokens], [bot, pairs, question],
                    concurrency_id=MODEL, api_visibility="private", show_progress_on=[bot])
    return {"run": wire}


def _brief_tab(b: Backend) -> dict[str, Any]:
    gr.Markdown("A briefing over the articles selected in the Documents panel (all when none), "
                "or about a topic.")
    topic = gr.Textbox(label="Topic (optional)", placeholder="e.g. the nuclear talks")
    words = gr.Slider(100, 1000, value=BRIEF_WORDS, step=50, label="Length (words)")
    go = gr.Button("Write briefing", variant="primary")
    out = gr.Markdown(sanitize_html=True)
    download = gr.File(label="Download (.md)")

    def run_brief(topic_: str, doc_ids: list, words_: float, progress: gr.Progress = gr.Progress()
                  ) -> tuple[str, str]:
        md = b.brief(topic_, doc_ids, int(words_), _gr_progress(progress))
        path = Path(tempfile.mkdtemp(prefix="rag-brief-")) / time.strftime("brief-%Y%m%d-%H%M%S.md")
        path.write_text(md, encoding="utf-8")
        return md, str(path)  # already escaped (rag.mdsafe) by render_markdown

    def wire(doc_filter: gr.CheckboxGroup) -> None:
        go.click(_guard(run_brief), [topic, doc_filter, words], [out, download], concurrency_id=MODEL,
                 api_visibility="private")
    return {"run": wire}


def _documents_panel(b: Backend) -> dict[str, Any]:
    gr.Markdown("### Documents")
    doc_filter = gr.CheckboxGroup([], label="Only use these articles (none ticked: all)", elem_id="rag-filter")
    table = gr.Dataframe(headers=["title", "publisher", "date", "chunks", "doc id"], interactive=False,
                         datatype=["str", "str", "str", "number", "str"], wrap=True, elem_id="rag-docs",
                         column_widths=["45%", "17%", "13%", "10%", "15%"])
    with gr.Accordion("Add articles", open=False):
        files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), type="filepath", label="Files")
        add = gr.Button("Add to index")
    with gr.Accordion("Remove an article", open=False):
        victim = gr.Dropdown([], label="Article")
        drop = gr.Button("Remove", variant="stop")
    status = gr.Markdown()
    report = gr.JSON(visible=False)

    def refresh(selected: list | None = None) -> tuple[list, Any, Any]:
        docs = b.documents()
        keep = [d for d in selected or [] if d in docs]
        choices = _doc_choices(docs)
        return _doc_rows(docs), gr.update(choices=choices, value=keep), gr.update(choices=choices, value=None)

    def upload(paths: list | None, progress: gr.Progress = gr.Progress()) -> dict[str, Any]:
        if not paths:
            raise user_error("choose one or more files first")
        return b.upload(paths, _gr_progress(progress))

    def remove(doc_id: str | None) -> str:
        if not doc_id:
            raise user_error("choose an article to remove")
        return f"Removed `{render.md_escape(b.remove(doc_id))}`."

    outputs = [table, doc_filter, victim]
    add.click(_guard(upload), files, report, api_name="upload", concurrency_id=INDEX, show_progress_on=[status]
              ).success(lambda r: (render.report_markdown(r or {}), None), report, [status, files],
                        api_visibility="private"
              ).then(refresh, doc_filter, outputs, api_visibility="private")
    drop.click(_guard(remove), victim, status, concurrency_id=INDEX, api_visibility="private"
               ).then(refresh, doc_filter, outputs, api_visibility="private")
    return {"filter": doc_filter, "refresh": _guard(refresh), "outputs": outputs}


def _api(b: Backend) -> None:
    """The named endpoints for gradio_client (see the module docstring)."""

    def ask(question: str, doc_ids: list[str] | str | None = None, k: int | None = None) -> dict[str, Any]:
        """Answer a question; returns the JSON of `rag ask --json`."""
        for event in b.ask(question, (), doc_ids, k):
            if isinstance(event, Done):
                return answer_json(event.answer)
        raise user_error("no answer was produced")

    def ask_stream(question: str, doc_ids: list[str] | str | None = None, k: int | None = None
                   ) -> Iterator[dict[str, Any]]:
        """Stream {"text": raw text so far, "done": false}, then {"text": verified, "done": true, "answer": {...}}."""
        text = ""
        try:
            for event in b.ask(question, (), doc_ids, k):
                if isinstance(event, Token):
                    text += event.text
                    yield {"text": text, "done": False}
                elif isinstance(event, Done):
                    yield {"text": event.answer.answer, "done": True, "answer": answer_json(event.answer)}
        except RagError as e:
            raise user_error(str(e)) from None

    def sources() -> list[dict[str, Any]]:
        """The indexed articles, as `rag sources --json`."""
        return [r.as_dict() for _, r in sorted(b.documents().items())]

    def remove(doc_id: str) -> dict[str, Any]:
        """Remove an article by doc id."""
        return {"removed": b.remove(doc_id)}

    def brief(topic: str | None = None, doc_ids: list[str] | str | None = None, words: int = BRIEF_WORDS) -> str:
        """A briefing on the given articles (all when none) or a topic, as Markdown."""
        return b.brief(topic, doc_ids, words)

    gr.api(_guard(ask), api_name="ask", concurrency_id=MODEL)
    gr.api(ask_stream, api_name="ask_stream", concurrency_id=MODEL)
    gr.api(_guard(sources), api_name="sources", concurrency_limit=None)
    gr.api(_guard(remove), api_name="remove", concurrency_id=INDEX)
    gr.api(_guard(brief), api_name="brief", concurrency_id=MODEL)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, auth: tuple[str, str] | None, no_auth: bool) -> None:
    """Refuse a non-loopback host without a password (or an explicit no_auth)."""
    if auth is not None and not (auth[0] and auth[1]):
        raise ConfigError("auth needs a user name and a password (USER:PASS)")
    if not is_loopback(host) and auth is None and not no_auth:
        raise ConfigError(f"refusing to serve on {host} without a password: anyone on the network could use "
                          "it; pass --auth USER:PASS (or --no-auth if you really mean it)")


def check_reachable(host: str) -> None:
    """The app must be able to reach its own address (Gradio checks it after starting): with the
    loopback interface down (a bare network namespace) that failed as an httpx traceback."""
    address = "127.0.0.1" if host == "localhost" else host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family) as listener, socket.socket(family) as probe:
            listener.bind((address, 0))
            listener.listen(1)
            probe.settimeout(3)
            probe.connect(({"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address), listener.getsockname()[1]))
    except OSError as e:
        raise ConfigError(f"cannot serve on {host}: this machine cannot connect to it ({e.strerror or e}); "
                          "is the loopback interface down?") from None


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           no_auth: bool = False, prevent_thread_lock: bool = False, *,
           assistant_factory: AssistantFactory = default_assistant,
           index_factory: Callable[[Settings], Index] = app.open_index, quiet: bool = False) -> gr.Blocks:
    """Serve the chat. Loopback only unless `auth` is given or `no_auth` is set; never a share link."""
    check_exposure(host, auth, no_auth)
    check_reachable(host)
    if not is_loopback(host) and auth is None:
        log.warning("serving on %s without a password", host)
    demo = build_app(settings, assistant_factory, index_factory)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    try:
        demo.launch(server_name=host, server_port=port, auth=auth, share=False, prevent_thread_lock=prevent_thread_lock,
                    quiet=quiet, ssr_mode=False, show_error=False, max_file_size=int(settings.max_file_mb * 1e6),
                    theme=theme, css=render.CSS, inbrowser=False, mcp_server=False)
    except (OSError, httpx.HTTPError) as e:
        raise ConfigError(f"cannot serve on {host}:{port}: {e}") from None
    return demo
