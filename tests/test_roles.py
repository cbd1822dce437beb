"""Sentence-level role evidence (rag.retrieval.roles) on fixed passages: role synonyms, a name next to
the role and the asked organisation, a past role, a pronoun, rarity, and the re-ranker using it."""
from __future__ import annotations

from rag.core.types import Chunk, Hit
from rag.retrieval.rerank import RerankWeights, features
from rag.retrieval.roles import BARE, aside_holder, asks_role, evidence, focus_words, past_holder, role_holder

CEO = "Who is the CEO of Lego in 2021?"


def test_a_role_word_stands_for_the_other_names_of_its_office() -> None:
    focus = focus_words("Who is the CEO of Nintendo in 2021?")
    assert any({"ceo", "president", "chief"} <= f for f in focus)
    assert frozenset({"nintendo"}) in focus
    assert not any("2021" in f for f in focus)  # years are the constraint feature's business


def test_a_person_next_to_the_role_of_the_asked_organisation_is_full_evidence() -> None:
    assert evidence(CEO, "Apr 26, 2021 ... how important Lego play has been, CEO Niels B. Christiansen tells TIME.") == 1.0
    assert evidence(CEO, "It was a sunny day in the office of Niels B. Christiansen, CEO of the LEGO Group.") == 1.0
    # the role and the organisation without a person's name ("the LEGO Group" is not a person)
    assert evidence(CEO, "Mar 1, 2022 ... CEO, the LEGO Group. From climate action to packaging.") == BARE < 1.0


def test_the_role_must_belong_to_the_asked_organisation() -> None:
    other = "Chris Meledandri, founder and CEO of Illumination, said the Lego film was a hit."
    assert not role_holder([("ceo", "president")], other, True, ["Lego"])
    assert role_holder([("ceo", "president")], other, True, ["Illumination"])


def test_a_past_role_does_not_answer_a_present_question() -> None:
    past = "Satoru Iwata was the global president and CEO of Nintendo and a gifted programmer."
    q = "Who is the CEO of Nintendo in 2021?"
    assert evidence(q, past) == BARE
    assert evidence(q, "Former CEO John Smith of Nintendo spoke.") == BARE
    assert evidence(q, "John Smith was named CEO of Nintendo on Monday.") == 1.0
    assert evidence("Who was the CEO of Nintendo in 2010?", past) == 1.0


def test_a_pronoun_carries_the_name_from_the_sentence_before() -> None:
    text = ("Shuntaro Furukawa is a Japanese businessman. "
            "He is the sixth and current president of the video game company Nintendo in Japan.")
    assert evidence("Who is the CEO of Nintendo in 2021?", text) == 1.0


def test_only_questions_about_a_role_get_evidence() -> None:
    assert evidence("When was Pixel 6 announced?", "Google announced the Pixel 6 on October 19, 2021.") == 0.0
    assert evidence("Who won the 2014 World Cup?", "Germany won the 2014 World Cup.") == BARE  # no person named
    assert evidence("Who won the 2014 World Cup?", "Mario Goetze won the World Cup for Germany.") == 1.0


def test_rarity_weighs_the_focus_words() -> None:
    text = "Niels B. Christiansen, CEO of the toy maker, spoke."  # the role's holder, but not Lego's
    assert 0.0 < evidence(CEO, text, {"lego": 5.0}) < evidence(CEO, text, {"lego": 1.0}) < 1.0


def test_the_reranker_puts_the_evidence_first_among_equals() -> None:
    def hit(doc: str, text: str) -> Hit:
        return Hit(Chunk(f"{doc}:0", doc, 0, 0, len(text), text, "", 20), 0.03, 1, 1, 0.5)
    hits = [hit("nobody", "Lego said 2021 was a year of progress, the CEO wrote in a letter."),
            hit("named", "Lego CEO Niels B. Christiansen said 2021 was a year of progress.")]
    only = RerankWeights(**{**{f: 0.0 for f in RerankWeights.__dataclass_fields__}, "evidence": 1.0})
    f = features(CEO, None, hits, None, split=False)
    assert f[1].evidence > f[0].evidence
    assert max(zip(hits, f), key=lambda hf: hf[1].score(only))[0].chunk.doc_id == "named"
    assert all(x.evidence == 0.0 for x in features(CEO, None, hits, None, split=False, roles=False))


def test_a_role_the_source_gives_only_as_past_does_not_answer_who_holds_it_now() -> None:
    q = "Who is the CEO of Nintendo?"
    past = "Satoru Iwata was the global president and CEO of Nintendo and a gifted programmer."
    assert past_holder(q, "Satoru Iwata is the CEO of Nintendo.", past)
    assert past_holder(q, "Satoru Iwata is the CEO.", "Former CEO Satoru Iwata spoke at the fair.")
    # a past question, a present role, an appointment, or a source that never gives the name the role
    assert not past_holder("Who was the CEO of Nintendo in 2010?", "Satoru Iwata was the CEO.", past)
    assert not past_holder(q, "Shuntaro Furukawa is the CEO.", "Shuntaro Furukawa is the president of Nintendo.")
    assert not past_holder(q, "Shuntaro Furukawa is the CEO.", "Shuntaro Furukawa was named president in 2018.")
    assert not past_holder(q, "Shuntaro Furukawa is the CEO.", "Shuntaro Furukawa spoke at the fair.")
    # a later sentence opening with a pronoun for them gives the role now
    assert not past_holder(q, "Jane Doe is the CEO of Nintendo.",
                           "Jane Doe was the CEO of Acme. She is now the CEO of Nintendo.")


def test_a_role_in_an_aside_listed_before_the_asked_organisation_is_another_ones() -> None:
    q = "Who is the CEO of Nintendo in 2021?"
    listing = "Niantic, Inc. (HQ: San Francisco; CEO: John Hanke) and Nintendo Co., Ltd. (President: Shuntaro Furukawa)"
    assert aside_holder(q, "John Hanke was the CEO of Nintendo Co., Ltd. in 2021.", listing)
    cut = "Mar 23, 2021 ... (HQ: San Francisco, CA USA; CEO: John Hanke )and Nintendo Co., Ltd. (HQ: Kyoto ..."
    assert aside_holder(q, "John Hanke is the CEO of Nintendo.", cut)
    # the aside that follows the asked organisation is its own; a mention outside the aside decides nothing
    assert not aside_holder(q, "Shuntaro Furukawa is the CEO of Nintendo.", listing)
    assert not aside_holder(q, "John Hanke is the CEO of Nintendo.", listing + ". John Hanke, CEO of Nintendo, spoke.")
    # no role in the aside, no asked organisation after it, or a question about no organisation
    assert not aside_holder(q, "John Hanke is the CEO of Nintendo.", "Niantic (HQ: John Hanke) and Nintendo agreed.")
    assert not aside_holder(q, "John Hanke is the CEO of Nintendo.", "Nintendo and Niantic (CEO: John Hanke) agreed.")
    assert not aside_holder("Who directed Titanic?", "James Cameron directed Titanic.",
                            "Titanic (directed by James Cameron) and Avatar (directed by him too) were compared.")


def test_a_role_question_asks_for_the_role_before_its_first_preposition() -> None:
    assert asks_role("Who is the lead actress in The Shape of Water?")
    assert asks_role("Who directed Titanic?")
    assert not asks_role("Who is the bouncer charged over the death of cricket coach David Hookes?")
    assert not asks_role("What is the release date of Cyberpunk 2077?")
