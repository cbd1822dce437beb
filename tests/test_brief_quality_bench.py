"""The story-brief quality bench's deterministic parts: entity extraction, coverage and disagreements."""
from __future__ import annotations

from bench.brief_quality import coverage, disagreements, entities


def test_entities_are_names_and_numbers_normalised_and_stop_at_sentence_ends():
    ref = ("Hu Jintao had lunch with Luiz Inácio Lula da Silva at the Granja do Torto in the Federal District. "
           "Lunch was a barbecue for 1,200 guests. Nonetheless, Brazil's ministers came.")
    got = entities(ref)
    assert {"hu jintao", "luiz inacio lula da silva", "granja do torto", "federal district", "1200", "brazil"} <= got
    assert not {"lunch", "nonetheless", "federal district lunch"} & got


def test_coverage_counts_whole_spans_or_every_word_and_names_what_is_missing():
    ref = {"hu jintao", "granja do torto", "1200", "celso amorim"}
    n, missing = coverage(ref, "President Hu Jintao met 1,200 guests; Amorim and Celso came at the Granja.")
    assert n == 3 and missing == ["granja do torto"]


def test_a_disagreement_is_another_number_before_the_same_word_with_what_the_articles_say():
    out = disagreements("The blast killed 20 people in Baghdad.", "The blast killed 22 people [1].",
                        ["A blast killed 22 people.", "At least 22 people died; 22 people were hurt."])
    assert out == [{"reference": "20 people", "brief": ["22 people"], "articles_with_reference": 0,
                    "articles_with_brief": {"22": 2}}]
    assert disagreements("It killed 20 people.", "It killed 20 people and 3 people were hurt.", []) == []
