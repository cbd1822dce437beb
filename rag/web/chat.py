"""The Gradio chat (`rag chat`): the app's layout, the Brief tab, the Documents panel, the named API.

`build_app(desk)` builds the Blocks over a `NewsDesk`, which loads the index and the chat model
lazily (on first use) and does every operation; `launch(...)` binds 127.0.0.1 by default and
refuses a non-loopback address without a password. Handlers are plain functions; RagError reaches
the user as `gr.Error`. The Chat tab (evidence first, stop, conversations, export) lives in
rag.web.chat_tab, rendering in rag.web.render and rag.web.export.
Named API endpoints (gradio_client): /ask /ask_stream /stop /export /sources /stories /upload /remove
/brief /eval; the Eval tab and /eval live in rag.web.eval_tab.
"""
from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import gradio as gr
import httpx

from rag.answer.ask import Done, Evidence, Token
from rag.answer.report import answer_json
from rag.briefing.brief import BRIEF_WORDS
from rag.briefing.render import render_front_page
from rag.briefing.render import render_markdown as render_brief
from rag.core.errors import ConfigError, RagError
from rag.core.types import Brief, DocRecord, FrontPage, Story
from rag.desk import UPLOAD_TYPES, NewsDesk, check_date
from rag.web import render
from rag.web.chat_tab import ESC_JS, MODEL, Stops, chat_tab
from rag.web.eval_tab import eval_api, eval_tab
from rag.web.export import conversation_markdown

log = logging.getLogger(__name__)

INDEX = "index"  # concurrency group: one index write at a time (MODEL: one generation at a time)


STORY_CHARS = 32  # a story's label in the Documents table: its full name is in the Story list above


def _doc_rows(docs: list[DocRecord], stories: list[Story]) -> list[list[Any]]:
    label = {d: s.label if len(s.label) <= STORY_CHARS else s.label[: STORY_CHARS - 1].rstrip() + "…"
             for s in stories for d in s.doc_ids}
    return [[r.title, r.publisher or "", r.date or "", label.get(r.doc_id, "")] for r in docs]


def _doc_choices(docs: list[DocRecord]) -> list[tuple[str, str]]:
    return [(f"{r.title[:60]} ({r.doc_id})", r.doc_id) for r in docs]


def _story_choices(stories: list[Story]) -> list[tuple[str, str]]:
    """"All articles" first, then each story as "label (n articles, outlets)"."""
    def name(s: Story) -> str:
        outlets = f", {', '.join(s.outlets[:3])}" if s.outlets else ""
        return f"{s.label[:60]} ({len(s.doc_ids)} articles{outlets})"
    return [("All articles", "")] + [(name(s), s.story_id) for s in stories]


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


def build_app(b: NewsDesk) -> gr.Blocks:
    """The chat app over the desk; nothing is loaded until the first request needs it."""
    stops = Stops()
    with gr.Blocks(title="rag — news assistant", analytics_enabled=False) as demo:
        _api(b, stops)  # first, so the named endpoints get their names before the UI events take them
        gr.Markdown("## News assistant\nAnswers come only from your articles; every citation is checked.")
        with gr.Row(elem_id="rag-layout"):
            with gr.Column(scale=3, min_width=340, elem_id="rag-chat-col"):
                with gr.Tab("Chat"):
                    chat = chat_tab(b, stops)
                with gr.Tab("Brief"):
                    brief_tab = _brief_tab(b, stops)
                with gr.Tab("Eval", elem_id="rag-eval-tab"):
                    eval_tab(b, _guard)  # its own concurrency group: questions keep flowing during an eval
            with gr.Column(scale=2, min_width=300):
                docs = _documents_panel(b)
        chat["run"](docs["filter"], docs["story"])
        brief_tab["run"](docs["filter"], docs["story"])
        demo.load(docs["refresh"], docs["inputs"], docs["outputs"], api_visibility="private", queue=False)
        demo.load(chat["restore"], chat["store"], [chat["bot"], chat["past"]], api_visibility="private",
                  queue=False)
    demo.queue(default_concurrency_limit=1, api_open=False)  # one generation at a time; others see their place
    return demo


