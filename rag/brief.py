"""The reduce step of a briefing: many articles -> one `Brief` (headline, summary, key points, where
the sources agree and differ, who said what, open questions, numbered sources), as Markdown or JSON.

Facts of the per-article digests (`rag.digest`) are grouped across articles by embedding similarity.
A point cites every article whose text supports it (`cite.support`); a sentence whose citation does
not check out is dropped, never shown as cited. The two model calls (summary, differences) are
verified the same way and cached on disk like the digests, so a repeated briefing calls no model.

Does not decide what is true: "agree" means close in meaning and found in each cited article, and
a model-proposed difference is kept when each side is found in its own article, not when it is a
real contradiction (that is the model's judgement).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rag import cite
from rag.ask import Assistant
from rag.digest import Digest, body_sentences, digest, generate, overlap
from rag.errors import EmptyIndexError, LLMError, QuestionError, UnknownSourceError
from rag.llm import count_messages
from rag.retrieve import retrieve
from rag.store import DocRecord
from rag.types import Source

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is being done)
CLUSTER_SIM = 0.65  # seeds: same-fact paraphrases across outlets 0.66-0.83, different facts <= 0.60
TOPIC_SIM = 0.30  # a fact at least this close to the topic ranks before the others
ALSO_THRESHOLD = 0.9  # an article outside a group is cited only when it holds nearly every word
PAIR_SIM, PAIRS, PARA_WORDS = 0.6, 4, 90  # paragraph pairs shown to the model as likely differences
KEY_POINTS, AGREE, ONLY, CONFLICTS, SAID, OPEN, SUMMARY = 6, 4, 3, 3, 6, 4, 3
MODEL_TOKENS, SAFETY_MARGIN, FORMAT = 160, 48, "brief-1"
_CONTRAST = re.compile(r"\b(?:not|no|never|outside|without|refus\w*|reject\w*|den(?:y|ied|ies)|fail\w*|"
                       r"rather than|limited to|exclud\w*|however|but)\b", re.IGNORECASE)
_SIDES = re.compile(r"\[(\d{1,3})\]\s*(.+?)\s*\|\s*\[(\d{1,3})\]\s*(.+)")
_LOWER_OK = frozenset("the a an this these those both it its there some many most several one two".split())


@dataclass(frozen=True)
class BriefSource:
    n: int
    doc_id: str
    title: str
    publisher: str | None
    date: str | None
    file: str

    @property
    def outlet(self) -> str:
        words = self.title.split()
        return self.publisher or ('"' + " ".join(words[:6]) + ("..." if len(words) > 6 else "") + '"')


@dataclass(frozen=True)
class Point:
    """One shown sentence: `text` was found in every cited source; `lead` is framing, not a claim."""

    text: str
    cites: tuple[int, ...]
    doc_ids: tuple[str, ...]
    lead: str = ""


@dataclass(frozen=True)
class Contrast:
    """One side: only that outlet reports it. Two sides: outlets that say different things."""

    sides: tuple[Point, ...]


@dataclass(frozen=True)
class Said:
    speaker: str
    said: str
    sentence: str
    cite: int
    doc_id: str
    outlet: str


@dataclass(frozen=True)
class Brief:
    headline: str
    topic: str | None
    summary: tuple[Point, ...]
    key_points: tuple[Point, ...]
    agree: tuple[Point, ...]
    differ: tuple[Contrast, ...]
    said: tuple[Said, ...]
    open_questions: tuple[Point, ...]
    sources: tuple[BriefSource, ...]


@dataclass(frozen=True)
class _Group:
    texts: tuple[str, ...]  # members, best-ranked first
    doc_ids: tuple[str, ...]
    priority: float


@dataclass
class _Ctx:
    texts: dict[str, str]  # doc id -> cleaned article text
    number: dict[str, int]
    story: dict[str, str]  # doc id -> story (near-duplicates share one)


def brief(a: Assistant, topic: str | None = None, doc_ids: Sequence[str] | None = None, words: int = 400,
          progress: Progress | None = None) -> Brief:
    """Brief the indexed articles (or those `doc_ids` names, or those about `topic`) in about `words` words."""
    docs = select_documents(a, topic, doc_ids)
    sources = tuple(BriefSource(n, d, r.title, r.publisher, r.date, Path(r.source_path).name)
                    for n, (d, r) in enumerate(docs.items(), 1))
    total, tick = len(docs) + 3, progress or (lambda done, total, label: None)
    digests = []
    for i, s in enumerate(sources):
        tick(i, total, f"digest {s.doc_id}")
        digests.append(digest(a, docs[s.doc_id]))
    tick(len(docs), total, "grouping facts")
    ctx = _Ctx({d: _text(a, r) for d, r in docs.items()}, {s.doc_id: s.n for s in sources},
               {d: r.cluster for d, r in docs.items()})
    groups = group_facts(digests, a.index.embedder, topic, {d: r.cluster for d, r in docs.items()})
    points = [(g, p) for g in groups[: KEY_POINTS + AGREE + 3 * ONLY] if (p := _point(g, ctx))]
    key = tuple(p for _, p in points[:KEY_POINTS])
    agree = tuple(p for _, p in points if _stories(p, ctx) >= 2)[:AGREE]
    tick(len(docs) + 1, total, "writing the summary")
    open_ = _open(digests, ctx)
    headline, summary = _summarise(a, topic, key, open_, sources, ctx)
    tick(len(docs) + 2, total, "finding differences")
    differ = _conflicts(a, digests, ctx) + _only(points, sources, ctx)
    said = tuple(Said(q.speaker, q.said, q.sentence, ctx.number[d.doc_id], d.doc_id, sources[ctx.number[d.doc_id] - 1].outlet)
                 for d in digests for q in d.quotes)[:SAID]
    tick(total, total, "done")
    b = Brief(headline, topic, summary, key, agree, differ, said, open_, sources)
    return fit_words(b, words)


def select_documents(a: Assistant, topic: str | None, doc_ids: Sequence[str] | None) -> dict[str, DocRecord]:
    """The articles to brief, by doc id; raises when there are none or an id is unknown."""
    docs = a.index.documents()
    if not docs:
        raise EmptyIndexError("nothing is ingested yet; run: rag ingest seeds/")
    if doc_ids:
        unknown = [d for d in doc_ids if d not in docs]
        if unknown:
            raise UnknownSourceError(f"unknown doc id {', '.join(unknown)}; known: {', '.join(sorted(docs))}")
        docs = {d: docs[d] for d in doc_ids}
    if topic is not None:
        if not topic.strip():
            raise QuestionError("the topic is empty; give a few words about the story, or leave out --topic")
        hits = retrieve(a.index, topic, max(2 * a.settings.k, 12), list(docs) if doc_ids else None)
        floor = a.settings.min_relevance
        found = [h.chunk.doc_id for h in hits if (h.similarity or 0.0) >= floor
                 or (h.lexical_rank is not None and (h.similarity or 0.0) >= floor / 2)]
        if not found:
            raise QuestionError(f"no article is about '{topic}'; try other words, or leave out --topic")
        docs = {d: docs[d] for d in found}
    return dict(sorted(docs.items()))


def _text(a: Assistant, rec: DocRecord) -> str:
    return rec.text or getattr(a.index.store.get_document(rec.doc_id), "text", "")


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
                story: dict[str, str] | None = None) -> list[_Group]:
    """The digests' facts grouped across articles, most important group first.

    Importance: how many stories report it, then how high each article ranks it; with a topic,
    groups close to the topic come first.
    """
    story = story or {}
    facts = sorted(((i, d.doc_id, f.text) for d in digests for i, f in enumerate(d.facts)), key=lambda x: x[0])
    if not facts:
        return []
    vecs = np.asarray(embedder.embed([t for _, _, t in facts] + ([topic] if topic else [])))  # type: ignore[attr-defined]
    fvecs = vecs[: len(facts)]
    out = []
    for members in cluster(fvecs):
        docs = list(dict.fromkeys(facts[m][1] for m in members))
        stories = {story.get(d, d) for d in docs}
        priority = len(stories) + sum(1 / (1 + min(facts[m][0] for m in members if facts[m][1] == d)) for d in docs)
        if topic:
            rel = float(max(fvecs[m] @ vecs[-1] for m in members))
            priority = priority * (0.5 + rel) + (100 if rel >= TOPIC_SIM else 0)
        out.append(_Group(tuple(facts[m][2] for m in members), tuple(docs), priority))
    return sorted(out, key=lambda g: -g.priority)


def _score(text: str, doc_id: str, ctx: _Ctx) -> float:
    return cite.support(text, ctx.texts[doc_id])[0]


def _supported(text: str, doc_id: str, ctx: _Ctx, threshold: float = cite.SUPPORT_THRESHOLD) -> bool:
    return _score(text, doc_id, ctx) >= threshold


def _point(g: _Group, ctx: _Ctx) -> Point | None:
    """The member text found in the most of the group's stories (then: found best in the weakest of
    them), citing each; an article outside the group is cited only when it holds nearly every word."""
    best: tuple[int, float] = (0, 0.0)
    text, ids = "", []
    for t in g.texts:
        scores = {d: _score(t, d, ctx) for d in g.doc_ids}
        ok = [d for d in g.doc_ids if scores[d] >= cite.SUPPORT_THRESHOLD]
        rank = (len({ctx.story[d] for d in ok}), min((scores[d] for d in ok), default=0.0))
        if rank > best:
            best, text, ids = rank, t, ok
    if not ids:
        return None
    ids += [d for d in ctx.texts if d not in ids and _supported(text, d, ctx, ALSO_THRESHOLD)]
    return _make(text, ids, ctx)


def _make(text: str, doc_ids: Sequence[str], ctx: _Ctx, lead: str = "") -> Point:
    ids = sorted(set(doc_ids), key=lambda d: ctx.number[d])
    return Point(" ".join(text.split()), tuple(ctx.number[d] for d in ids), tuple(ids), lead)


def _stories(p: Point, ctx: _Ctx) -> int:
    return len({ctx.story[d] for d in p.doc_ids})


# the model's parts: summary and differences ----------------------------------------------------
def _summarise(a: Assistant, topic: str | None, key: Sequence[Point], open_: Sequence[Point],
               sources: Sequence[BriefSource], ctx: _Ctx) -> tuple[str, tuple[Point, ...]]:
    """A verified headline and 2-3 verified summary sentences; the top key points when none verify."""
    rows = [cited(p.text, p.cites) for p in (*key, *open_[:2])]
    raw = _complete(a, "summary", "facts", rows, topic=f" about {topic}" if topic else "") if key else ""
    head = re.search(r"(?im)^\W*headline\W*:\s*(.+)$", raw)
    body = re.search(r"(?is)\bsummary\W*:\s*(.+)", raw)
    srcs = [Source(s.n, s.doc_id, s.title, ctx.texts[s.doc_id], (f"{s.doc_id}:0",)) for s in sources]
    summary = [_make(s.text, [sources[n - 1].doc_id for n in s.citations], ctx)
               for s in (cite.verify(body.group(1).strip(), srcs).sentences if body else ()) if s.citations]
    headline = cite.strip_markers(head.group(1)).strip(" *\"'.") if head else ""
    if not (3 <= len(headline.split()) <= 16 and any(_supported(_sentence_case(headline, ctx), d, ctx) for d in ctx.texts)):
        counts = {s.n: sum(s.n in p.cites for p in key) for s in sources}
        headline = f"Briefing: {topic}" if topic else sources[max(counts, key=lambda n: (counts[n], -n)) - 1].title
    return headline, tuple(summary[:SUMMARY]) or tuple(key[:2])


def _sentence_case(headline: str, ctx: _Ctx) -> str:
    """Title Case words the articles use in lower case are lowered, so they are not checked as names."""
    lower = set(re.findall(r"\b[a-z][a-z'-]+", " ".join(ctx.texts.values())))
    words = headline.split()
    return " ".join(words[:1] + [w.lower() if w.lower().strip(",:;'\"") in lower else w for w in words[1:]])


def _conflicts(a: Assistant, digests: Sequence[Digest], ctx: _Ctx) -> tuple[Contrast, ...]:
    """Differences the model finds in pairs of passages, each side kept only when found in its article.

    The pairs: a paragraph that negates or limits something, and the closest paragraph of another
    story (where outlets tend to diverge).
    """
    pairs = _pairs(digests, a.index.embedder, ctx)
    shown = [f"Pair {i}:\n[{n1}] {p1}\n[{n2}] {p2}" for i, ((n1, p1), (n2, p2)) in enumerate(pairs, 1)]
    raw = _complete(a, "differ", "pairs", shown) if shown else ""
    by_n = {n: d for d, n in ctx.number.items()}
    out: list[Contrast] = []
    for m in (_SIDES.search(line) for line in raw.splitlines()):
        if not m or len(out) >= CONFLICTS:
            continue
        (n1, t1), (n2, t2) = (int(m.group(1)), _clean(m.group(2))), (int(m.group(3)), _clean(m.group(4)))
        if n1 not in by_n or n2 not in by_n or ctx.story[by_n[n1]] == ctx.story[by_n[n2]] or overlap(t1, t2) > 0.8:
            continue
        if _supported(t1, by_n[n1], ctx) and _supported(t2, by_n[n2], ctx):
            out.append(Contrast((_make(t1, [by_n[n1]], ctx), _make(t2, [by_n[n2]], ctx))))
    return tuple(out)


def _pairs(digests: Sequence[Digest], embedder: object, ctx: _Ctx) -> list[tuple[tuple[int, str], tuple[int, str]]]:
    """Up to PAIRS (negating paragraph, closest paragraph of another story), closest first."""
    rows: list[tuple[str, str]] = []
    for d in digests:
        paras: dict[int, list[str]] = {}
        for p, _, sentence in body_sentences(ctx.texts[d.doc_id], d.title):
            paras.setdefault(p, []).append(sentence)
        rows += [(d.doc_id, " ".join(" ".join(v).split()[:PARA_WORDS])) for v in paras.values()]
    if len(rows) < 2:
        return []
    v = np.asarray(embedder.embed([t for _, t in rows]))  # type: ignore[attr-defined]
    story = np.array([ctx.story[d] for d, _ in rows])
    negates = np.array([bool(_CONTRAST.search(t)) for _, t in rows])
    sims = np.where((story[:, None] != story[None, :]) & negates[:, None], v @ v.T, -1.0)
    out, used, seen = [], set(), set()
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(rows))
        if sims[i, j] < PAIR_SIM or len(out) >= PAIRS:
            break
        if i not in used and frozenset((i, j)) not in seen:
            used.add(i)
            seen.add(frozenset((i, j)))
            first, second = sorted((i, j), key=lambda k: ctx.number[rows[k][0]])
            out.append(((ctx.number[rows[first][0]], rows[first][1]), (ctx.number[rows[second][0]], rows[second][1])))
    return out


def _clean(side: str) -> str:
    side = cite.strip_markers(side).strip()
    if len(side) > 2 and side[0] == side[-1] == '"':
        side = side[1:-1].strip()
    return side if re.search(r"[.!?]$", side) else side + "."


def _complete(a: Assistant, kind: str, field: str, items: Sequence[str], **fields: str) -> str:
    """One cached call with prompts brief_<kind>_*.txt, `field` listing the leading `items` that fit
    the context. The same prompt to the same model reuses the stored reply."""
    user = f"brief_{kind}_user"
    messages = [{"role": "system", "content": a.prompts.text(f"brief_{kind}_system")},
                {"role": "user", "content": a.prompts.render(user, **{field: ""}, **fields)}]
    budget = a.llm.n_ctx - MODEL_TOKENS - SAFETY_MARGIN - count_messages(a.llm, messages)
    kept: list[str] = []
    for item in items:
        budget -= a.llm.count_tokens(item) + 1
        if budget < 0:
            break
        kept.append(item)
    messages[1]["content"] = a.prompts.render(user, **{field: "\n".join(kept)}, **fields)
    key = hashlib.sha256(json.dumps([FORMAT, a.llm.name, a.settings.temperature, messages]).encode()).hexdigest()
    path = a.settings.cache_dir / "briefs" / f"{kind}-{key[:16]}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["text"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        raw, _ = generate(a, messages, MODEL_TOKENS, max_lines=8)
    except LLMError as e:
        log.warning("the %s step goes on without the model: %s", kind, e)
        return ""
    if a.llm.last.truncated != "timeout":  # a reply cut by the clock is asked again next time
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"text": raw}), encoding="utf-8")
        except OSError as e:
            log.warning("cannot cache the %s reply: %s", kind, e)
    return raw


# deterministic parts ---------------------------------------------------------------------------
def _only(points: Sequence[tuple[_Group, Point]], sources: Sequence[BriefSource], ctx: _Ctx) -> tuple[Contrast, ...]:
    """Notable facts a single story reports and no other article supports."""
    if len(set(ctx.story.values())) < 2:
        return ()
    out = []
    for g, p in points:
        if len({ctx.story[d] for d in g.doc_ids}) == 1 and _stories(p, ctx) == 1 and not any(
                _supported(p.text, d, ctx) for d in ctx.texts if ctx.story[d] != ctx.story[p.doc_ids[0]]):
            outlet = sources[p.cites[0] - 1].outlet
            out.append(Contrast((replace(p, text=_lower_first(p.text), lead=f"Only {outlet} reports that"),)))
    return tuple(out[:ONLY])


def _lower_first(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    return text[0].lower() + text[1:] if first.lower() in _LOWER_OK else text


def _open(digests: Sequence[Digest], ctx: _Ctx) -> tuple[Point, ...]:
    out: list[Point] = []
    for d in digests:
        for s in d.open_questions:
            if not any(overlap(s, p.text) > 0.6 for p in out):
                out.append(_make(s, [d.doc_id], ctx))
    return tuple(out[:OPEN])


# output ----------------------------------------------------------------------------------------
def cited(text: str, cites: Sequence[int]) -> str:
    """`text` with [n] markers before its final full stop."""
    marks = "".join(f"[{n}]" for n in cites)
    if not marks:
        return text
    return f"{text[:-1]} {marks}{text[-1]}" if re.search(r"[\w)%\"'][.!?]$", text) else f"{text} {marks}"


def render_markdown(b: Brief, with_sources: bool = True) -> str:
    lines = [f"# {_line(b.headline)}", ""]
    lines += [f"_{len(b.sources)} sources" + (f"; topic: {_line(b.topic)}" if b.topic else "") + "_", ""]
    lines += ["## Summary", "", " ".join(cited(_line(p.text), p.cites) for p in b.summary) or "Nothing verified.", ""]
    lines += _section("Key points", [cited(_line(p.text), p.cites) for p in b.key_points])
    lines += _section("Where the sources agree", [cited(_line(p.text), p.cites) + f" ({len(p.cites)} of "
                                                  f"{len(b.sources)} sources)" for p in b.agree])
    lines += _section("Where the sources differ", [_contrast(c, b) for c in b.differ])
    lines += _section("Who said what", [f'**{_line(s.speaker)}** ({_line(s.outlet)}): "{_line(s.said)}" [{s.cite}]'
                                        for s in b.said])
    lines += _section("Open questions", [cited(_line(p.text), p.cites) for p in b.open_questions])
    if with_sources:
        lines += ["## Sources", ""] + [f"{s.n}. [{s.n}] {_line(s.title)}"
                                       + "".join(f" - {_line(x)}" for x in (s.publisher, s.date) if x)
                                       + f" (`{s.doc_id}`, {s.file})" for s in b.sources] + [""]
    return "\n".join(lines)


def _section(title: str, items: Sequence[str]) -> list[str]:
    return [f"## {title}", ""] + ([f"- {x}" for x in items] or ["None found."]) + [""]


def _contrast(c: Contrast, b: Brief) -> str:
    if len(c.sides) == 1:
        return f"{c.sides[0].lead} {cited(_line(c.sides[0].text), c.sides[0].cites)}".strip()
    return " ".join(f"{b.sources[p.cites[0] - 1].outlet} reports: {cited(_line(p.text), p.cites)}" for p in c.sides)


def _line(text: str | None) -> str:
    return " ".join(str(text or "").replace("#", "").split())


def to_json(b: Brief) -> dict:
    total, verified = sentence_counts(b)
    return {**asdict(b), "cited_doc_ids": list(cited_doc_ids(b)), "sentences": total,
            "verified_sentences": verified, "words": word_count(b)}


def word_count(b: Brief) -> int:
    """Words of the Markdown brief, not counting citation markers or the sources list."""
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", cite.strip_markers(render_markdown(b, with_sources=False))))


_TRIM = (("differ", 2), ("agree", 2), ("said", 3), ("open_questions", 2), ("key_points", 3), ("differ", 1),
         ("agree", 1), ("said", 1), ("open_questions", 1), ("summary", 1), ("key_points", 1), ("differ", 0),
         ("agree", 0), ("said", 0), ("open_questions", 0))


def fit_words(b: Brief, words: int) -> Brief:
    """Drop the lowest-priority items until the brief has at most `words` words (or nothing is left to drop)."""
    for name, keep in _TRIM:
        while word_count(b) > words and len(getattr(b, name)) > keep:
            b = replace(b, **{name: getattr(b, name)[:-1]})
    return b


def _points(b: Brief) -> list[Point]:
    return [*b.summary, *b.key_points, *b.agree, *(p for c in b.differ for p in c.sides), *b.open_questions]


def cited_doc_ids(b: Brief) -> tuple[str, ...]:
    ids = {d for p in _points(b) for d in p.doc_ids} | {s.doc_id for s in b.said}
    return tuple(sorted(ids))


def sentence_counts(b: Brief) -> tuple[int, int]:
    """(sentences shown, sentences carrying a verified citation); every shown citation is verified."""
    points = _points(b)
    return len(points) + len(b.said), sum(bool(p.cites) for p in points) + sum(bool(s.cite) for s in b.said)
