"""Frozen dataclasses shared by every layer: documents, chunks, hits, sources, citations, answers.

Imports nothing of ours; holds data only, no behaviour beyond small derived properties.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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
