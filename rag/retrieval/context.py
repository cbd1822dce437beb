"""Pack retrieved chunks into numbered sources that fit a token budget.

One source per article: its retrieved chunks are merged (overlapping or adjacent spans become one
passage, so repeated overlap text is sent once), in the order of each article's best hit. Tokens are
counted with the caller's counter (the model's own tokenizer). Article text is fenced and marked as
untrusted when rendered (`render`, and `messages`: the chat messages of an answer prompt); `Source.text`
itself stays verbatim for the verifier and the UI.
"""
from __future__ import annotations

from typing import Callable, Sequence

from rag.core.prompts import Prompts
from rag.core.types import Chunk, DocRecord, Hit, Source
from rag.text.budget import shrink
from rag.text.markers import fence

GAP = "\n…\n"


def merge(chunks: Sequence[Chunk]) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
    """Stitch one article's chunks into a passage: (text, chunk ids, offset of each chunk in text)."""
    ordered = sorted(chunks, key=lambda c: c.start)
    text, ids, starts, end = "", [], [], 0
    for c in ordered:
        if text and c.start < end:  # overlapping spans: append only the part after `end`
            cut = end - c.start
            starts.append(len(text) - cut)
            text += c.text[cut:]
        else:
            text += "" if not text else ("\n" if c.start - end <= 2 else GAP)
            starts.append(len(text))
            text += c.text
        ids.append(c.chunk_id)
        end = max(end, c.end)
    return text, tuple(ids), tuple(max(0, s) for s in starts)


def render(sources: Sequence[Source], prompts: Prompts) -> str:
    return "\n\n".join(
        prompts.render("source", n=s.n, title=fence(s.title).replace('"', "'"),
                       publisher=fence(s.publisher or "unknown").replace('"', "'"), text=fence(s.text))
        for s in sources
    )


def messages(prompts: Prompts, user_template: str, sources: Sequence[Source], **fields: str) -> list[dict]:
    """The chat messages that ask the model for an answer: the fixed system prompt, then `user_template`
    (`answer_user`, `answer_part_user`) filled with the rendered sources and `fields` (the question, ...)."""
    return [{"role": "system", "content": prompts.text("answer_system")},
            {"role": "user", "content": prompts.render(user_template, sources=render(sources, prompts), **fields)}]


def build_sources(hits: Sequence[Hit], docs: dict[str, DocRecord], prompts: Prompts,
                  count_tokens: Callable[[str], int], budget: int) -> list[Source]:
    """The best hits that fit in `budget` tokens, as numbered sources."""
    chosen: dict[str, list[Chunk]] = {}
    sources: list[Source] = []
    for hit in hits:
        doc_id = hit.chunk.doc_id
        trial = {**chosen, doc_id: chosen.get(doc_id, []) + [hit.chunk]}
        candidate = _number(trial, docs)
        if count_tokens(render(candidate, prompts)) <= budget:
            chosen, sources = trial, candidate
        elif not chosen:  # not even the best chunk fits: send as much of it as fits
            trimmed = _number({doc_id: [_trim(hit.chunk, budget, prompts, count_tokens, docs)]}, docs)
            return trimmed if trimmed[0].text and count_tokens(render(trimmed, prompts)) <= budget else []
    return sources


def _number(chosen: dict[str, list[Chunk]], docs: dict[str, DocRecord]) -> list[Source]:
    return [source(n, doc_id, *merge(chunks), docs, chunks[0].title)
            for n, (doc_id, chunks) in enumerate(chosen.items(), 1)]


def source(n: int, doc_id: str, text: str, chunk_ids: tuple[str, ...], chunk_starts: tuple[int, ...],
           docs: dict[str, DocRecord], title: str) -> Source:
    """Source number `n`: `text` with the article's title, publisher and date from the registry."""
    rec = docs.get(doc_id)
    return Source(n, doc_id, rec.title if rec else title, text, chunk_ids, chunk_starts,
                  rec.publisher if rec else None, rec.date if rec else None)


def _trim(chunk: Chunk, budget: int, prompts: Prompts, count_tokens: Callable[[str], int],
          docs: dict[str, DocRecord]) -> Chunk:
    def fits(text: str) -> bool:
        return count_tokens(render(_number({chunk.doc_id: [_with_text(chunk, text)]}, docs), prompts)) <= budget
    return _with_text(chunk, shrink(chunk.text, fits))


def _with_text(chunk: Chunk, text: str) -> Chunk:
    return Chunk(chunk.chunk_id, chunk.doc_id, chunk.position, chunk.start, chunk.start + len(text), text,
                 chunk.title, chunk.tokens)
