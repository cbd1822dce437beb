"""The map step of a briefing: one article -> a `Digest` of verified key facts, attributed quotes and
open questions, cached on disk; also the single-article summary (`rag summarize`).

Key facts come from the chat model (prompts/digest_*.txt) and are kept only when `cite.support`
finds them in the article, each with its best supporting sentence. When the model yields too few,
the article's most informative sentences fill in, so a digest always holds grounded facts. Quotes
("who said what") and open questions are found by regular expressions, without the model.

Does not compare articles (see `rag.brief`) and does not judge meaning: support is lexical, so a
fact that negates the sentence it was drawn from can still pass.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag import cite
from rag.ask import Assistant
from rag.context import fence
from rag.errors import EmptyIndexError, LLMError, UnknownSourceError
from rag.extract import ENDS, Person, Quote, body_sentences, find_open_questions, find_people, find_quotes
from rag.llm import count_messages
from rag.store import DocRecord

log = logging.getLogger(__name__)

PROMPTS = ("digest_system", "digest_user")
FORMAT = "digest-5"  # bump when extraction code changes, so cached digests are rebuilt
MAX_FACTS, MIN_FACTS = 6, 3
FACT_THRESHOLD = 0.75  # stricter than a citation: a digest fact is reused across the whole brief
MAX_TOKENS = 160
SAFETY_MARGIN = 48

_SUBJECT = re.compile(r"(?:(?:[A-Z][\w'.-]*|special|foreign|prime|deputy|senior|chief|envoy|minister|president|"
                      r"secretary|spokes(?:man|woman|person)|of)\s+)*(?P<head>[A-Z][\w'-]+)\s+(?=[a-z])")
_PRONOUN = re.compile(r"(?:\w+,?\s+)?(?:he|she|they)\b", re.IGNORECASE)
_SUMMARY_ASK = re.compile(r"\b(?:summar(?:y|ies|i[sz]e|i[sz]ing)|tl;?dr|sum up|gist|digest)\b", re.IGNORECASE)
_REQUEST_WORDS = frozenset("summary summarize summarise summarizing summarising tldr sum gist digest article "
                           "articles story piece please give write short publisher".split())


@dataclass(frozen=True)
class Fact:
    """A key fact, `quote` being the article sentence(s) that support it (score from `cite.support`)."""

    text: str
    quote: str
    score: float
    origin: str  # "model" | "extract"


@dataclass(frozen=True)
class Digest:
    doc_id: str
    title: str
    publisher: str | None
    date: str | None
    source_path: str
    facts: tuple[Fact, ...]
    quotes: tuple[Quote, ...]
    open_questions: tuple[str, ...]
    people: tuple[Person, ...]
    model: str
    prompt_version: str


# extractive facts --------------------------------------------------------------------------
def extractive_facts(text: str, title: str, n: int = MAX_FACTS) -> list[Fact]:
    """The article's most informative sentences, favouring paragraph leads and early paragraphs."""
    scored = []
    for k, (para, pos, s) in enumerate(body_sentences(text, title)):
        words = len(s.split())
        if words < 6 or words > 60 or s.startswith('"'):
            continue
        info = len(cite.key_terms(s)) + 0.3 * len(cite.content_words(s))
        scored.append(((2.0 if pos == 0 else 1.0) * info / (1 + 0.05 * k), s))
    facts: list[Fact] = []
    for _, s in sorted(scored, key=lambda x: -x[0]):
        if not any(overlap(s, f.text) > 0.6 for f in facts):
            facts.append(Fact(s, s, 1.0, "extract"))
        if len(facts) >= n:
            break
    return facts


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' content words."""
    wa, wb = cite.content_words(a), cite.content_words(b)
    return len(wa & wb) / (len(wa | wb) or 1)


# the model's facts ---------------------------------------------------------------------------
def parse_facts(raw: str, complete: bool = True) -> list[str]:
    """Candidate facts from the model's reply: one per line, bullets and numbering removed.

    When the reply was cut short (`complete` false), an unfinished last line is dropped.
    """
    out: list[str] = []
    lines = raw.splitlines()
    if not complete and lines and not ENDS.search(lines[-1].strip()):
        lines = lines[:-1]
    for line in lines:
        line = re.sub(r"^\s*(?:[-*•]+|\d{1,2}[.)]|facts?\s*\d*\s*:)\s*", "", line, flags=re.IGNORECASE)
        line = cite.strip_markers(line).strip(" \"'")
        if 4 <= len(line.split()) <= 40 and not line.endswith(":"):
            out.append(line if ENDS.search(line) else line + ".")
    return list(dict.fromkeys(out))


def verify_facts(candidates: list[str], text: str) -> list[Fact]:
    """Keep the candidates the article supports, each with its best quote; near-duplicates once."""
    kept: list[Fact] = []
    sentences = [s for _, _, s in body_sentences(text)] or [""]
    people = {p.name.split()[-1].lower() for p in find_people(text)}
    for c in candidates:
        score, quote = cite.support(c, text)
        single = max(sentences, key=lambda s: cite.support(c, s)[0])  # one body sentence, if it will do
        quote = single if cite.support(c, single)[0] >= cite.support(c, quote)[0] else quote
        if (score >= FACT_THRESHOLD and quote and attributed(c, sentences, people)
                and not any(overlap(c, f.text) > 0.7 for f in kept)):
            kept.append(Fact(c, quote, round(score, 3), "model"))
    return kept[:MAX_FACTS]


