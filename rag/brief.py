"""The reduce step of a briefing: many articles -> one `Brief` (headline, summary, key points, where
the sources agree and differ, who said what, open questions, numbered sources), as Markdown or JSON.

Facts of the per-article digests (`rag.digest`) are grouped across articles by embedding similarity.
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
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rag import cite
from rag.ask import Assistant
from rag.digest import Digest, cached_reply, digest, overlap
from rag.errors import EmptyIndexError, QuestionError, UnknownSourceError
from rag.extract import body_sentences
from rag.llm import count_messages
from rag.mdsafe import md_safe
from rag.retrieve import retrieve
from rag.store import DocRecord
from rag.types import Source

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is being done)
CLUSTER_SIM = 0.65  # seeds: same-fact paraphrases across outlets 0.66-0.83, different facts <= 0.60
TOPIC_SIM = 0.30  # a fact at least this close to the topic ranks before the others
ALSO_THRESHOLD = 0.9  # an article outside a group is cited only when it holds nearly every word
PAIR_SIM, STRICT_SIM = 0.5, 0.55  # cross-story sentence pairs: each sentence in its closest pair only;
# a pair this close (and sharing a rarer word) may be a difference
KEY_POINTS, PEOPLE, AGREE, ONLY, CONFLICTS, SAID, OPEN, SUMMARY = 6, 2, 4, 3, 4, 6, 4, 3
MODEL_TOKENS, SAFETY_MARGIN = 160, 48
BRIEF_WORDS = 500  # about one page
_CONTRAST = re.compile(r"\b(?:not|no|never|outside|without|refus\w*|reject\w*|den(?:y|ied|ies)|fail\w*|"
                       r"rather than|limited to|exclud\w*|however|but)\b", re.IGNORECASE)


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
class Group:
    """Facts of one or more articles that say the same thing, most important member first."""

    texts: tuple[str, ...]
    doc_ids: tuple[str, ...]
    priority: float


@dataclass(frozen=True)
class _Ctx:
    texts: dict[str, str]  # doc id -> cleaned article text
    number: dict[str, int]  # doc id -> source number
    story: dict[str, str]  # doc id -> story (near-duplicates share one)
    sources: tuple[BriefSource, ...]
    names: frozenset[str]  # words the articles capitalise mid-sentence and never write in lower case


def names_in(texts: Sequence[str]) -> frozenset[str]:
    joined = " ".join(texts)
    lower = set(re.findall(r"\b[a-z][\w'-]*", joined))
    return frozenset(w for w in re.findall(r"(?<=[a-z,;] )[A-Z][\w'-]*", joined) if w.lower() not in lower)


def brief(a: Assistant, topic: str | None = None, doc_ids: Sequence[str] | None = None, words: int = BRIEF_WORDS,
          progress: Progress | None = None) -> Brief:
    """Brief the indexed articles (or those `doc_ids` names, or those about `topic`) in about `words` words."""
    docs = select_documents(a, topic, doc_ids)
    sources = tuple(BriefSource(n, d, r.title, r.publisher, r.date, Path(r.source_path).name)
                    for n, (d, r) in enumerate(docs.items(), 1))
    total, tick = len(docs) + 2, progress or (lambda done, total, label: None)
    digests = []
    for i, s in enumerate(sources):
        tick(i, total, f"digest {s.doc_id}")
        digests.append(digest(a, docs[s.doc_id]))
    tick(len(docs), total, "grouping facts")
    texts = {d: r.text or getattr(a.index.store.get_document(d), "text", "") for d, r in docs.items()}
    ctx = _Ctx(texts, {s.doc_id: s.n for s in sources}, {d: r.cluster for d, r in docs.items()}, sources,
               names_in(list(texts.values())))
    groups = group_facts(digests, a.index.embedder, topic, ctx.story)
    points = [(g, p) for g in groups[: KEY_POINTS + AGREE + 3 * ONLY] if (p := _point(g, ctx))]
    key = tuple(p for _, p in points[:KEY_POINTS])
    key = key[:1] + _people(digests, key, ctx) + key[1:]
    agree = tuple(p for _, p in points if _stories(p, ctx) >= 2)[:AGREE]
    open_ = _open(digests, ctx)
    tick(len(docs) + 1, total, "writing the summary")
    headline, summary = _summarise(a, topic, key, open_, ctx)
    differ = _conflicts(digests, a.index.embedder, ctx) + _only(points, ctx)
    said = tuple(Said(q.speaker, q.said, q.sentence, ctx.number[d.doc_id], d.doc_id,
                      sources[ctx.number[d.doc_id] - 1].outlet) for d in digests for q in d.quotes)[:SAID]
    tick(total, total, "done")
    return fit_words(Brief(headline, topic, summary, key, agree, differ, said, open_, sources), words)


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


def _score(text: str, doc_id: str, ctx: _Ctx) -> float:
    return cite.support(text, ctx.texts[doc_id])[0]


def _supported(text: str, doc_id: str, ctx: _Ctx, threshold: float = cite.SUPPORT_THRESHOLD) -> bool:
    return _score(text, doc_id, ctx) >= threshold


def _point(g: Group, ctx: _Ctx) -> Point | None:
    """The member text found in the most of the group's stories (then: best supported by the weakest
    of them, then the most important), citing each; an article outside the group is cited only when
    it holds nearly every word."""
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
    return _make(text, ids + [d for d in ctx.texts if d not in ids and _supported(text, d, ctx, ALSO_THRESHOLD)], ctx)


def _make(text: str, doc_ids: Sequence[str], ctx: _Ctx, lead: str = "") -> Point:
    ids = sorted(set(doc_ids), key=lambda d: ctx.number[d])
    return Point(" ".join(text.split()), tuple(ctx.number[d] for d in ids), tuple(ids), lead)


def _stories(p: Point, ctx: _Ctx) -> int:
    return len({ctx.story[d] for d in p.doc_ids})


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


def _summarise(a: Assistant, topic: str | None, key: Sequence[Point], open_: Sequence[Point],
               ctx: _Ctx) -> tuple[str, tuple[Point, ...]]:
    """A verified headline and 2-3 verified summary sentences; the top key points when none verify."""
    raw = _ask(a, "summary", [cited(p.text, p.cites) for p in (*key, *open_[:2])],
               topic=f" about {topic}" if topic else "") if key else ""
    head = re.search(r"(?im)^\W*headline\W*:\s*(.+)$", raw)
    body = re.search(r"(?is)\bsummary\W*:\s*(.+)", raw)
    srcs = [Source(s.n, s.doc_id, s.title, ctx.texts[s.doc_id], (f"{s.doc_id}:0",)) for s in ctx.sources]
    summary = [_make(s.text, [ctx.sources[n - 1].doc_id for n in s.citations], ctx)
               for s in (cite.verify(body.group(1).strip(), srcs).sentences if body else ()) if s.citations]
    headline = _clean(head.group(1).strip(" *#")).rstrip(".") if head else ""
    headline = _sentence_case(headline.replace('"', "") if headline.count('"') % 2 else headline, ctx)
    if not (3 <= len(headline.split()) <= 16 and any(_supported(headline, d, ctx) for d in ctx.texts)):
        titles = [s.title for s in sorted(ctx.sources, key=lambda s: -sum(s.n in p.cites for p in key))]
        short = [t.rstrip(".") for t in [p.text for p in key[:1]] + titles if len(t.split()) <= 14]
        headline = short[0] if short else f"Briefing: {topic}" if topic else " ".join(titles[0].split()[:14]) + "..."
    return headline, tuple(summary[:SUMMARY]) or tuple(key[:2])


def _sentence_case(headline: str, ctx: _Ctx) -> str:
    """Title Case words other than names are lowered, so only names are checked as names."""
    words = headline.split()
    return " ".join(words[:1] + [w if w.strip(",:;'\"") in ctx.names else w.lower() for w in words[1:]])


def _conflicts(digests: Sequence[Digest], embedder: object, ctx: _Ctx) -> tuple[Contrast, ...]:
    """Statements on one point that one story makes and another contradicts or limits (see `_pairs`)."""
    if len(set(ctx.story.values())) < 2:
        return ()
    return tuple(c for one, other in _pairs(digests, embedder, ctx) for c in _differ(one, other, ctx))[:CONFLICTS]


def _differ(one: tuple[str, str], other: tuple[str, str], ctx: _Ctx) -> list[Contrast]:
    """The two sides, (doc id, sentence) each, when each is found in its own article and not in the
    other's (else they agree on it)."""
    (d1, t1), (d2, t2) = one, other  # from different stories (see `_pairs`)
    if not (_supported(t1, d1, ctx) and _supported(t2, d2, ctx)):
        return []
    if _supported(t1, d2, ctx) or _supported(t2, d1, ctx):
        return []
    return [Contrast((_make(t1, [d1], ctx), _make(t2, [d2], ctx)))]


