"""The re-ranker on fixed passages, with a bag-of-words embedder standing in for the model (the ranking
logic does not depend on which model made the vectors); `retrieve` with re-ranking on the real seeds."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from rag.backends.chroma import DocRecord
from rag.core.types import Chunk, Hit
from rag.retrieval.answer_type import DATE, NAME, PERSON, answer_type, holds_answer
from rag.retrieval.constraints import split_dateline
from rag.retrieval.rerank import MAX_SENTENCES, RerankWeights, SentenceVectors, features, rerank, sentences
from rag.retrieval.retrieve import Weights, cap, retrieve

DIM = 64


class BagOfWords:
    """Embeds like the real one (texts in, unit rows out) by hashing words; counts what it was asked."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[row, int(hashlib.md5(w.encode()).hexdigest(), 16) % DIM] += 1.0
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)


def _hit(doc: str, text: str, score: float = 0.02, similarity: float | None = 0.5, title: str = "") -> Hit:
    return Hit(Chunk(f"{doc}:0", doc, 0, 0, len(text), text, title, 40), score, 1, 1, similarity)


FINALS = [
    _hit("wc2018", "France beat Croatia 4-2 in the 2018 World Cup final in Moscow.", 0.031),
    _hit("wc2014", "Germany beat Argentina 1-0 in the 2014 World Cup final in Rio.", 0.030),
    _hit("wc2010", "Spain beat the Netherlands in the 2010 World Cup final.", 0.029),
]


def test_the_passage_of_the_asked_year_goes_first() -> None:
    bow = BagOfWords()
    q = "Who was the runner-up of the 2014 World Cup?"
    ranked = rerank(q, bow.embed([q])[0], FINALS, SentenceVectors(bow.embed))
    assert ranked[0].chunk.doc_id == "wc2014"
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    q2 = "Who was the runner-up of the 2010 World Cup?"
    assert rerank(q2, bow.embed([q2])[0], FINALS, SentenceVectors(bow.embed))[0].chunk.doc_id == "wc2010"


def test_with_only_the_fused_weight_the_fused_order_stays() -> None:
    bow = BagOfWords()
    q = "Who was the runner-up of the 2014 World Cup?"
    only_fused = RerankWeights(**{**{f: 0.0 for f in RerankWeights.__dataclass_fields__}, "fused": 1.0})
    ranked = rerank(q, bow.embed([q])[0], FINALS, SentenceVectors(bow.embed), weights=only_fused)
    assert [h.chunk.doc_id for h in ranked] == ["wc2018", "wc2014", "wc2010"]
    assert ranked[1].similarity == FINALS[1].similarity and ranked[1].dense_rank == FINALS[1].dense_rank


def test_a_metadata_date_decides_when_the_text_names_no_year() -> None:
    bow = BagOfWords()
    hits = [_hit("old", "Argentina lost the final to Germany in extra time.", 0.03),
            _hit("new", "Argentina lost the final to Germany in extra time.", 0.03)]
    q = "Who lost the 2014 World Cup final?"
    dates = {"old": "2010-07-12", "new": "2014-07-14"}
    assert rerank(q, bow.embed([q])[0], hits, SentenceVectors(bow.embed), dates)[0].chunk.doc_id == "new"


def test_sentence_vectors_are_embedded_once() -> None:
    bow = BagOfWords()
    cache = SentenceVectors(bow.embed, capacity=10)
    first = cache.vectors(["a b c", "d e f", "a b c"])
    again = cache.vectors(["d e f", "a b c"])
    assert bow.seen == ["a b c", "d e f"]
    assert np.allclose(first[0], again[1]) and first.shape == (3, DIM)


def test_the_sentence_feature_ignores_questions_in_a_passage() -> None:
    bow = BagOfWords()
    q = "Who directed Titanic?"
    echo = _hit("quiz", "Who directed Titanic? Q8. What is longer, a nautical mile or a mile?")
    answer = _hit("film", "Titanic is a 1997 film directed by James Cameron.")
    f_echo, f_answer = features(q, bow.embed([q])[0], [echo, answer], SentenceVectors(bow.embed))
    assert f_answer.sentence > f_echo.sentence
    assert f_answer.answer == 1.0 and f_echo.answer == 0.0