def attributed(fact: str, sentences: list[str], people: set[str]) -> bool:
    """False when the fact opens with a person (one of the article's `people`, by surname) whom the
    article does not name in the sentence that says the rest: "Witkoff described the talks as
    positive" where it says "Araghchi described them as positive"."""
    m = _SUBJECT.match(fact)
    if not m or m.group("head").lower() not in people or not sentences:
        return True
    rest = fact[m.end():]
    best = max(range(len(sentences)), key=lambda i: cite.support(rest, sentences[i])[0])
    near = sentences[best] + (" " + sentences[best - 1] if best and _PRONOUN.match(sentences[best]) else "")
    return re.search(rf"\b{re.escape(m.group('head'))}\b", near, re.IGNORECASE) is not None


def _model_facts(a: Assistant, doc: DocRecord) -> tuple[list[str], bool]:
    system = a.prompts.text("digest_system")
    frame = a.prompts.render("digest_user", title=doc.title, text="")
    budget = a.llm.n_ctx - MAX_TOKENS - SAFETY_MARGIN - count_messages(
        a.llm, [{"role": "system", "content": system}, {"role": "user", "content": frame}])
    article = fit_text(fence(doc.text), budget, a.llm.count_tokens)
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": a.prompts.render("digest_user", title=fence(doc.title),
                                                             text=article)}]
    reply = cached_reply(a, "digest", messages, MAX_TOKENS, max_lines=MAX_FACTS + 2)
    return parse_facts(reply.text, reply.complete), reply.kept


def generate(a: Assistant, messages: list[dict], max_tokens: int, max_lines: int = 0) -> tuple[str, bool]:
    """The model's reply and whether it ended by itself; stops early after `max_lines` lines or when
    a small model starts repeating one line."""
    parts: list[str] = []
    stream = a.llm.stream(messages, max_tokens, a.settings.temperature, a.settings.gen_timeout_s)
    try:
        for piece in stream:
            parts.append(piece)
            *done, current = "".join(parts).split("\n")
            lines = [x.strip() for x in done if x.strip()]
            stuck = (len(lines) >= 3 and len(set(lines[-3:])) == 1) or len(current) > 600
            if (max_lines and len(lines) >= max_lines) or stuck:
                return "\n".join(lines), True  # whole lines only
    finally:
        getattr(stream, "close", lambda: None)()
    return "".join(parts), a.llm.last.truncated is None


@dataclass(frozen=True)
class Reply:
    text: str
    complete: bool  # the model ended it (not cut by the token cap)
    kept: bool  # read from or written to the cache (not cut by the clock, not failed)


def cached_reply(a: Assistant, kind: str, messages: list[dict], max_tokens: int, max_lines: int = 0) -> Reply:
    """`generate`, with the reply stored under cache/replies: the same messages to the same model
    are answered from disk. A reply cut by the clock is not stored; a failed call gives ""."""
    key = hashlib.sha256(json.dumps([a.llm.name, a.settings.temperature, max_tokens, messages]).encode())
    path = a.settings.cache_dir / "replies" / f"{kind}-{key.hexdigest()[:16]}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return Reply(str(stored["text"]), bool(stored["complete"]), True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        raw, complete = generate(a, messages, max_tokens, max_lines)
    except LLMError as e:
        log.warning("the %s step goes on without the model: %s", kind, e)
        return Reply("", True, False)
    kept = a.llm.last.truncated != "timeout" and _write(path, {"text": raw, "complete": complete})
    return Reply(raw, complete, kept)


def fit_text(text: str, budget: int, count_tokens: Any) -> str:
    """The leading paragraphs of `text` that fit in `budget` tokens (the first one cut if need be)."""
    kept = ""
    for para in text.split("\n\n"):
        trial = f"{kept}\n\n{para}" if kept else para
        if count_tokens(trial) > budget:
            if not kept:
                while para and count_tokens(para) > budget:
                    para = para[: int(len(para) * 0.8)]
                return para
            break
        kept = trial
    return kept


# the digest and its cache ---------------------------------------------------------------------
def cache_key(doc: DocRecord, model: str, prompt_version: str) -> str:
    """Changes with the article's bytes or ingest version, the model, the prompts and this code."""
    raw = "|".join([FORMAT, doc.sha256, doc.version, model, prompt_version])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def cache_path(a: Assistant, doc: DocRecord) -> Path:
    safe = re.sub(r"[^\w.-]", "_", doc.doc_id)[:80]
    key = cache_key(doc, a.llm.name, a.prompts.version(*PROMPTS))
    return a.settings.cache_dir / "digests" / f"{safe}-{key}.json"


