"""The application: `NewsDesk` owns the settings, the index and the chat model, and offers every
operation once — ingest, upload, sources, stories, show, remove, ask, brief, summarize, evaluate
(a Suite, or a question file by path: eval_suite), models.

The CLI, the chat, its API endpoints, `rag eval` and the bench call only this. Input is validated
here, once (ids, k, limits, an empty index), with messages written for users. The backends are
chosen here, from the settings; models load lazily, on the first operation that needs them.
Does not print, render or parse command lines (the front ends do).
"""
from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from rag.answer import ask as asking
from rag.answer.ask import Done, Evidence, Token
from rag.answer.assistant import Assistant
from rag.backends import models
from rag.backends.chroma import Store, is_read_only, open_client
from rag.backends.embed import Embedder
from rag.backends.llm import Interruptible
from rag.briefing import brief as briefing
from rag.briefing import digest as digests
from rag.briefing import front
from rag.briefing import since as since_
from rag.briefing.render import render_markdown
from rag.core.config import Settings
from rag.core.errors import ConfigError, EmptyIndexError, EvalFileError, ModelError, UnknownSourceError
from rag.core.inputs import BRIEF_WORDS_RANGE, unknown_sources, whole_number
from rag.core.ports import ChatModel
from rag.core.prompts import Prompts
from rag.core.types import Answer, Brief, DocRecord, FrontPage, Hit, Story
from rag.evaluation.cases import Suite, load_suite, require_sources
from rag.evaluation.evaluate import BriefRun, CaseResult, Report, report_to_json, run_suite, shortcut_ask
from rag.ingest.dates import check_date
from rag.ingest.pipeline import IngestReport, ingest
from rag.ingest.uploads import free_upload_path, safe_name
from rag.retrieval import scope as scoping
from rag.retrieval import story_index
from rag.retrieval.retrieve import Index
from rag.retrieval.timeframe import parse_as_of

Progress = Callable[[int, int, str], None]
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")
SUITE_TYPES, EVAL_MODES = (".yaml", ".yml", ".jsonl"), ("full", "retrieval-only", "shortcut")
MAX_K = 50


# choosing the backends -------------------------------------------------------------------------
def load_embedder(s: Settings) -> Embedder:
    preset = models.get_preset(s.models_dir, s.embed_model, kind="embed")
    paths = models.require(s.models_dir, preset)
    onnx = next(p for p in paths if p.suffix == ".onnx")
    tokenizer = next(p for p in paths if p.suffix == ".json")
    return Embedder(onnx, tokenizer, s.n_threads, preset.name)


def open_index(s: Settings, embedder: Embedder | None = None) -> Index:
    embedder = embedder or load_embedder(s)
    read_only = str(s.store_dir) if not s.chroma_url and is_read_only(s.store_dir) else None
    store = Store(open_client(s.store_dir, s.chroma_url), embedder.model_name, read_only=read_only)
    return Index(store, embedder, s.cache_dir)


def load_llm(s: Settings) -> ChatModel:
    if s.llm_url:
        from rag.backends.remote import RemoteLLM

        return RemoteLLM(s.llm_url, s.llm_model or s.model, s.n_ctx or 4096, s.llm_api_key, s.gen_timeout_s)
    preset = models.get_preset(s.models_dir, s.model, kind="chat")
    if preset.kind != "chat":
        raise ModelError(f"'{s.model}' is not a chat model")
    path = models.require(s.models_dir, preset)[0]
    from rag.backends.llamacpp import LocalLLM

    return LocalLLM(path, preset.name, s.n_ctx or preset.n_ctx, s.n_threads, s.seed, preset.chat_format,
                    n_batch=s.n_batch, n_ubatch=s.n_ubatch, flash_attn=bool(s.flash_attn), type_k=s.type_k,
                    type_v=s.type_v)


# input checks ----------------------------------------------------------------------------------
def parse_ids(doc_ids: Sequence[str] | str | None) -> list[str]:
    """Doc ids from a list, a JSON list or a comma-separated string."""
    if isinstance(doc_ids, str):
        text = doc_ids.strip()
        try:
            doc_ids = json.loads(text) if text.startswith("[") else text.split(",")
        except json.JSONDecodeError:
            raise UnknownSourceError("doc_ids must be a JSON list or comma-separated ids") from None
    return [str(d).strip() for d in doc_ids or [] if d and str(d).strip()]