def test_sentences_glue_fragments_and_stop_at_the_cap() -> None:
    ss = sentences("Mar 4, 2018 ... The 90th Academy Awards were held in Los Angeles. " + "It rained all day. " * 10)
    assert ss[0].startswith("Mar 4, 2018") and "Academy Awards" in ss[0]
    assert len(ss) == MAX_SENTENCES
    assert sentences("") == [" "]


def test_answer_types() -> None:
    assert answer_type("When was Pixel 6 announced?") == DATE
    assert answer_type("What is the release date of Cyberpunk 2077?") == DATE
    assert answer_type("Which actor won Best Actor at the 92nd Academy Awards?") == PERSON
    assert answer_type("which city hosted the olympic games in 2008?") == NAME
    assert answer_type("Is it raining?") is None
    assert split_dateline("Nov 13, 2020 ... All episodes debut on Netflix.") == ("2020-11-13", "All episodes debut on Netflix.")
    assert not holds_answer(DATE, "Nov 13, 2020 ... All episodes debut on Netflix.", "When?")
    assert holds_answer(DATE, "Nov 13, 2020 ... All episodes debut on Netflix on Nov 15.", "When?")
    draft = "What is the date of the 2021 NBA Draft?"  # a date of another year is not a date of the asked one
    assert not holds_answer(DATE, "2019 NBA Draft 2021 NBA ; Date: Wednesday, November 18, 2020", draft)
    assert holds_answer(DATE, "The 2021 NBA draft was held on July 29, 2021, in Brooklyn.", draft)
    assert holds_answer(DATE, "The combine runs June 21-27 in Chicago.", draft)
    assert holds_answer(DATE, "It came out on 10 December 2020.", "What is the release date of Cyberpunk 2077?")
    assert holds_answer(PERSON, "Titanic was directed by James Cameron.", "Who directed Titanic?")
    assert not holds_answer(PERSON, "Titanic was a great film.", "Who directed Titanic?")
    lego = "Who is the CEO of Lego in 2021?"  # the role word glued to the name does not hide the name
    assert holds_answer(PERSON, "Apr 26, 2021 ... Lego play matters, CEO Niels B. Christiansen tells TIME.", lego)
    assert not holds_answer(PERSON, "A letter from the CEO of the Lego Group.", lego)


def _record(doc_id: str, duplicate_of: str | None = None) -> DocRecord:
    return DocRecord(doc_id, doc_id, "v1", "", "", "", 1, 10, duplicate_of=duplicate_of)


def test_cap_keeps_order_k_and_the_per_story_limit() -> None:
    docs = {"a": _record("a"), "b": _record("b", duplicate_of="a"), "c": _record("c")}
    hits = [_hit("a", "x"), _hit("b", "y"), _hit("a", "z"), _hit("c", "w")]
    assert [h.chunk.doc_id for h in cap(hits, docs, 3, 2)] == ["a", "b", "c"]
    assert [h.chunk.doc_id for h in cap(hits, docs, 2, 3)] == ["a", "b"]


def test_retrieve_with_reranking_keeps_its_contract(seeded_index) -> None:
    q = "Who was the US special envoy at the talks in Oman?"
    with_rerank = retrieve(seeded_index, q, 4)
    without = retrieve(seeded_index, q, 4, weights=Weights(rerank=False))
    assert 0 < len(with_rerank) <= 4 and len(without) <= 4
    assert [h.score for h in with_rerank] == sorted((h.score for h in with_rerank), reverse=True)
    assert len({h.chunk.chunk_id for h in with_rerank}) == len(with_rerank)
    fused_only = Weights(finer=RerankWeights(**{**{f: 0.0 for f in RerankWeights.__dataclass_fields__}, "fused": 1.0}))
    assert [h.chunk.chunk_id for h in retrieve(seeded_index, q, 6, weights=fused_only)] == \
        [h.chunk.chunk_id for h in retrieve(seeded_index, q, 6, weights=Weights(rerank=False))]
    assert len(retrieve(seeded_index, q, 8, weights=Weights(pool=4))) > 4  # k above the pool widens it
    only = retrieve(seeded_index, q, 4, doc_ids=["003_a3108b83e1705bc7"])
    assert only and {h.chunk.doc_id for h in only} == {"003_a3108b83e1705bc7"}