def _brief_tab(b: NewsDesk, stops: Stops) -> dict[str, Any]:
    gr.Markdown("A briefing on the story chosen in the Documents panel's Story list, or over the articles "
                "ticked there, or about a topic; with none of them on several stories, a front page. "
                "\"Since\" leads with what is new after a date.")
    topic = gr.Textbox(label="Topic (optional)", placeholder="e.g. the nuclear talks")
    since = gr.Textbox(label="Since (optional)", placeholder="e.g. 2004-11-15", elem_id="rag-brief-since")
    words = gr.Slider(100, 1000, value=BRIEF_WORDS, step=50, label="Length (words)")
    with gr.Row():
        go = gr.Button("Write briefing", variant="primary", elem_id="rag-brief-go")
        halt = gr.Button("Stop", variant="stop", elem_id="rag-brief-stop")
    out = gr.Markdown(sanitize_html=True, elem_id="rag-brief-out")
    download = gr.File(label="Download (.md)")

    def run_brief(topic_: str, doc_ids: list, words_: float, story: str | None = None, since_: str | None = None,
                  request: gr.Request = None, progress: gr.Progress = gr.Progress()) -> tuple[str, str]:  # type: ignore[assignment]
        with stops.scope(request.session_hash if request else None) as cancel:
            result = b.briefing((topic_ or "").strip() or None, doc_ids, words_, _gr_progress(progress),
                                story=story or None, since=(since_ or "").strip() or None, cancel=cancel)
            if cancel.is_set():  # stopped during its last model call: what it wrote is not a whole brief
                raise user_error("the briefing was stopped")
        md = render_any(result)
        path = Path(tempfile.mkdtemp(prefix="rag-brief-")) / time.strftime("brief-%Y%m%d-%H%M%S.md")
        path.write_text(md, encoding="utf-8")  # the same Markdown: citations and the sources list
        return md, str(path)  # already escaped (rag.text.mdsafe) by the renderers

    def wire(doc_filter: gr.CheckboxGroup, story: gr.Dropdown) -> None:
        go.click(_guard(run_brief), [topic, doc_filter, words, story, since], [out, download], concurrency_id=MODEL,
                 api_visibility="private")
    def stop_mine(request: gr.Request) -> None:
        stops.stop(request.session_hash if request else None)

    halt.click(stop_mine, None, None, concurrency_limit=None, api_visibility="private")
    return {"run": wire}


def render_any(x: Brief | FrontPage) -> str:
    """A brief or a front page as (escaped) Markdown."""
    return render_front_page(x) if isinstance(x, FrontPage) else render_brief(x)


