"""The reduce step of a briefing: many articles -> one `Brief` (headline, summary, key points, where
the sources agree and differ, who said what, open questions, numbered sources), as Markdown or JSON.

Facts of the per-article digests (`rag.briefing.digest`) are grouped across articles by embedding similarity.
A point cites every article whose text supports it (`cite.support`); a sentence whose citation does
not check out is dropped, never shown as cited. The model writes only the headline and summary; they
are verified the same way and cached like the digests, so a repeated briefing calls no model.
Differences are found without the model: close sentence pairs from different stories where one side
negates or limits what the other says, kept only when each side is in its own article and not in the
other's. (The 1.5B model, asked for differences, paired identical facts; none survived checking.)

Does not decide what is true: "agree" means close in meaning and found in each cited article; a
difference is two statements on one point that each article makes and the other does not.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rag.answer import cite
from rag.answer.assistant import Assistant
from rag.backends.llm import SAFETY_MARGIN, count_messages
from rag.briefing import since as since_
from rag.briefing.contrast import clean as clean_side
from rag.briefing.contrast import conflicts, only
from rag.briefing.digest import Digest, digest
from rag.briefing.evidence import Ctx, Group, make, names_in, score, stories, supported
from rag.briefing.render import render_markdown
from rag.briefing.replies import cached_reply
from rag.briefing.timeline import coverage, timeline
from rag.core.errors import QuestionError
from rag.core.types import Brief, BriefSource, DocRecord, Point, Said, Source
from rag.retrieval.retrieve import retrieve
from rag.text.markers import place_markers, strip_markers
from rag.text.words import overlap

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is being done)
CLUSTER_SIM = 0.65  # seeds: same-fact paraphrases across outlets 0.66-0.83, different facts <= 0.60
TOPIC_SIM = 0.30  # a fact at least this close to the topic ranks before the others
ALSO_THRESHOLD = 0.9  # an article outside a group is cited only when it holds nearly every word
KEY_POINTS, PEOPLE, AGREE, SAID, OPEN, SUMMARY = 6, 2, 4, 6, 4, 3
ONLY_SLOTS = 3  # facts that only one story reports, considered for "where the sources differ"
MODEL_TOKENS = 160
SAME_AS_SUMMARY = 0.8  # a key point the summary already says (word overlap) is not shown twice: at 250 words a
# repeated point costs the room of another (the fallback summary is the first key points verbatim)
BRIEF_WORDS = 500  # about one page


def brief(a: Assistant, docs: dict[str, DocRecord] | None = None, topic: str | None = None,
          words: int = BRIEF_WORDS, progress: Progress | None = None, since: str | None = None,
          story: str | None = None) -> Brief:
    """Brief `docs` (default: every indexed article), or those of them about `topic`, in about `words`
    words. With `since` (ISO date), only articles dated on or after it lead; older ones are background
    (rag.briefing.since). The caller (rag.desk) has checked the selection: known ids, not empty, and
    with `since`, at least one article new."""
    docs = select_documents(a, topic, a.index.documents() if docs is None else docs)
    sources = tuple(BriefSource(n, d, r.title, r.publisher, r.date, Path(r.source_path).name)
                    for n, (d, r) in enumerate(docs.items(), 1))
    total, tick = len(docs) + 2, progress or (lambda done, total, label: None)
    digests = []
    for i, s in enumerate(sources):
        tick(i, total, f"digest {s.doc_id}")
        digests.append(digest(a, docs[s.doc_id]))
    tick(len(docs), total, "grouping facts")
    texts = {d: r.text or getattr(a.index.store.get_document(d), "text", "") for d, r in docs.items()}
    ctx = Ctx(texts, {s.doc_id: s.n for s in sources}, {d: r.cluster for d, r in docs.items()}, sources,
               names_in(list(texts.values())), {d: r.date[:10] if r.date else None for d, r in docs.items()})
    lead = [g for g in digests if since_.is_new(docs[g.doc_id], since)]
    older = [g for g in digests if g not in lead]
    groups = group_facts(lead, a.index.embedder, topic, ctx.story)
    points = [(g, p) for g in groups[: KEY_POINTS + AGREE + 3 * ONLY_SLOTS] if (p := _point(g, ctx))]
    moved: list[Point] = []
    if since:
        kept, moved = since_.already_reported([p for _, p in points], [g.doc_id for g in older], ctx)
        points = [(g, p) for g, p in points if p in kept]
    key = tuple(p for _, p in points[:KEY_POINTS])
    key = key[:1] + _people(lead, key, ctx) + key[1:]
    agree = tuple(p for _, p in points if stories(p, ctx) >= 2)[:AGREE]
    open_ = _open(lead, ctx)
    tick(len(docs) + 1, total, "writing the summary")
    headline, summary = _summarise(a, topic, key, open_, ctx)
    outlets, firsts = coverage(ctx, key)
    key = tuple(p for p in key if not any(overlap(p.text, x.text) > SAME_AS_SUMMARY for x in summary)) or key
    differ = conflicts(lead, a.index.embedder, ctx) + only(points, ctx)
    said = tuple(Said(q.speaker, q.said, q.sentence, ctx.number[d.doc_id], d.doc_id,
                      sources[ctx.number[d.doc_id] - 1].outlet) for d in lead for q in d.quotes)[:SAID]
    events, undated = timeline(digests, ctx)
    earlier = since_.background(older, moved, ctx) if since else ()
    tick(total, total, "done")
    return fit_words(Brief(headline, topic, summary, key, agree, differ, said, open_, sources, events, undated,
                           outlets, firsts, earlier, since, story), words)


def select_documents(a: Assistant, topic: str | None, docs: dict[str, DocRecord]) -> dict[str, DocRecord]:
    """The articles of `docs` to brief: all of them, or those retrieval finds about `topic`."""
    if topic is not None:
        if not topic.strip():
            raise QuestionError("the topic is empty; give a few words about the story, or leave out --topic")
        hits = retrieve(a.index, topic, max(2 * a.settings.k, 12), list(docs))
        floor = a.settings.min_relevance
        found = [h.chunk.doc_id for h in hits if (h.similarity or 0.0) >= floor
                 or (h.lexical_rank is not None and (h.similarity or 0.0) >= floor / 2)]
        if not found:
            raise QuestionError(f"no article is about '{topic}'; try other words, or leave out --topic")
        docs = {d: docs[d] for d in found}
    return dict(sorted(docs.items()))


# grouping ------------------------------------------------------------------------------------
def cluster(vectors: np.ndarray, threshold: float = CLUSTER_SIM) -> list[list[int]]:
    """Greedy average-link clustering of unit vectors, in the given (priority) order."""
    groups: list[list[int]] = []
    for i in range(len(vectors)):
        sims = [float(np.mean(vectors[g] @ vectors[i])) for g in groups]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            groups[best].append(i)
        else:
            groups.append([i])
    return groups


def group_facts(digests: Sequence[Digest], embedder: object, topic: str | None = None,
                story: dict[str, str] | None = None) -> list[Group]:
    """The digests' facts grouped across articles, most important group first: reported by more
    stories, ranked higher by each article; with a topic, groups close to it come first."""
    story = story or {}
    facts = sorted(((i, d.doc_id, f.text) for d in digests for i, f in enumerate(d.facts)), key=lambda x: x[0])
    if not facts:
        return []
    texts = [t for _, _, t in facts] + ([topic] if topic else [])
    vecs = np.asarray(embedder.embed(texts))  # type: ignore[attr-defined]
    out = []
    for members in cluster(vecs[: len(facts)]):
        docs = list(dict.fromkeys(facts[m][1] for m in members))
        rank = {d: min(facts[m][0] for m in members if facts[m][1] == d) for d in docs}
        priority = len({story.get(d, d) for d in docs}) + sum(1 / (1 + r) for r in rank.values())
        if topic:
            rel = float(max(vecs[m] @ vecs[-1] for m in members))
            priority = priority * (0.5 + rel) + (100 if rel >= TOPIC_SIM else 0)
        out.append(Group(tuple(facts[m][2] for m in members), tuple(docs), priority))
    return sorted(out, key=lambda g: -g.priority)


# the model's parts ---------------------------------------------------------------------------
def _ask(a: Assistant, kind: str, items: Sequence[str], **fields: str) -> str:
    """The reply to prompts brief_<kind>_*.txt whose {facts} lists the leading `items` that fit."""
    system, user = a.prompts.text(f"brief_{kind}_system"), f"brief_{kind}_user"
    frame = [{"role": "system", "content": system},
             {"role": "user", "content": a.prompts.render(user, facts="", **fields)}]
    budget = a.llm.n_ctx - MODEL_TOKENS - SAFETY_MARGIN - count_messages(a.llm, frame)
    kept: list[str] = []
    for item in items:
        budget -= a.llm.count_tokens(item) + 1
        if budget < 0:
            break
        kept.append(item)
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": a.prompts.render(user, facts="\n".join(kept), **fields)}]
    return cached_reply(a, kind, messages, MODEL_TOKENS, max_lines=8).text


def _point(g: Group, ctx: Ctx) -> Point | None:
    """The member text found in the most of the group's stories (then: best supported by the weakest
    of them, then the most important), citing each; an article outside the group is cited only when
    it holds nearly every word."""
    best: tuple[int, float] = (0, 0.0)
    text, ids = "", []
    for t in g.texts:
        scores = {d: score(t, d, ctx) for d in g.doc_ids}
        ok = [d for d in g.doc_ids if scores[d] >= cite.SUPPORT_THRESHOLD]
        rank = (len({ctx.story[d] for d in ok}), min((scores[d] for d in ok), default=0.0))
        if rank > best:
            best, text, ids = rank, t, ok
    if not ids:
        return None
    return make(text, ids + [d for d in ctx.texts if d not in ids and supported(text, d, ctx, ALSO_THRESHOLD)], ctx)


def _summarise(a: Assistant, topic: str | None, key: Sequence[Point], open_: Sequence[Point],
               ctx: Ctx) -> tuple[str, tuple[Point, ...]]:
    """A verified headline and 2-3 verified summary sentences; the top key points when none verify."""
    raw = _ask(a, "summary", [place_markers(p.text, p.cites) for p in (*key, *open_[:2])],
               topic=f" about {topic}" if topic else "") if key else ""
    head = re.search(r"(?im)^\W*headline\W*:\s*(.+)$", raw)
    body = re.search(r"(?is)\bsummary\W*:\s*(.+)", raw)
    srcs = [Source(s.n, s.doc_id, s.title, ctx.texts[s.doc_id], (f"{s.doc_id}:0",)) for s in ctx.sources]
    summary = [make(s.text, [ctx.sources[n - 1].doc_id for n in s.citations], ctx)
               for s in (cite.verify(body.group(1).strip(), srcs).sentences if body else ()) if s.citations]
    headline = clean_side(head.group(1).strip(" *#")).rstrip(".") if head else ""
    headline = _sentence_case(headline.replace('"', "") if headline.count('"') % 2 else headline, ctx)
    if not (3 <= len(headline.split()) <= 16 and any(supported(headline, d, ctx) for d in ctx.texts)):
        titles = [s.title for s in sorted(ctx.sources, key=lambda s: -sum(s.n in p.cites for p in key))]
        short = [t.rstrip(".") for t in [p.text for p in key[:1]] + titles if len(t.split()) <= 14]
        headline = short[0] if short else f"Briefing: {topic}" if topic else " ".join(titles[0].split()[:14]) + "..."
    return headline, tuple(summary[:SUMMARY]) or tuple(key[:2])


def _sentence_case(headline: str, ctx: Ctx) -> str:
    """Title Case words other than names are lowered, so only names are checked as names."""
    words = headline.split()
    return " ".join(words[:1] + [w if w.strip(",:;'\"") in ctx.names else w.lower() for w in words[1:]])


# deterministic parts ---------------------------------------------------------------------------
def _people(digests: Sequence[Digest], shown: Sequence[Point], ctx: Ctx) -> tuple[Point, ...]:
    """Who took part: for people the articles name with a role but `shown` leaves out, the sentence
    that names them (one sentence may name several)."""
    named, out = " ".join(p.text for p in shown).lower(), []
    for d in digests:
        for person in d.people:
            if len(out) < PEOPLE and not re.search(rf"\b{re.escape(person.name.split()[-1].lower())}\b", named):
                also = [x for x in ctx.texts if x != d.doc_id and supported(person.sentence, x, ctx, ALSO_THRESHOLD)]
                out.append(make(person.sentence, [d.doc_id, *also], ctx))
                named += " " + person.sentence.lower()
    return tuple(out)


def _open(digests: Sequence[Digest], ctx: Ctx) -> tuple[Point, ...]:
    out: list[Point] = []
    for d in digests:
        out += [make(s, [d.doc_id], ctx) for s in d.open_questions if not any(overlap(s, p.text) > 0.6 for p in out)]
    return tuple(out[:OPEN])


def to_json(b: Brief) -> dict:
    total, verified = sentence_counts(b)
    return {**asdict(b), "cited_doc_ids": list(cited_doc_ids(b)), "sentences": total,
            "verified_sentences": verified, "words": word_count(b)}


def word_count(b: Brief) -> int:
    """Words of the Markdown brief, not counting citation markers or the sources list."""
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", strip_markers(render_markdown(b, with_sources=False, safe=False))))


_TRIM = (("differ", 2), ("agree", 2), ("said", 3), ("open_questions", 2), ("firsts", 1), ("timeline", 4),
         ("earlier", 2), ("key_points", 3), ("differ", 1), ("agree", 1), ("said", 1), ("open_questions", 1),
         ("timeline", 2), ("earlier", 1), ("summary", 1), ("key_points", 1), ("differ", 0), ("agree", 0),
         ("said", 0), ("open_questions", 0), ("firsts", 0), ("timeline", 0), ("earlier", 0))


def fit_words(b: Brief, words: int) -> Brief:
    """Drop the lowest-priority items until the brief has at most `words` words (or nothing is left to drop)."""
    for name, keep in _TRIM:
        while word_count(b) > words and len(getattr(b, name)) > keep:
            b = replace(b, **{name: getattr(b, name)[:-1]})
    return b


def _points(b: Brief) -> list[Point]:
    return [*b.summary, *b.key_points, *b.earlier, *(e.point for e in b.timeline), *b.agree,
            *(p for c in b.differ for p in c.sides), *b.open_questions]


def cited_doc_ids(b: Brief) -> tuple[str, ...]:
    return tuple(sorted({d for p in _points(b) for d in p.doc_ids} | {s.doc_id for s in b.said}))


def sentence_counts(b: Brief) -> tuple[int, int]:
    """(sentences shown, sentences carrying a verified citation); every shown citation is verified."""
    points = _points(b)
    return len(points) + len(b.said), sum(bool(p.cites) for p in points) + sum(bool(s.cite) for s in b.said)
