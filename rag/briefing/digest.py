"""The map step of a briefing: one article -> a `Digest` of verified key facts, attributed quotes and
open questions, cached on disk (it is also what `rag summarize` shows for one article).

Key facts come from the chat model (prompts/digest_*.txt) and are kept only when `cite.support`
finds them in the article, each with its best supporting sentence. When the model yields too few,
the article's most informative sentences fill in, so a digest always holds grounded facts. Quotes
("who said what") and open questions are found by regular expressions, without the model.

Does not compare articles (see `rag.briefing.brief`) and does not judge meaning: support is lexical, so a
fact that negates the sentence it was drawn from can still pass.
"""
from __future__ import annotations

import glob
import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.answer import cite
from rag.answer.assistant import Assistant
from rag.backends.llm import SAFETY_MARGIN, count_messages
from rag.briefing.extract import ENDS, Person, Quote, body_sentences, find_open_questions, find_people, find_quotes
from rag.briefing.replies import cached_reply, write_json
from rag.core.types import DocRecord
from rag.text.budget import leading_paragraphs
from rag.text.markers import fence, strip_markers
from rag.text.words import content_words, key_terms, overlap

log = logging.getLogger(__name__)

PROMPTS = ("digest_system", "digest_user")
FORMAT = "digest-5"  # bump when extraction code changes, so cached digests are rebuilt
MAX_FACTS, MIN_FACTS = 6, 3
FACT_THRESHOLD = 0.75  # stricter than a citation: a digest fact is reused across the whole brief
MAX_TOKENS = 160

_SUBJECT = re.compile(r"(?:(?:[A-Z][\w'.-]*|special|foreign|prime|deputy|senior|chief|envoy|minister|president|"
                      r"secretary|spokes(?:man|woman|person)|of)\s+)*(?P<head>[A-Z][\w'-]+)\s+(?=[a-z])")
_PRONOUN = re.compile(r"(?:\w+,?\s+)?(?:he|she|they)\b", re.IGNORECASE)


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
        info = len(key_terms(s)) + 0.3 * len(content_words(s))
        scored.append(((2.0 if pos == 0 else 1.0) * info / (1 + 0.05 * k), s))
    facts: list[Fact] = []
    for _, s in sorted(scored, key=lambda x: -x[0]):
        if not any(overlap(s, f.text) > 0.6 for f in facts):
            facts.append(Fact(s, s, 1.0, "extract"))
        if len(facts) >= n:
            break
    return facts


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
        line = strip_markers(line).strip(" \"'")
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
    article = leading_paragraphs(fence(doc.text), budget, a.llm.count_tokens)
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": a.prompts.render("digest_user", title=fence(doc.title),
                                                             text=article)}]
    reply = cached_reply(a, "digest", messages, MAX_TOKENS, max_lines=MAX_FACTS + 2)
    return parse_facts(reply.text, reply.complete), reply.kept


# the digest and its cache ---------------------------------------------------------------------
def cache_key(doc: DocRecord, model: str, prompt_version: str) -> str:
    """Changes with the article's bytes or ingest version, the model, the prompts and this code."""
    raw = "|".join([FORMAT, doc.sha256, doc.version, model, prompt_version])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _safe(doc_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", doc_id)[:80]


def cache_path(a: Assistant, doc: DocRecord) -> Path:
    key = cache_key(doc, a.llm.name, a.prompts.version(*PROMPTS))
    return a.settings.cache_dir / "digests" / f"{_safe(doc.doc_id)}-{key}.json"


def cached_files(cache_dir: Path, doc_id: str) -> list[Path]:
    """Every cached digest of one article (any model, prompt or version)."""
    folder = cache_dir / "digests"
    return [p for p in folder.glob(f"{glob.escape(_safe(doc_id))}-*.json") if len(p.stem) == len(_safe(doc_id)) + 17]


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
        write_json(path, digest_to_dict(d))
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