def _documents_panel(b: NewsDesk) -> dict[str, Any]:
    gr.Markdown("### Documents")
    with gr.Row():
        publisher = gr.Textbox(label="Outlet", placeholder="e.g. BBC", elem_id="rag-publisher", scale=1, min_width=120)
        title_word = gr.Textbox(label="Word in title", placeholder="e.g. talks", elem_id="rag-title", scale=1,
                                min_width=120)
    with gr.Row():
        since = gr.Textbox(label="From (YYYY-MM-DD)", placeholder="2025-04-01", elem_id="rag-from", min_width=120)
        until = gr.Textbox(label="To (YYYY-MM-DD)", placeholder="2025-04-30", elem_id="rag-to", min_width=120)
    story = gr.Dropdown([("All articles", "")], value="", label="Story (the chat uses only its articles)",
                        elem_id="rag-story")
    doc_filter = gr.CheckboxGroup([], label="Only use these articles (none ticked: all)", elem_id="rag-filter")
    table = gr.Dataframe(headers=["Title", "Outlet", "Date", "Story"], interactive=False,
                         datatype=["str", "str", "str", "str"], wrap=True, elem_id="rag-docs",
                         column_widths=["40%", "20%", "16%", "24%"])
    with gr.Accordion("Add articles", open=False):
        files = gr.File(file_count="multiple", file_types=list(UPLOAD_TYPES), type="filepath", label="Files")
        add = gr.Button("Add to index")
    with gr.Accordion("Remove an article", open=False):
        victim = gr.Dropdown([], label="Article")
        drop = gr.Button("Remove", variant="stop")
    status = gr.Markdown()
    report = gr.JSON(visible=False)

    def refresh(selected: list | None = None, publisher_: str = "", title_: str = "", story_: str | None = "",
                since_: str = "", until_: str = "") -> tuple[list, Any, Any, Any]:
        lo, hi = check_date(since_, "From"), check_date(until_, "To")
        shown = [r for r in b.sources(publisher=publisher_ or None, title=title_ or None)
                 if (not lo or (r.date or "") >= lo) and (not hi or (r.date and r.date[:10] <= hi))]
        stories = b.stories(publisher=publisher_ or None)
        known = {s.story_id: s for s in stories}
        if story_ and story_ in known:  # the table and the ticks show the chosen story's articles only
            shown = [r for r in shown if r.doc_id in known[story_].doc_ids]
        ids = {r.doc_id for r in shown}
        keep = [d for d in selected or [] if d in ids]
        choices = _doc_choices(shown)
        return (_doc_rows(shown, stories), gr.update(choices=choices, value=keep),
                gr.update(choices=choices, value=None),
                gr.update(choices=_story_choices(stories), value=story_ if story_ in known else ""))

    def upload(paths: list | None, progress: gr.Progress = gr.Progress()) -> dict[str, Any]:
        if not paths:
            raise user_error("choose one or more files first")
        return b.upload(paths, _gr_progress(progress))

    def remove(doc_id: str | None) -> str:
        if not doc_id:
            raise user_error("choose an article to remove")
        return f"Removed `{render.md_escape(b.remove(doc_id))}`."

    outputs, inputs = [table, doc_filter, victim, story], [doc_filter, publisher, title_word, story, since, until]
    add.click(_guard(upload), files, report, api_name="upload", concurrency_id=INDEX, show_progress_on=[status]
              ).success(lambda r: (render.report_markdown(r or {}), None), report, [status, files],
                        api_visibility="private"
              ).then(refresh, inputs, outputs, api_visibility="private")
    drop.click(_guard(remove), victim, status, concurrency_id=INDEX, api_visibility="private"
               ).then(refresh, inputs, outputs, api_visibility="private")
    for box in (publisher, title_word, since, until):
        box.submit(_guard(refresh), inputs, outputs, api_visibility="private", queue=False)
    story.input(_guard(refresh), inputs, outputs, api_visibility="private", queue=False)
    return {"filter": doc_filter, "story": story, "refresh": _guard(refresh), "inputs": inputs, "outputs": outputs}


