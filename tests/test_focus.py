"""Query-focused packing (rag.retrieval.focus) on fixed articles: the sentences that bear on the question
with the neighbours they need, one numbered source per article with its title, publisher and date,
verbatim slices of the article joined by the gap marker, and the token budget kept.

Sentence vectors come from a bag-of-words embedder (a fake that implements the embedder's interface:
selection does not depend on which model made the vectors); tokens are counted by words. The end-to-end
test uses the real index, embedder and tiny model.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from rag.core.config import load_settings
from rag.core.errors import ConfigError
from rag.core.types import Chunk, DocRecord, Hit
from rag.retrieval.context import GAP, build_sources, render
from rag.retrieval.focus import build_focused, needs_next, needs_previous, units
from rag.retrieval.rerank import SentenceVectors

ENVOY = ("Talks were held in Muscat on Saturday. The weather was mild and the streets were quiet. "
         "Oman mediated the meeting between the delegations. Steve Witkoff led the American side. "
         "He flew in from Washington the night before. Traffic in the capital was heavy all week. "
         "Markets in the region rose slightly on the news.")
QUOTE = ("Iran's foreign minister spoke to reporters after the meeting. Abbas Araghchi called the talks a "
         "good start. \"We are ready to continue. The next round will follow soon,\" said Araghchi. "
         "Prices of oil did not move. Analysts expect no quick deal.")


def bag_of_words(texts):
    """Unit vectors of hashed lower-case words: texts that share words point the same way."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, t in enumerate(texts):
        for w in re.findall(r"[a-z]+", t.lower()):
            out[row, int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1.0
    return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


def words(text: str) -> int:
    return len(text.split())


def chunked(doc_id: str, text: str, size: int = 2, title: str = "T") -> list[Chunk]:
    """The article cut into chunks of `size` sentences (offsets into `text`)."""
    ends = [m.end() for m in re.finditer(r"[.!?][\"]?(?=\s|$)", text)]
    starts = [0] + [e + 1 for e in ends[:-1]]
    out = []
    for i in range(0, len(ends), size):
        s, e = starts[i], ends[min(i + size, len(ends)) - 1]
        out.append(Chunk(f"{doc_id}:{i // size}", doc_id, i // size, s, e, text[s:e], title, words(text[s:e])))
    return out


def record(doc_id: str, text: str, title: str, publisher: str, date: str) -> DocRecord:
    return DocRecord(doc_id, title, "v1", "sha", "p", "now", 1, 1, publisher, date, text=text)


@pytest.fixture
def corpus():
    docs = {"envoy": record("envoy", ENVOY, "Talks in Muscat", "Wire", "2025-04-12"),
            "quote": record("quote", QUOTE, "Araghchi speaks", "Daily", "2025-04-13")}
    chunks = {"envoy": chunked("envoy", ENVOY), "quote": chunked("quote", QUOTE)}
    return docs, chunks


def focused(question, hits, docs, prompts, budget):
    return build_focused(question, hits, docs, prompts, words, budget, SentenceVectors(bag_of_words))


def hits_of(*chunk_lists):
    return [Hit(c, 1.0 / (i + 1)) for i, c in enumerate(c for cs in chunk_lists for c in cs)]


def test_neighbour_rules():
    assert needs_previous("He flew in from Washington the night before.")
    assert needs_previous("However, the talks went on.")
    assert needs_previous('"We will talk," she said.')
    assert not needs_previous("Abbas Araghchi said he was ready.")
    assert not needs_previous("Oman mediated the meeting.")
    assert needs_next('"We are ready to continue.')
    assert not needs_next('"We are ready," said Araghchi.')


def test_units_are_the_articles_sentences_at_their_offsets(corpus):
    docs, chunks = corpus
    us = units("envoy", chunks["envoy"])
    assert [u.index for u in us] == list(range(len(us))) and len(us) == 7
    assert all(ENVOY[u.start:u.end] == u.text for u in us)
    he = next(u for u in us if u.text.startswith("He flew"))
    assert he.needs == (he.index - 1,)


def test_a_pronoun_sentence_keeps_its_antecedent_and_the_gap_is_marked(corpus, prompts):
    docs, chunks = corpus
    sources = focused("Where did the American envoy fly in from?", hits_of(chunks["envoy"]), docs, prompts, 22)
    text = sources[0].text  # the frame is 7 words, the two sentences 14: nothing else fits
    assert text == "Steve Witkoff led the American side.\nHe flew in from Washington the night before."
    sources = focused("Were the talks held in Muscat on Saturday, and did Witkoff lead the American side?",
                      hits_of(chunks["envoy"]), docs, prompts, 22)
    assert sources[0].text == f"Talks were held in Muscat on Saturday.{GAP}Steve Witkoff led the American side."
    assert verbatim(sources[0].text, ENVOY)


def verbatim(text: str, article: str) -> bool:
    """Every line of `text` but the gap marker is a slice of the article (touching chunks join with a line break)."""
    return all(line in article for line in text.split("\n") if line != "…") and all(text.split(GAP))


def test_an_open_quotation_keeps_the_sentence_that_names_its_speaker(corpus, prompts):
    docs, chunks = corpus
    sources = focused("Are they ready to continue?", hits_of(chunks["quote"]), docs, prompts, 60)
    assert '"We are ready to continue.' in sources[0].text
    assert 'said Araghchi.' in sources[0].text


def test_sources_keep_numbers_order_and_metadata(corpus, prompts):
    docs, chunks = corpus
    hits = hits_of(chunks["quote"][:1], chunks["envoy"], chunks["quote"][1:])
    sources = focused("Who led the American side at the Muscat talks, and what did Araghchi say?", hits, docs,
                      prompts, 200)
    assert [s.n for s in sources] == list(range(1, len(sources) + 1))
    assert len(sources) == 2  # both articles hold a part of the answer
    assert [s.doc_id for s in sources] == ["quote", "envoy"]  # the order of each article's best hit
    for s in sources:
        rec = docs[s.doc_id]
        assert (s.title, s.publisher, s.date) == (rec.title, rec.publisher, rec.date)
        for cid, start in zip(s.chunk_ids, s.chunk_starts):
            assert s.chunk_at(start) == cid
            chunk = next(c for c in chunks[s.doc_id] if c.chunk_id == cid)
            assert s.text[start:].split(GAP)[0].split("\n")[0][:20] in chunk.text  # the offset lies in its chunk


@pytest.mark.parametrize("budget", [40, 60, 90, 130, 200, 400])
def test_the_budget_is_kept_and_more_budget_only_adds(corpus, prompts, budget):
    docs, chunks = corpus
    hits = hits_of(chunks["envoy"], chunks["quote"])
    question = "Who mediated the talks in Muscat?"
    sources = focused(question, hits, docs, prompts, budget)
    assert sources and words(render(sources, prompts)) <= budget
    whole = build_sources(hits, docs, prompts, words, 10_000)
    sentences = lambda ss: {x for s in ss for x in re.split(r"(?<=[.!?\"])\s+", s.text.replace(GAP, " "))}  # noqa: E731
    assert sentences(sources) <= sentences(whole)
    assert "Oman mediated the meeting" in sources[0].text  # the best sentence comes first, whatever the budget
    if budget >= words(render(whole, prompts)) + 10:  # room for everything: every sentence goes in
        assert sentences(sources) == sentences(whole)


def test_context_tokens_setting_has_bounds():
    assert load_settings({"context_tokens": 0}, environ={}).context_tokens == 0
    assert load_settings({"context_tokens": 300}, environ={}).context_tokens == 300
    with pytest.raises(ConfigError, match="context_tokens"):
        load_settings({"context_tokens": 10}, environ={})
    with pytest.raises(ConfigError, match="context_tokens"):
        load_settings({"context_tokens": -1}, environ={})


def test_real_index_packing_is_verbatim_and_within_budget(seeded_index, tiny_llm, prompts):
    from rag.retrieval.retrieve import retrieve

    docs = seeded_index.documents()
    texts = {d: seeded_index.store.get_document(d).text for d in docs}
    question = "Who was the US special envoy at the talks?"
    hits = retrieve(seeded_index, question, 4)
    whole = build_sources(hits, docs, prompts, tiny_llm.count_tokens, 4000)
    sources = build_focused(question, hits, docs, prompts, tiny_llm.count_tokens, 200, seeded_index.sentences)
    assert tiny_llm.count_tokens(render(sources, prompts)) <= 200 < tiny_llm.count_tokens(render(whole, prompts))
    assert "Witkoff" in render(sources, prompts)
    for s in sources:
        assert verbatim(s.text, texts[s.doc_id])


def test_ask_with_a_context_budget_sends_less_and_stays_verifiable(tiny_assistant, prompts):
    from dataclasses import replace

    from rag.answer.ask import ask

    question = "Who was the US special envoy at the talks?"
    whole = ask(tiny_assistant, question, max_tokens=8)
    focused_ = ask(replace(tiny_assistant, settings=tiny_assistant.settings.replace(context_tokens=150)), question,
                   max_tokens=8)
    assert focused_.sources and tiny_assistant.llm.count_tokens(render(focused_.sources, prompts)) <= 150
    assert focused_.timings.prompt_tokens < whole.timings.prompt_tokens
    shown = {s.n: s for s in focused_.sources}
    for c in focused_.citations:  # citations point into the sources the model saw, at chunks they hold
        assert c.n in shown and c.chunk_id in shown[c.n].chunk_ids