def check_k(k: Any) -> int | None:
    return None if k is None or k == "" else whole_number("k", k, 1, MAX_K)


def covered_by(publisher: str | None, outlets: Sequence[str | None]) -> bool:
    """True when no publisher is asked for, or one of `outlets` contains it (any case)."""
    wanted = (publisher or "").strip().lower()
    return not wanted or any(wanted in (o or "").lower() for o in outlets)


def matches(r: DocRecord, publisher: str | None, title: str | None) -> bool:
    """A document's publisher contains `publisher` and its title contains the word `title` (any case)."""
    if not covered_by(publisher, [r.publisher]):
        return False
    return not title or re.search(rf"\b{re.escape(title.strip())}", r.title, re.IGNORECASE) is not None


class NewsDesk:
    """Every operation of the application, over one workspace (see the module docstring)."""

    def __init__(self, settings: Settings, *, index: Index | None = None, llm: ChatModel | None = None,
                 index_factory: Callable[[Settings], Index] = open_index,
                 llm_factory: Callable[[Settings], ChatModel] = load_llm):
        self._settings, self._index, self._llm = settings, index, llm
        self._index_factory, self._llm_factory = index_factory, llm_factory
        self._lock = threading.Lock()

    # what it owns ------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = self._index_factory(self._settings)
            return self._index

    def assistant(self, cancel: threading.Event | None = None) -> Assistant:
        """The pipelines' view of the desk; with `cancel`, its generations end when the event is set."""
        index = self.index
        with self._lock:
            if self._llm is None:
                self._llm = self._llm_factory(self._settings)
            llm = Interruptible(self._llm, cancel) if cancel is not None else self._llm
            return Assistant(self._settings, index, llm, Prompts(self._settings.prompts_dir))

    def check_model(self) -> None:
        """Fail now, not after other work, when the configured chat model is unknown or not pulled."""
        s = self._settings
        if self._llm is None and not s.llm_url:
            models.require(s.models_dir, models.get_preset(s.models_dir, s.model, kind="chat"))

    def switch_model(self, name: str) -> None:
        """Load another chat preset; on failure the current model stays (the error propagates)."""
        settings = self._settings.replace(model=name)
        llm = self._llm_factory(settings)
        with self._lock:
            self._settings, self._llm = settings, llm

    # documents ---------------------------------------------------------------------------------
    def documents(self) -> dict[str, DocRecord]:
        return self.index.documents()

    def _require_documents(self) -> dict[str, DocRecord]:
        docs = self.documents()
        if not docs:
            raise EmptyIndexError("nothing is ingested yet; run `rag ingest seeds/` or add articles in the "
                                  "chat's Documents panel")
        return docs

    def check_ids(self, doc_ids: Sequence[str] | str | None) -> list[str] | None:
        """The named doc ids, all known (else an error naming the nearest); None when none are named."""
        ids = parse_ids(doc_ids)
        if not ids:
            return None
        known = self.documents()
        for d in ids:
            if d not in known:
                raise unknown_sources([d], known)
        return ids

    def sources(self, publisher: str | None = None, title: str | None = None) -> list[DocRecord]:
        """The indexed articles by id, optionally only a publisher's or those with a word in the title."""
        return [r for _, r in sorted(self.documents().items()) if matches(r, publisher, title)]

    def show(self, doc_id: str) -> DocRecord:
        """One article's record with its cleaned text."""
        rec = self.index.store.get_document(doc_id)
        if rec is None:
            raise unknown_sources([doc_id], self.documents())
        return rec

    def ingest(self, paths: Sequence[Path], prune: bool = False, follow_links: bool = False,
               progress: Progress | None = None) -> IngestReport:
        """Index files and folders; the lexical index is brought up to date before returning."""
        s, index = self._settings, self.index
        report = ingest(paths, index.store, index.embedder, chunk_tokens=s.chunk_tokens,
                        chunk_overlap=s.chunk_overlap, max_bytes=self.max_bytes, prune=prune,
                        follow_links=follow_links, progress=progress)
        index.lexical(index.documents())
        story_index.update(index.store)  # new articles join their stories now
        return report

    @property
    def max_bytes(self) -> int:
        return int(self._settings.max_file_mb * 1e6)

    @property
    def uploads_dir(self) -> Path:
        return (self._settings.workspace / "uploads").resolve()

    def upload(self, paths: Sequence[str], progress: Progress | None = None) -> dict[str, Any]:
        """Copy uploads into <workspace>/uploads under safe names, ingest them, report per file."""
        folder = self.uploads_dir
        folder.mkdir(parents=True, exist_ok=True)
        copied, skipped = [], []
        for p in map(Path, paths or []):
            dest = free_upload_path(folder, safe_name(p.name), p)
            name = dest.name
            if dest.suffix.lower() not in UPLOAD_TYPES:
                skipped.append({"file": name, "reason": f"unsupported type; use {' '.join(UPLOAD_TYPES)}"})
            elif p.stat().st_size > self.max_bytes:
                skipped.append({"file": name, "reason": f"file is {p.stat().st_size / 1e6:.1f} MB, "
                                                        f"over the {self._settings.max_file_mb:g} MB limit"})
            elif dest.parent != folder:  # cannot happen after safe_name; kept as the last guard
                skipped.append({"file": name, "reason": "unsafe file name"})
            else:
                shutil.copyfile(p, dest)
                copied.append(dest)
        report = self.ingest(copied, progress=progress) if copied else IngestReport()
        skipped += [{"file": Path(f).name, "reason": why} for f, why in report.skipped]
        return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged, "skipped": skipped,
                "failed": [{"doc_id": d, "reason": why} for d, why in report.failed]}

    def remove(self, doc_id: str) -> str:
        """Remove an article: its record, its chunks, our copy of an upload and its cached digests."""
        rec = self.documents().get(doc_id)
        if rec is None:
            raise unknown_sources([doc_id], self.documents())
        self.index.store.remove_document(doc_id)
        path = Path(rec.source_path) if rec.source_path else None
        if path and path.parent == self.uploads_dir:  # our own copy of an upload; files elsewhere are the user's
            path.unlink(missing_ok=True)
        for cached in digests.cached_files(self._settings.cache_dir, doc_id):
            cached.unlink(missing_ok=True)
        return doc_id

    # questions ---------------------------------------------------------------------------------
    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] = (),
                   doc_ids: Sequence[str] | str | None = None, k: Any = None, temperature: float | None = None,
                   max_tokens: Any = None, story: str | None = None, as_of: Any = None,
                   cancel: threading.Event | None = None) -> Iterator[Evidence | Token | Done]:
        """The sources to be read (Evidence), the model's text as Token events, then one Done with the
        verified Answer; `as_of` (a date) is what "last week" is relative to (default: the newest
        article's date); setting `cancel` stops the model (Done then holds the part written so far).

        `story` restricts retrieval to that story's articles (and to `doc_ids` among them, when both are given)."""
        asking.clean_question(question, self._settings.max_question_chars)  # fail fast, before loading a model
        day = parse_as_of(as_of)
        self.check_model()
        self._require_documents()
        (ids, _), k_ = self._in_story(self.check_ids(doc_ids), story), check_k(k)
        return asking.ask_stream(self.assistant(cancel), question, history=history, doc_ids=ids, k=k_,
                                 temperature=temperature, max_tokens=int(max_tokens) if max_tokens else None,
                                 as_of=day)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        answer = None
        for event in self.ask_stream(question, **kwargs):
            if isinstance(event, Done):
                answer = event.answer
        assert answer is not None
        return answer

    def retrieve(self, query: str, k: int | None = None, doc_ids: Sequence[str] | None = None,
                 as_of: Any = None) -> list[Hit]:
        """The chunks `ask` would draw on, within the period and outlet the question names."""
        docs = self.documents()
        sc = scoping.scope(query, docs, parse_as_of(as_of), doc_ids, self.index)
        return [] if sc.empty else scoping.retrieve_in(self.index, query, k or self._settings.k, sc, docs)

    # stories ---------------------------------------------------------------------------------
    def stories(self, since: str | None = None, publisher: str | None = None) -> list[Story]:
        """The stories, largest first; `since` (YYYY-MM-DD) keeps those with an article dated on or
        after it (undated stories are left out then); `publisher` those that an outlet containing it covers."""
        day = check_date(since, "since")
        return [s for s in story_index.read(self.index.store)
                if (day is None or (s.last is not None and s.last >= day)) and covered_by(publisher, s.outlets)]

    def _in_story(self, ids: list[str] | None, story: str | None) -> tuple[list[str] | None, str | None]:
        """(`ids` narrowed to the story's articles, all of them when no ids; the story id), or (ids, None)."""
        if not (story or "").strip():
            return ids, None
        s = self.story(story or "")
        ids = [d for d in ids if d in s.doc_ids] if ids else list(s.doc_ids)
        if not ids:
            raise UnknownSourceError(f"none of the chosen articles is in story '{s.story_id}'")
        return ids, s.story_id

    def story(self, story_id: str) -> Story:
        """One story by id, else an error naming the nearest ids."""
        every = {s.story_id: s for s in story_index.read(self.index.store)}
        key = (story_id or "").strip()
        found = every.get(key) or every.get(story_index.resolve(self.index.documents(), key))  # an id a merge retired
        if found is None:
            raise unknown_sources([key], every, what="no story", lister="rag stories")
        return found

    # briefs ------------------------------------------------------------------------------------
    def brief(self, topic: str | None = None, doc_ids: Sequence[str] | str | None = None,
              words: Any = briefing.BRIEF_WORDS, progress: Progress | None = None, story: str | None = None,
              since: str | None = None, cancel: threading.Event | None = None) -> Brief:
        """A cited briefing on the named articles (all when none), on a story's, or on those about
        `topic`; with `since`, the articles dated on or after it lead and older ones are background;
        setting `cancel` ends it (`Stopped`) within one model call."""
        words_ = whole_number("words", words, *BRIEF_WORDS_RANGE)
        day = check_date(since, "since")
        self.check_model()
        chosen, story_id = self._brief_docs(doc_ids, story, day)
        return briefing.brief(self.assistant(cancel), chosen, topic=topic, words=words_, progress=progress, since=day,
                              story=story_id)

    def briefing(self, topic: str | None = None, doc_ids: Sequence[str] | str | None = None,
                 words: Any = briefing.BRIEF_WORDS, progress: Progress | None = None, story: str | None = None,
                 since: str | None = None, cancel: threading.Event | None = None) -> Brief | FrontPage:
        """`brief`, except that with no selection (no topic, ids or story) on a corpus of several
        stories it is a front page: the largest and newest stories, one section each."""
        if topic or parse_ids(doc_ids) or (story or "").strip():
            return self.brief(topic, doc_ids, words, progress, story, since, cancel)
        words_ = whole_number("words", words, *BRIEF_WORDS_RANGE)
        day = check_date(since, "since")
        self.check_model()
        docs = self._require_documents()
        every = self.stories()
        if len(every) < 2:
            return self.brief(None, None, words_, progress, None, day, cancel)
        chosen = front.choose(every, docs, day)
        if not chosen:
            raise since_.nothing_new(day or "", docs, "")
        return front.front_page(self.assistant(cancel), chosen, docs, words_, progress, day)

    def _brief_docs(self, doc_ids: Sequence[str] | str | None, story: str | None,
                    since: str | None) -> tuple[dict[str, DocRecord], str | None]:
        """The articles a brief covers (checked), and the story id when one was named."""
        docs = self._require_documents()
        ids, story_id = self._in_story(self.check_ids(doc_ids), story)
        chosen = {d: docs[d] for d in ids} if ids else docs
        if since and not any(since_.is_new(r, since) for r in chosen.values()):
            raise since_.nothing_new(since, chosen, f" of story '{story_id}'" if story_id else "")
        return chosen, story_id

    def summarize(self, doc_id: str) -> digests.Digest:
        """One article's cited digest: key facts with their supporting sentences."""
        docs = self._require_documents()
        if doc_id not in docs:
            raise unknown_sources([doc_id], docs)
        return digests.digest(self.assistant(), docs[doc_id])

    # evaluation --------------------------------------------------------------------------------
    def evaluate(self, suite: Suite, mode: str = "full", briefs: bool = True,
                 on_case: Callable[[CaseResult], None] | None = None, as_of: Any = None) -> Report:
        """Run a question suite; mode: full | retrieval-only | shortcut (the top chunk verbatim). A case's
        own `as_of` is its reference date, else `as_of`, else the newest article's date."""
        if mode not in EVAL_MODES:
            raise ConfigError(f"unknown eval mode {mode!r}; use one of: {', '.join(EVAL_MODES)}")
        docs = self.documents()
        s = self._settings
        require_sources(suite, set(docs), s.chroma_url or str(s.workspace))  # else every score is 0, silently
        default = parse_as_of(as_of)
        find = lambda q, as_of=None: self.retrieve(q, as_of=as_of or default)  # noqa: E731
        answer_fn = brief_fn = None
        if mode == "full":
            answer_fn = lambda q, as_of=None: self.ask(q, as_of=as_of or default)  # noqa: E731
            brief_fn = self._brief_run if briefs else None
        elif mode == "shortcut":
            answer_fn = shortcut_ask(find)
        return run_suite(suite, retrieve=find, ask=answer_fn, brief=brief_fn, index_doc_ids=set(docs),
                         on_case=on_case)

    def eval_suite(self, path: str | Path, mode: str = "full", briefs: bool = True,
                   progress: Progress | None = None, within: Sequence[Path] = ()) -> dict[str, Any]:
        """Load and check a question file, run it, and return the report as `rag eval --json` writes it;
        `progress(done, total, case id)` after each case. With `within` (the chat), only files under
        those folders are read, so a remote user cannot make the server read its other files."""
        p = Path(str(path or "").strip()).expanduser()
        if p.suffix.lower() not in SUITE_TYPES or not p.is_file():
            raise EvalFileError(f"{p}: not a question file; give an existing {' / '.join(SUITE_TYPES)} file")
        if within and not any(p.resolve().is_relative_to(d.resolve()) for d in within):
            raise EvalFileError(f"{p}: question files are read only from {', '.join(map(str, within))}")
        suite, done = load_suite(p), [0]
        total = sum(c.type != "briefing" or (mode == "full" and briefs) for c in suite.cases)  # briefs run in full only

        def on_case(r: CaseResult) -> None:
            done[0] += 1
            if progress:
                progress(done[0], total, r.id)
        return self.eval_json(self.evaluate(suite, mode, briefs, on_case), mode, p)

    def eval_json(self, report: Report, mode: str, questions: str | Path) -> dict[str, Any]:
        """A report as JSON data with the configuration it ran under (what --json, --html and the chat show)."""
        return report_to_json(report, {**self.config(), "mode": mode, "questions": str(questions)})

    def _brief_run(self, case: Any) -> BriefRun:
        b = briefing.brief(self.assistant(), self._require_documents(), topic=case.topic,
                           words=case.max_words or 400)
        total, cited = briefing.sentence_counts(b)
        return BriefRun(render_markdown(b, safe=False), briefing.cited_doc_ids(b), total, cited)

    def config(self) -> dict[str, Any]:
        """What an eval report records about how its answers were made."""
        s = self._settings
        return {"model": s.model, "embed_model": s.embed_model, "k": s.k, "chunk_tokens": s.chunk_tokens,
                "chunk_overlap": s.chunk_overlap, "context_tokens": s.context_tokens,
                "answer_parts": s.answer_parts, "reread": s.reread, "narrow": s.narrow,
                "second_opinion": s.second_opinion, "prompts": Prompts(s.prompts_dir).version()}

    # models ------------------------------------------------------------------------------------
    def presets(self) -> list[tuple[models.Preset, bool]]:
        """Every catalog preset and whether its files are installed."""
        d = self._settings.models_dir
        return [(p, models.is_installed(d, p)) for p in models.load_catalog(d).values()]

    def pull(self, name: str, progress: Callable[[int, int], None] | None = None) -> list[Path]:
        d = self._settings.models_dir
        return models.pull(d, models.get_preset(d, name), progress)

    def verify_models(self, names: Sequence[str], progress: Callable[[str], Any]
                      ) -> Iterator[tuple[str, str, str, bool]]:
        """(preset, file, status, ok) for the named presets' files (every installed preset when none named).

        `progress(file name)` is a context manager that yields a (done, total) byte callback."""
        d = self._settings.models_dir
        chosen = [models.get_preset(d, n) for n in names] or [p for p, ok in self.presets() if ok]
        for preset in chosen:
            for f in preset.files:
                try:
                    with progress(f.name) as tick:
                        yield preset.name, f.name, models.verify_file(d, f, tick), True
                except ModelError as e:
                    yield preset.name, f.name, f"FAILED: {e}", False


def assistant(s: Settings, index: Index | None = None, llm: ChatModel | None = None) -> Assistant:
    """What the pipelines need, for callers that hold their own index or model (tests, bench)."""
    return NewsDesk(s, index=index, llm=llm).assistant()
