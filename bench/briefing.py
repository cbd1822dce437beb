"""Section "briefing": time of a briefing over the seed articles, cold (empty digest cache: every
article is digested by the model) and warm (the same briefing again: digests and model calls
come from the on-disk cache). Skipped with a note when `rag.brief` is not there.
Full: the default model; quick: the tiny model, which only exercises the path (a cold brief is
several model calls per article; its times say nothing about the default model).
"""
from __future__ import annotations

import importlib.util
import inspect
import shutil

from bench.context import DEFAULT_MODEL, TINY_MODEL, Context
from bench.report import Result, Stopwatch, Table, progress
from rag import app


def run(ctx: Context) -> Result:
    if importlib.util.find_spec("rag.brief") is None:
        return Result(skipped="rag/brief.py is not there yet")
    from rag import brief as briefing

    params = inspect.signature(briefing.brief).parameters
    if not {"topic", "doc_ids", "words"} <= set(params):
        return Result(skipped=f"rag.brief.brief has an unexpected signature {tuple(params)}")
    model = TINY_MODEL if ctx.quick else DEFAULT_MODEL
    index = ctx.seeds_index()
    s = ctx.settings(model=model)
    a = app.assistant(s, index)
    for p in s.cache_dir.iterdir() if s.cache_dir.exists() else ():
        if p.name != "bm25":  # empty every cache but the BM25 index: digests and brief model calls
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    n_docs = len(index.documents())
    progress(f"briefing: cold ({n_docs} articles, {model})")
    with Stopwatch() as cold:
        b1 = briefing.brief(a, topic=None, doc_ids=None, words=400)
    progress("briefing: warm")
    with Stopwatch() as warm:
        b2 = briefing.brief(a, topic=None, doc_ids=None, words=400)
    words = briefing.word_count(b1) if hasattr(briefing, "word_count") else None
    r = Result(data={"model": model, "articles": n_docs, "cold_s": cold.s, "warm_s": warm.s,
                     "words": words, "same_text_warm": _markdown(briefing, b1) == _markdown(briefing, b2)})
    t = Table(f"briefing over {n_docs} seed articles, about 400 words, {model}", ["run", "seconds", "note"])
    t.add("cold (empty digest cache)", cold.s, f"{cold.s / n_docs:.1f} s per article")
    t.add("warm (digests cached)", warm.s, f"{cold.s / warm.s:.0f}x faster" if warm.s > 0 else "")
    r.tables.append(t)
    if not r.data["same_text_warm"]:
        r.notes.append("the warm briefing's text differs from the cold one")
    return r


def _markdown(briefing: object, b: object) -> str | None:
    render = getattr(briefing, "render_markdown", None)
    return render(b) if callable(render) else None
