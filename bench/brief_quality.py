"""Story briefs against people's summaries (Wikinews dev), and what briefs cost: cold, warm, one new
article, and the front page.

For every gold story with several articles (stories.json), the story brief (`NewsDesk.brief(story=...)`,
what `rag brief --story` prints) of the system story holding most of its articles is scored against
the Wikinews article people wrote about it (`reference_summary`):
- entity coverage: the share of the reference's names (runs of capitalised words, sentence-initial
  function words dropped) and numbers (digits; commas dropped) that the brief also states, both
  normalised (lower case, accents and possessives removed). A name counts when the brief has the
  whole span or every word of it. `attainable` is the same over the entities some article of the
  story states: what a brief drawn only from the articles could reach.
- verified share of the shown sentences, words (the Markdown without the sources list), cold and
  warm seconds (cold: the story's articles were never digested), model calls.
- disagreements: a number of the reference missing from the brief where the brief's closest
  sentence gives another number before the same word ("20 people" vs "22 people"), with how many
  of the story's articles state each.
Then: the one-new-article case (the largest story not scored above: its newest article removed, its
brief made, the article ingested again: the brief after it should cost one digest plus the synthesis), and the
front page of the whole corpus, cold (empty caches) and warm.

Run (the lead runs the default model; a smoke run uses the tiny one on 2-3 stories and --front none):
    python -m bench.brief_quality --model qwen2.5-coder-1.5b [--stories N] [--words 250] [--front cold|warm|none] [--json out.json]
Does not judge wording; entity coverage is a proxy for "says what people found worth saying".
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from rag.briefing.brief import sentence_counts, word_count
from rag.briefing.render import render_markdown
from rag.core.config import PROJECT_ROOT, load_settings
from rag.core.types import Brief
from rag.desk import NewsDesk, load_llm
from rag.text.markers import strip_markers
from rag.text.sentences import split_sentences

CORPUS = Path(os.environ.get("RAG_TEST_CORPORA") or PROJECT_ROOT.parent / "shared" / "corpora") / "wikinews-dev"
_FUNCTION = frozenset("a an the in on at of for to by and but or as it its this that these those he she they we i "
                      "his her their our there here when while after before during since with from some many "
                      "most all also however meanwhile today yesterday nonetheless nevertheless although though "
                      "because if so then now according once".split())
_NAME = re.compile(r"[A-Z][\w'’-]*(?:\.[A-Z][\w'’-]*)*\.?(?:\s+(?:(?:of|de|da|do|dos|del|van|von|al|bin)\s+)?[A-Z][\w'’-]*)*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_UNIT = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s+([a-z]+)")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"['’]s\b|[^\w\s.]", " ", text.lower()).replace(".", " ").split())


def entities(text: str) -> set[str]:
    """Normalised names and numbers of a text (deterministic; see the module docstring). A name span
    stops at a sentence's end; a one-word span that opens a sentence counts only when the text never
    writes that word in lower case ("Lunch was..." is not a name)."""
    out = {n.replace(",", "") for n in _NUMBER.findall(text)}
    lower = set(re.findall(r"\b[a-z][\w'-]*", text))
    for sentence in split_sentences(" ".join(text.split())):
        for m in _NAME.finditer(sentence.rstrip(".")):
            words = m.group(0).split()
            while words and words[0].lower().strip(".") in _FUNCTION:
                words = words[1:]
            if len(words) == 1 and m.start() == 0 and words[0].lower() in lower:
                continue
            span = norm(" ".join(words))
            if span and not (len(span.split()) == 1 and len(span) < 3):
                out.add(span)
    return out


def states(entity: str, text_norm: str, words: set[str]) -> bool:
    return f" {entity} " in f" {text_norm} " or all(w in words for w in entity.split())


def coverage(ref: set[str], text: str) -> tuple[int, list[str]]:
    """(how many of `ref` the text states, the ones it does not)."""
    t = norm(text.replace(",", ""))
    words = set(t.split())
    missing = sorted(e for e in ref if not states(e, t, words))
    return len(ref) - len(missing), missing


def disagreements(reference: str, brief_text: str, articles: list[str]) -> list[dict[str, Any]]:
    """Reference numbers the brief gives otherwise before the same word, and which the articles state."""
    out = []
    said = {(n.replace(",", ""), w) for n, w in _UNIT.findall(brief_text)}
    for n, word in {(n.replace(",", ""), w) for n, w in _UNIT.findall(reference)}:
        other = sorted(m for m, w in said if w == word and m != n)
        if other and (n, word) not in said:
            count = lambda v: sum(bool(re.search(rf"(?<![\w.]){re.escape(v)}\s+{word}\b", a.replace(",", "")))  # noqa: E731
                                  for a in articles)
            out.append({"reference": f"{n} {word}", "brief": [f"{m} {word}" for m in other],
                        "articles_with_reference": count(n), "articles_with_brief": {m: count(m) for m in other}})
    return out


class Counting:
    """The chat model with a count of generation calls (the same interface)."""

    def __init__(self, inner: Any):
        self.inner, self.calls, self.name, self.n_ctx = inner, 0, inner.name, inner.n_ctx

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        self.calls += 1
        yield from self.inner.stream(*args, **kwargs)


@dataclass
class Timed:
    brief: Any
    s: float
    calls: int


def timed(desk: NewsDesk, llm: Counting, **kw: Any) -> Timed:
    before, t0 = llm.calls, time.perf_counter()
    b = desk.briefing(**kw)
    return Timed(b, time.perf_counter() - t0, llm.calls - before)


def brief_text(b: Brief) -> str:
    return strip_markers(render_markdown(b, with_sources=False, safe=False))


def score_story(desk: NewsDesk, llm: Counting, gold: dict[str, Any], words: int) -> dict[str, Any]:
    story = max(desk.stories(), key=lambda s: len(set(s.doc_ids) & set(gold["doc_ids"])))
    cold = timed(desk, llm, story=story.story_id, words=words)
    warm = timed(desk, llm, story=story.story_id, words=words)
    b, text = cold.brief, brief_text(cold.brief)
    articles = [desk.show(d).text for d in story.doc_ids]
    ref = entities(gold["reference_summary"])
    got, missing = coverage(ref, text)
    art_norm = norm(" ".join(articles).replace(",", ""))
    reachable = {e for e in ref if states(e, art_norm, set(art_norm.split()))}
    got_r, _ = coverage(reachable, text)
    total, verified = sentence_counts(b)
    return {"gold": gold["story"], "story": story.story_id, "articles": len(story.doc_ids),
            "gold_articles": len(gold["doc_ids"]), "shared": len(set(story.doc_ids) & set(gold["doc_ids"])),
            "coverage": got / len(ref) if ref else 0.0, "attainable": got_r / len(reachable) if reachable else 0.0,
            "entities": len(ref), "verified": verified / total if total else 0.0, "sentences": total,
            "words": word_count(b), "cold_s": cold.s, "warm_s": warm.s, "cold_calls": cold.calls,
            "warm_calls": warm.calls, "missing": missing[:12], "timeline": len(b.timeline),
            "disagreements": disagreements(gold["reference_summary"], text, articles), "brief": text}


def incremental(desk: NewsDesk, llm: Counting, words: int, story_id: str | None) -> dict[str, Any]:
    """A story's newest article removed, the story briefed, the article ingested again, briefed again: the
    second brief is the "one new article" case (its other digests are cached). The story is the largest
    one not scored before, so that no model reply about the article is cached yet."""
    story = desk.story(story_id) if story_id else desk.stories()[0]
    docs = desk.documents()
    gold_first = sorted(story.doc_ids, key=lambda d: (d != story.story_id, docs[d].date or "", d))
    last, members = gold_first[-1], list(story.doc_ids)
    path = Path(docs[last].source_path)
    desk.remove(last)
    before = timed(desk, llm, doc_ids=[d for d in members if d != last], words=words)
    desk.ingest([path])  # briefed by its members, so the timing does not depend on the regrouping
    after = timed(desk, llm, doc_ids=members, words=words)
    return {"story": story.story_id, "articles": len(story.doc_ids), "added": last, "before_s": before.s,
            "after_s": after.s, "after_calls": after.calls, "rejoined": last in desk.story(story.story_id).doc_ids}


def front(desk: NewsDesk, llm: Counting, cache: Path, words: int, cold: bool = True) -> dict[str, Any]:
    for p in cache.iterdir() if cache.exists() and cold else ():
        if p.name != "bm25":  # empty every cache but the BM25 index
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    cold = timed(desk, llm, words=words)
    warm = timed(desk, llm, words=words)
    n = len(cold.brief.sections) if hasattr(cold.brief, "sections") else 1
    return {"sections": n, "cold_s": cold.s, "warm_s": warm.s, "cold_calls": cold.calls, "warm_calls": warm.calls}


def run(model: str, workspace: Path, n_stories: int | None, words: int, front_page: str = "cold") -> dict[str, Any]:
    s = load_settings({"workspace": workspace, "model": model})
    llm = Counting(load_llm(s))
    desk = NewsDesk(s, llm=llm)
    if not desk.documents():
        desk.ingest([CORPUS / "docs"])
    golds = [g for g in json.loads((CORPUS / "stories.json").read_text(encoding="utf-8")) if len(g["doc_ids"]) > 1]
    rows = []
    for g in golds[:n_stories]:
        rows.append(score_story(desk, llm, g, words))
        _print_row(rows[-1])
    scored = {d for r in rows for d in desk.story(r["story"]).doc_ids}
    fresh = [x for x in desk.stories() if len(x.doc_ids) > 1 and not scored & set(x.doc_ids)]
    inc = incremental(desk, llm, words, fresh[0].story_id) if fresh else {}  # every story's digests are cached
    fp = front(desk, llm, s.cache_dir, 500, cold=front_page == "cold") if front_page != "none" else {}
    return {"model": model, "words": words, "stories": rows, "incremental": inc, "front_page": fp,
            "means": {k: statistics.mean(r[k] for r in rows) for k in ("coverage", "attainable", "verified", "words",
                                                                       "cold_s", "warm_s")} if rows else {}}


def _print_row(r: dict[str, Any]) -> None:
    print(f"{r['gold']:>5} {r['story']:<10} {r['articles']:>3} {r['shared']:>2}/{r['gold_articles']:<2} "
          f"{r['coverage']:>6.2f} {r['attainable']:>6.2f} {r['verified']:>6.2f} {r['words']:>5} "
          f"{r['timeline']:>3} {r['cold_s']:>7.1f} {r['warm_s']:>6.2f} {r['warm_calls']:>3}", flush=True)


def report(data: dict[str, Any]) -> None:
    m, inc, fp = data["means"], data["incremental"], data["front_page"]
    if m:
        print(f"{'mean':>16} {'':>6} {m['coverage']:>6.2f} {m['attainable']:>6.2f} {m['verified']:>6.2f} "
              f"{m['words']:>5.0f} {'':>3} {m['cold_s']:>7.1f} {m['warm_s']:>6.2f}")
    if inc:
        print(f"one new article (story {inc['story']}, {inc['added']} re-added): brief {inc['after_s']:.1f} s with "
              f"{inc['after_calls']} model calls (before it: {inc['before_s']:.1f} s); rejoined its story: "
              f"{inc['rejoined']}")
    else:
        print("one new article: not measured (every multi-article story was scored, so its digests are cached; "
              "run with --stories N)")
    if fp:
        print(f"front page ({fp['sections']} stories): first {fp['cold_s']:.1f} s ({fp['cold_calls']} model calls), "
              f"again {fp['warm_s']:.2f} s ({fp['warm_calls']} calls)")
    for r in data["stories"]:
        for d in r["disagreements"]:
            print(f"disagreement, story {r['gold']}: reference {d['reference']} "
                  f"({d['articles_with_reference']} articles) vs brief {', '.join(d['brief'])} "
                  f"({d['articles_with_brief']} articles)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-1.5b")
    p.add_argument("--stories", type=int, help="only the first N multi-article stories")
    p.add_argument("--words", type=int, default=250)
    p.add_argument("--workspace", type=Path, help="a workspace to use (default: a temporary one, ingested here)")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--front", choices=["cold", "warm", "none"], default="cold",
                   help="front page: from empty caches (default), with the caches the story briefs left, or not at all")
    args = p.parse_args()
    print(f"{'gold':>5} {'story':<10} {'art':>3} {'shr':>5} {'cover':>6} {'attain':>6} {'verif':>6} {'words':>5} "
          f"{'tl':>3} {'cold_s':>7} {'warm_s':>6} {'wc':>3}")
    with tempfile.TemporaryDirectory() as tmp:
        data = run(args.model, args.workspace or Path(tmp) / "ws", args.stories, args.words, args.front)
    report(data)
    if args.json:
        args.json.write_text(json.dumps(data, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