def digest(a: Assistant, doc: DocRecord) -> Digest:
    """The article's digest, from the cache when the article, model and prompts are unchanged."""
    path = cache_path(a, doc)
    cached = _load(path)
    if cached is not None:
        return cached
    if not doc.text:
        doc = a.index.store.get_document(doc.doc_id) or doc
    candidates, kept = _model_facts(a, doc)
    facts = verify_facts(candidates, doc.text)
    if len(facts) < MIN_FACTS:
        used = {f.quote for f in facts}
        extra = [f for f in extractive_facts(doc.text, doc.title) if f.quote not in used]
        facts += extra[: MIN_FACTS - len(facts)]
    d = Digest(doc.doc_id, doc.title, doc.publisher, doc.date, doc.source_path, tuple(facts),
               tuple(find_quotes(doc.text)), tuple(find_open_questions(doc.text)), tuple(find_people(doc.text)),
               a.llm.name, a.prompts.version(*PROMPTS))
    if kept:  # a reply cut by the clock or a failed call is retried next time
        _write(path, digest_to_dict(d))
    return d


def digest_to_dict(d: Digest) -> dict[str, Any]:
    return asdict(d)


def digest_from_dict(data: dict[str, Any]) -> Digest:
    return Digest(**{**data, "facts": tuple(Fact(**f) for f in data["facts"]),
                     "quotes": tuple(Quote(**q) for q in data["quotes"]),
                     "open_questions": tuple(data["open_questions"]),
                     "people": tuple(Person(**p) for p in data["people"])})


def _load(path: Path) -> Digest | None:
    try:
        return digest_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, data: dict[str, Any]) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError as e:  # a cache that cannot be written only costs time
        log.warning("cannot write the cache file %s: %s", path, e)
        return False


# one article: `rag summarize` and the chat's "summarize the ... article" --------------------------
def summarize(a: Assistant, doc_id: str) -> Digest:
    """The cited digest of one article."""
    docs = a.index.documents()
    if not docs:
        raise EmptyIndexError("nothing is ingested yet; run: rag ingest seeds/")
    if doc_id not in docs:
        raise UnknownSourceError(f"unknown doc id '{doc_id}'; known: {', '.join(sorted(docs))}")
    return digest(a, docs[doc_id])


def render_digest_markdown(d: Digest) -> str:
    meta = " · ".join(x for x in (d.publisher, d.date, f"`{d.doc_id}`") if x)
    lines = [f"# {_one_line(d.title)}", "", meta, "", "## Key facts", ""]
    for f in d.facts:
        lines.append(f"- {_cite_one(_one_line(f.text))}")
        if f.quote != f.text:
            lines.append(f"  > {_one_line(f.quote)}")
    lines += ["", "## Who said what", ""]
    lines += [f'- **{_one_line(q.speaker)}**: "{_one_line(q.said)}" [1]' for q in d.quotes] or ["- None found."]
    lines += ["", "## Open questions", ""]
    lines += [f"- {_cite_one(_one_line(s))}" for s in d.open_questions] or ["- None found."]
    where = ", ".join(x for x in (d.publisher, d.date) if x)
    lines += ["", "## Source", "", f"[1] {_one_line(d.title)}" + (f" - {where}" if where else "")
              + f" (`{d.doc_id}`, {Path(d.source_path).name})", ""]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cite_one(text: str) -> str:
    return f"{text[:-1]} [1]{text[-1]}" if re.search(r"[\w)%\"'][.!?]$", text) else f"{text} [1]"


def find_doc_for_request(text: str, docs: dict[str, DocRecord]) -> str | None:
    """The doc id a request like "summarize the DailyBeat article" names, by id, publisher or title words.

    None when the text does not ask for a summary or does not single out one article.
    """
    if not _SUMMARY_ASK.search(text or "") or not docs:
        return None
    low = text.lower()
    named = [d for d in docs if d.lower() in low]
    if len(named) == 1:
        return named[0]
    tokens = set(re.findall(r"[\w-]{3,}", low))
    prefixed = [d for d in docs if any(d.lower().startswith(t) and d[len(t):][:1] in ("_", "-") for t in tokens)]
    if len(prefixed) == 1:
        return prefixed[0]
    pubs = [d for d, r in docs.items() if r.publisher and re.search(rf"\b{re.escape(r.publisher.lower())}\b", low)]
    if len(pubs) == 1:
        return pubs[0]
    return _by_title(cite.content_words(text) - _REQUEST_WORDS, {d: docs[d] for d in pubs or docs})


def _by_title(words: set[str], docs: dict[str, DocRecord]) -> str | None:
    titles = {d: cite.content_words(r.title) for d, r in docs.items()}
    df = {w: sum(any(_same_word(w, t) for t in ts) for ts in titles.values()) for w in words}
    scores = {d: sum(math.log(1 + len(docs) / df[w]) for w in words if df[w] and any(_same_word(w, t) for t in ts))
              for d, ts in titles.items()}
    ranked = sorted(scores.items(), key=lambda x: -x[1])
    if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[1][1] >= ranked[0][1]):
        return None
    return ranked[0][0]


def _same_word(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long_.startswith(short))
