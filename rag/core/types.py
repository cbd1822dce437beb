"""Frozen dataclasses shared by every layer: documents, chunks, hits, sources, citations, answers.

Imports nothing of ours; holds data only, no behaviour beyond small derived properties.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One cleaned article. `text` is the cleaned text that chunk spans point into."""

    doc_id: str
    title: str
    text: str
    source_path: str
    sha256: str  # of the raw file bytes
    publisher: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD) when one was found


@dataclass(frozen=True)
class DocRecord:
    """A document as the store knows it (metadata only; `text` is filled by `get_document`)."""

    doc_id: str
    title: str
    version: str
    sha256: str
    source_path: str
    ingested_at: str
    n_chunks: int
    n_tokens: int
    publisher: str | None = None
    date: str | None = None
    duplicate_of: str | None = None
    minhash: str = ""
    text: str = ""
    url: str | None = None
    authors: tuple[str, ...] = ()
    date_source: str | None = None  # "metadata", "text" or "none"; None in workspaces built before it
    story: str | None = None  # the id of the story it belongs to (rag.retrieval.stories); None until grouped
    names: str = ""  # its names, space-separated, as the grouping weighs them (kept so regrouping reads no text)

    @property
    def cluster(self) -> str:
        """Near-duplicate articles share a cluster, so one story is not counted twice."""
        return self.duplicate_of or self.doc_id

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("text", "minhash", "names")}
        return d


@dataclass(frozen=True)
class Chunk:
    """A token-bounded span of a document's cleaned text: text == document.text[start:end]."""

    chunk_id: str
    doc_id: str
    position: int
    start: int
    end: int
    text: str
    title: str
    tokens: int


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = None  # cosine similarity to the query, when dense retrieval saw it


@dataclass(frozen=True)
class Source:
    """A numbered source shown to the model: one or more merged adjacent chunks of one document."""

    n: int
    doc_id: str
    title: str
    text: str
    chunk_ids: tuple[str, ...]
    chunk_starts: tuple[int, ...] = (0,)  # offset in `text` where each of chunk_ids begins
    publisher: str | None = None
    date: str | None = None

    def chunk_at(self, offset: int) -> str:
        """The id of the chunk that holds character `offset` of `text`."""
        best = self.chunk_ids[0]
        for cid, start in zip(self.chunk_ids, self.chunk_starts):
            if start <= offset:
                best = cid
        return best


@dataclass(frozen=True)
class Citation:
    """A citation the verifier looked at: `quote` is the best-supporting sentence of the source."""

    n: int
    doc_id: str
    title: str
    chunk_id: str
    quote: str
    verified: bool


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer with the citations that survived verification."""

    text: str
    citations: tuple[int, ...]
    supported: bool
    dropped: str = ""  # the part of the model's sentence removed as unsupported (text keeps the rest)


@dataclass(frozen=True)
class Timings:
    retrieve_ms: float = 0.0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    sources: tuple[Source, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    timings: Timings = field(default_factory=Timings)
    notice: str | None = None  # e.g. "question truncated to 2000 characters"
    raw: str = ""  # the model's own text before verification (for debugging and eval reports)
    stopped: bool = False  # the user stopped the generation: `answer` is the part verified so far


@dataclass(frozen=True)
class Usage:
    """What one generation cost, reported by the model's stream as its last item."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: str | None = None  # "max_tokens" | "timeout" | "stopped" (by the user) when generation was cut


@dataclass(frozen=True)
class Completion:
    """A whole reply: its text and its usage."""

    text: str
    usage: Usage


@dataclass(frozen=True)
class Story:
    """Articles about one event: `story_id` is the id of the article that opened it, so it stays put
    as articles are added; `first`/`last` span the known dates (None when no article has one)."""

    story_id: str
    label: str
    outlets: tuple[str, ...]
    first: str | None
    last: str | None
    doc_ids: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"story": self.story_id, "label": self.label, "outlets": list(self.outlets), "first": self.first,
                "last": self.last, "articles": len(self.doc_ids), "doc_ids": list(self.doc_ids)}


# briefings ------------------------------------------------------------------------------------
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
class Event:
    """A timeline line: `date` (ISO) is the article's publication date (`basis` "published"), a date the
    sentence states ("stated"), or a weekday or "yesterday" resolved against the publication date
    ("relative"; `phrase` is the words it was resolved from)."""

    date: str
    basis: str
    phrase: str
    point: Point


@dataclass(frozen=True)
class Outlet:
    """Coverage, from the data: an outlet, the date it first reported the story (None: undated), its sources."""

    name: str
    first: str | None
    cites: tuple[int, ...]


@dataclass(frozen=True)
class First:
    """Who reported a key point first: the earliest dated source that supports it, and the later ones."""

    point: str
    outlet: str
    date: str
    cite: int
    later: tuple[int, ...]


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
    timeline: tuple[Event, ...] = ()
    undated: tuple[int, ...] = ()  # source numbers of the articles without a date (listed apart, never placed)
    coverage: tuple[Outlet, ...] = ()
    firsts: tuple[First, ...] = ()
    earlier: tuple[Point, ...] = ()  # with `since`: background from articles before it ("Earlier: ...")
    since: str | None = None
    story: str | None = None


@dataclass(frozen=True)
class FrontPage:
    """The largest or newest stories, one brief each (not one blended summary)."""

    sections: tuple[tuple[Story, Brief], ...]
    since: str | None = None