def _api(b: NewsDesk, stops: Stops) -> None:
    """The named endpoints for gradio_client (see the module docstring)."""

    def ask(question: str, doc_ids: list[str] | str | None = None, k: int | None = None,
            story: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
            as_of: str | None = None, request: gr.Request = None) -> dict[str, Any]:  # type: ignore[assignment]
        """Answer a question (only from one story's articles when `story` is given; "last week" before
        `as_of`, a date, when given); the JSON of `rag ask --json`. `/stop` from the same client ends it
        early (the answer then has "stopped": true)."""
        with stops.scope(request.session_hash if request else None) as cancel:
            return answer_json(b.ask(question, doc_ids=doc_ids, k=k, story=story or None, temperature=temperature,
                                     max_tokens=max_tokens, as_of=as_of or None, cancel=cancel))

    def ask_stream(question: str, doc_ids: list[str] | str | None = None, k: int | None = None,
                   story: str | None = None, temperature: float | None = None, max_tokens: int | None = None,
                   as_of: str | None = None, request: gr.Request = None) -> Iterator[dict[str, Any]]:  # type: ignore[assignment]
        """Stream {"text": "", "done": false, "evidence": [the sources to be read]}, then {"text": raw text so far,
        "done": false}, then {"text": verified, "done": true, "answer": {...}}. `/stop` from the same client ends it."""
        text = ""
        with stops.scope(request.session_hash if request else None) as cancel:
            try:
                for event in b.ask_stream(question, doc_ids=doc_ids, k=k, story=story or None, temperature=temperature,
                                          max_tokens=max_tokens, as_of=as_of or None, cancel=cancel):
                    if isinstance(event, Evidence):
                        yield {"text": "", "done": False, "evidence": [
                            {"doc_id": x.doc_id, "title": x.title, "publisher": x.publisher, "date": x.date}
                            for x in event.sources]}
                    elif isinstance(event, Token):
                        text += event.text
                        yield {"text": text, "done": False}
                    elif isinstance(event, Done):
                        yield {"text": event.answer.answer, "done": True, "answer": answer_json(event.answer)}
            except RagError as e:
                raise user_error(str(e)) from None

    def stop(request: gr.Request = None) -> dict[str, Any]:  # type: ignore[assignment]
        """Stop this client's running /ask, /ask_stream or /brief (its session); {"stopped": how many}."""
        return {"stopped": stops.stop(request.session_hash if request else None)}

    def export(answers: list[dict[str, Any]] | dict[str, Any], title: str | None = None) -> str:
        """Answers (the JSON of /ask, one or a list) as one Markdown document with quotes and sources."""
        items = [answers] if isinstance(answers, dict) else list(answers or [])
        if not all(isinstance(a, dict) and "question" in a for a in items):
            raise user_error("export takes the answers /ask returned: a list of objects with a \"question\"")
        return conversation_markdown(items, b.documents(), title or "Conversation")

    def sources(publisher: str | None = None, title: str | None = None) -> list[dict[str, Any]]:
        """The indexed articles, as `rag sources --json [--publisher P] [--title WORD]`."""
        return [r.as_dict() for r in b.sources(publisher=publisher or None, title=title or None)]

    def stories(since: str | None = None, publisher: str | None = None) -> list[dict[str, Any]]:
        """The stories, as `rag stories --json [--since DATE] [--publisher P]`."""
        return [s.as_dict() for s in b.stories(since=since or None, publisher=publisher or None)]

    def remove(doc_id: str) -> dict[str, Any]:
        """Remove an article by doc id."""
        return {"removed": b.remove(doc_id)}

    def brief(topic: str | None = None, doc_ids: list[str] | str | None = None, words: int = BRIEF_WORDS,
              story: str | None = None, since: str | None = None,
              request: gr.Request = None) -> str:  # type: ignore[assignment]
        """A briefing on the given articles, a story or a topic (a front page when none), as Markdown;
        `/stop` ends it (an error)."""
        with stops.scope(request.session_hash if request else None) as cancel:
            return render_any(b.briefing(topic or None, doc_ids, words, story=story or None, since=since or None,
                                         cancel=cancel))

    gr.api(_guard(ask), api_name="ask", concurrency_id=MODEL)
    gr.api(ask_stream, api_name="ask_stream", concurrency_id=MODEL)
    gr.api(stop, api_name="stop", concurrency_limit=None)  # never waits behind the generation it stops
    gr.api(_guard(export), api_name="export", concurrency_limit=None)
    gr.api(_guard(sources), api_name="sources", concurrency_limit=None)
    gr.api(_guard(stories), api_name="stories", concurrency_id=INDEX)
    gr.api(_guard(remove), api_name="remove", concurrency_id=INDEX)
    gr.api(_guard(brief), api_name="brief", concurrency_id=MODEL)
    eval_api(b, _guard)  # /eval, in the "eval" group (rag.web.eval_tab)


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


def launch(desk: NewsDesk, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           no_auth: bool = False, prevent_thread_lock: bool = False, *, quiet: bool = False) -> gr.Blocks:
    """Serve the chat. Loopback only unless `auth` is given or `no_auth` is set; never a share link."""
    check_exposure(host, auth, no_auth)
    check_reachable(host)
    if not is_loopback(host) and auth is None:
        log.warning("serving on %s without a password", host)
    demo = build_app(desk)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    try:
        demo.launch(server_name=host, server_port=port, auth=auth, share=False, prevent_thread_lock=prevent_thread_lock,
                    quiet=quiet, ssr_mode=False, show_error=True, max_file_size=desk.max_bytes,
                    theme=theme, css=render.CSS, js=ESC_JS, inbrowser=False, mcp_server=False)
    except (OSError, httpx.HTTPError) as e:
        raise ConfigError(f"cannot serve on {host}:{port}: {e}") from None
    return demo
