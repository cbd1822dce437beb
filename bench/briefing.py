"""Section "briefing": time of a briefing over the seed articles, cold (empty digest cache: every
article is digested by the model) and warm (the same briefing again: digests and model calls
come from the on-disk cache), with the share of sentences carrying a verified citation.
Full: the default model; quick: the tiny model, which only exercises the path (its times say
nothing about the default model).
"""
from __future__ import annotations

import shutil

from bench.context import DEFAULT_MODEL, TINY_MODEL, Context
from bench.report import Result, Stopwatch, Table, progress
from rag import desk as app
from rag.briefing.brief import BRIEF_WORDS, brief, cited_doc_ids, render_markdown, sentence_counts, word_count


def run(ctx: Context) -> Result:
    model = TINY_MODEL if ctx.quick else DEFAULT_MODEL
    index = ctx.seeds_index()
    s = ctx.settings(model=model)
    a = app.assistant(s, index)
    for p in s.cache_dir.iterdir() if s.cache_dir.exists() else ():
        if p.name != "lexical":  # empty every cache but the BM25 index: digests and brief model calls
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    n_docs = len(index.documents())
    progress(f"briefing: cold ({n_docs} articles, {model})")
    with Stopwatch() as cold:
        b1 = brief(a, words=BRIEF_WORDS)
    progress("briefing: warm")
    with Stopwatch() as warm:
        b2 = brief(a, words=BRIEF_WORDS)
    total, verified = sentence_counts(b1)
    cited = cited_doc_ids(b1)
    r = Result(data={"model": model, "articles": n_docs, "cold_s": cold.s, "warm_s": warm.s, "words": word_count(b1),
                     "sentences": total, "verified_sentences": verified, "cited_articles": len(cited),
                     "same_text_warm": render_markdown(b1) == render_markdown(b2)})
    t = Table(f"briefing over {n_docs} seed articles, at most {BRIEF_WORDS} words, {model}", ["run", "seconds", "note"])
    t.add("cold (empty digest cache)", cold.s, f"{cold.s / n_docs:.1f} s per article")
    t.add("warm (digests cached)", warm.s, f"{cold.s / warm.s:.0f}x faster" if warm.s > 0 else "")
    t.add("sentences with a verified citation", f"{verified}/{total}", f"{len(cited)}/{n_docs} articles cited")
    r.tables.append(t)
    if not r.data["same_text_warm"]:
        r.notes.append("the warm briefing's text differs from the cold one")
    return r
