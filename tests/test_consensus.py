"""The pool's agreement on an answer (rag.retrieval.consensus) on fixed passages: which candidates a passage
states, how documents vote, and that the re-ranker lifts a passage stating the agreed answer."""
from __future__ import annotations

from dataclasses import replace

from rag.core.types import Chunk, Hit
from rag.retrieval.consensus import agreement, candidates, dates
from rag.retrieval.rerank import RerankWeights, SentenceVectors, rerank


def _hit(doc: str, text: str, score: float) -> Hit:
    return Hit(Chunk(f"{doc}:0", doc, 0, 0, len(text), text, "", 40), score, 1, 1, 0.5)


def test_dates_are_complete_dates_only_and_skip_the_dateline() -> None:
    text = ("Nov 5, 2019 ... The season premieres November 17, 2019 on Netflix; the next one on 15 November 2020, "
            "a special on the 3rd of March, 2021, and a trailer on Nov. 4.")
    assert dates(text) == {"2019-11-17", "2020-11-15", "2021-03-03"}


def test_candidates_leave_out_the_question_words_months_and_weekdays() -> None:
    asked = {"who", "is", "the", "ceo", "of", "facebook"}
    got = candidates("On Monday in March, Facebook CEO Mark Zuckerberg met Sheryl Sandberg.", asked)
    assert {"mark", "zuckerberg", "sheryl", "sandberg"} <= got
    assert not got & {"facebook", "monday", "march", "ceo"}


def test_a_candidate_counts_once_per_document_and_needs_two_documents() -> None:
    q = "Who was the runner-up of the 2018 World Cup?"
    texts = ["France beat Croatia in the final.", "Croatia lost to France in Moscow.",
             "Modric led Croatia.", "Germany won in 2014.", "Germany won again, said Germany's coach."]
    docs = ["a", "b", "c", "d", "d"]  # "Germany" is stated by one document only, twice
    got = agreement(q, texts, docs, [1.0, 0.9, 0.5, 1.0, 1.0])
    assert got[0] == got[1] == got[2] == 1.0  # Croatia: 1.0 + 0.9 + 0.5, the most supported
    assert got[3] == got[4] == 0.0
    assert agreement("How many goals were scored in the 2018 World Cup final?", texts, docs, [1.0] * 5) == [0.0] * 5


def test_dates_agree_only_when_day_month_and_year_agree() -> None:
    q = "When does season 3 of The Crown premiere?"
    texts = ["Season 3 premiered on November 17, 2019.", "It was released on 17 November 2019.",
             "The Crown season 3 premieres Sunday, November 17.", "Season 4 came on 15 November 2020."]
    assert agreement(q, texts, ["a", "b", "c", "d"], [1.0, 1.0, 1.0, 1.0]) == [1.0, 1.0, 0.0, 0.0]


def test_the_reranker_lifts_the_passage_that_states_the_agreed_answer() -> None:
    q = "Who was the runner-up of the 2018 World Cup?"
    hits = [_hit("final", "France beat Croatia 4-2 in the 2018 World Cup final in Moscow.", 0.033),
            _hit("prize", "The World Cup paid $400 million in prize money, FIFA said.", 0.032),
            _hit("match", "The match in Moscow was contested by France and Croatia.", 0.028)]
    vectors = SentenceVectors(lambda texts: None)  # never called: the sentence weight is 0
    off = [h.chunk.doc_id for h in rerank(q, None, hits, vectors, weights=replace(RerankWeights(), agreement=0.0))]
    on = [h.chunk.doc_id for h in rerank(q, None, hits, vectors, weights=replace(RerankWeights(), agreement=0.1))]
    assert off.index("match") > off.index("prize")
    assert on.index("match") < on.index("prize")


def test_a_which_question_agrees_on_name_words() -> None:
    q = "Which film won Best Animated Feature at the 2020 Oscars?"
    texts = ["Toy Story 4 won Best Animated Feature.", "Pixar's Toy Story 4 took the Oscar.",
             "Klaus was nominated for Best Animated Feature."]
    got = agreement(q, texts, ["a", "b", "c"], [1.0, 1.0, 1.0])
    assert got[0] == got[1] == 1.0 and got[2] == 0.0