def _pairs(digests: Sequence[Digest], embedder: object, ctx: _Ctx) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Closest cross-story sentence pairs where only one side negates or limits something and both
    share a word that not every story uses, best first."""
    rows, words = [], {}
    for d in digests:
        sentences = [s for _, _, s in body_sentences(ctx.texts[d.doc_id], d.title)]
        rows += [(d.doc_id, _with_antecedent(sentences, k)) for k in range(len(sentences))]
        words.setdefault(ctx.story[d.doc_id], set()).update(cite.content_words(ctx.texts[d.doc_id]))
    if len(rows) < 2:
        return []
    common = set.intersection(*words.values())
    v = np.asarray(embedder.embed([s for _, s in rows]))  # type: ignore[attr-defined]
    story = np.array([ctx.story[d] for d, _ in rows])
    neg = np.array([bool(_CONTRAST.search(s)) for _, s in rows])
    sims = np.where((story[:, None] != story[None, :]) & neg[:, None] & ~neg[None, :], v @ v.T, -1.0)
    out, used = [], set()
    for flat in np.argsort(-sims, axis=None):
        i, j = divmod(int(flat), len(rows))
        if sims[i, j] < PAIR_SIM or len(out) >= CONFLICTS:
            break
        if i in used or j in used:
            continue
        used |= {i, j}
        shared = (cite.content_words(rows[i][1]) & cite.content_words(rows[j][1])) - common
        if shared and sims[i, j] >= STRICT_SIM:
            one, other = sorted((rows[i], rows[j]), key=lambda r: ctx.number[r[0]])
            out.append((one, other))
    return out


def _with_antecedent(sentences: Sequence[str], k: int) -> str:
    """The sentence, after the one before it when it opens by pointing back ("This stance...")."""
    if k and re.match(r"(?:However,\s+)?(?:This|These|That|Those|They|It|Such)\b", sentences[k]):
        return f"{sentences[k - 1]} {sentences[k]}"
    return sentences[k]


def _clean(side: str) -> str:
    side = cite.strip_markers(side).strip()
    if len(side) > 2 and side[0] == side[-1] == '"':
        side = side[1:-1].strip()
    return side if re.search(r"[.!?]$", side) else side + "."


# deterministic parts ---------------------------------------------------------------------------
def _only(points: Sequence[tuple[Group, Point]], ctx: _Ctx) -> tuple[Contrast, ...]:
    """Notable facts a single story reports and no other article supports."""
    out = []
    for g, p in points if len(set(ctx.story.values())) > 1 else ():
        own = ctx.story[p.doc_ids[0]]
        if {ctx.story[d] for d in (*g.doc_ids, *p.doc_ids)} == {own} and not any(
                _supported(p.text, d, ctx) for d in ctx.texts if ctx.story[d] != own):
            first = p.text.split()[0] if p.text.split() else ""
            text = p.text if first in ctx.names or first.isupper() else p.text[:1].lower() + p.text[1:]
            lead = f"Only {ctx.sources[p.cites[0] - 1].outlet} reports that"
            out.append(Contrast((replace(p, text=text, lead=lead),)))
    return tuple(out[:ONLY])


def _people(digests: Sequence[Digest], shown: Sequence[Point], ctx: _Ctx) -> tuple[Point, ...]:
    """Who took part: for people the articles name with a role but `shown` leaves out, the sentence
    that names them (one sentence may name several)."""
    named, out = " ".join(p.text for p in shown).lower(), []
    for d in digests:
        for person in d.people:
            if len(out) < PEOPLE and not re.search(rf"\b{re.escape(person.name.split()[-1].lower())}\b", named):
                also = [x for x in ctx.texts if x != d.doc_id and _supported(person.sentence, x, ctx, ALSO_THRESHOLD)]
                out.append(_make(person.sentence, [d.doc_id, *also], ctx))
                named += " " + person.sentence.lower()
    return tuple(out)


def _open(digests: Sequence[Digest], ctx: _Ctx) -> tuple[Point, ...]:
    out: list[Point] = []
    for d in digests:
        out += [_make(s, [d.doc_id], ctx) for s in d.open_questions if not any(overlap(s, p.text) > 0.6 for p in out)]
    return tuple(out[:OPEN])


# output ----------------------------------------------------------------------------------------
def cited(text: str, cites: Sequence[int]) -> str:
    """`text` with [n] markers before its final full stop."""
    marks = "".join(f"[{n}]" for n in cites)
    if not marks:
        return text
    return f"{text[:-1]} {marks}{text[-1]}" if re.search(r"[\w)%\"'][.!?]$", text) else f"{text} {marks}"


def render_markdown(b: Brief, with_sources: bool = True, safe: bool = True) -> str:
    """The brief as Markdown; `safe`: escaped as the chat escapes it (rag.mdsafe), so no raw HTML
    from an article reaches a viewer of the downloaded file."""
    lines = [f"# {_line(b.headline)}", ""]
    lines += [f"_{len(b.sources)} sources" + (f"; topic: {_line(b.topic)}" if b.topic else "") + "_", ""]
    lines += ["## Summary", "", " ".join(cited(_line(p.text), p.cites) for p in b.summary) or "Nothing verified.", ""]
    lines += _section("Key points", [cited(_line(p.text), p.cites) for p in b.key_points])
    lines += _section("Where the sources agree", [cited(_line(p.text), p.cites) + f" ({len(p.cites)} of "
                                                  f"{len(b.sources)} sources)" for p in b.agree])
    lines += _section("Where the sources differ", [" ".join(
        (f"{p.lead} " if p.lead else f"{b.sources[p.cites[0] - 1].outlet} reports: ") + cited(_line(p.text), p.cites)
        for p in c.sides) for c in b.differ])
    lines += _section("Who said what", [f'**{_line(s.speaker)}** ({_line(s.outlet)}): "{_line(s.said)}" [{s.cite}]'
                                        for s in b.said])
    lines += _section("Open questions", [cited(_line(p.text), p.cites) for p in b.open_questions])
    if with_sources:
        lines += ["## Sources", ""] + [f"- [{s.n}] {_line(s.title)}"
                                       + "".join(f" - {_line(x)}" for x in (s.publisher, s.date) if x)
                                       + f" (`{s.doc_id}`, {s.file})" for s in b.sources] + [""]
    return md_safe("\n".join(lines)) if safe else "\n".join(lines)


def _section(title: str, items: Sequence[str]) -> list[str]:
    return [f"## {title}", ""] + ([f"- {x}" for x in items] or ["None found."]) + [""]


def _line(text: str | None) -> str:
    return " ".join(str(text or "").replace("#", "").split())


def to_json(b: Brief) -> dict:
    total, verified = sentence_counts(b)
    return {**asdict(b), "cited_doc_ids": list(cited_doc_ids(b)), "sentences": total,
            "verified_sentences": verified, "words": word_count(b)}


def word_count(b: Brief) -> int:
    """Words of the Markdown brief, not counting citation markers or the sources list."""
    return len(re.findall(r"[A-Za-z0-9][\w'.-]*", cite.strip_markers(render_markdown(b, with_sources=False, safe=False))))


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
    return tuple(sorted({d for p in _points(b) for d in p.doc_ids} | {s.doc_id for s in b.said}))


def sentence_counts(b: Brief) -> tuple[int, int]:
    """(sentences shown, sentences carrying a verified citation); every shown citation is verified."""
    points = _points(b)
    return len(points) + len(b.said), sum(bool(p.cites) for p in points) + sum(bool(s.cite) for s in b.said)
