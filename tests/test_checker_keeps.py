"""Right answers the citation checker used to throw away (issue #16, replay of saved default-model
answers), each on small fixed text, next to the wrong answer the same rule must still reject."""
from __future__ import annotations

from rag.answer.cite import SUPPORT_THRESHOLD, verify
from rag.answer.claims import clauses, role_conflict
from rag.answer.polarity import negation_flip
from rag.answer.slots import name_slot_conflict
from rag.answer.support import assess, metadata
from rag.core.types import Source

BRAWL = ("Indiana's Ron Artest, Jermaine O'Neal and Stephen Jackson, and Detroit's Ben Wallace were suspended "
         "indefinitely by the NBA on Saturday for taking part in a brawl.")


def _ok(claim: str, text: str, question: str = "") -> bool:
    return assess(claim, text, question).score >= SUPPORT_THRESHOLD


def test_a_list_of_names_is_one_clause_with_its_verb():
    parts = clauses("Ben Wallace, Jermaine O'Neal, Stephen Jackson, and Ron Artest were suspended by the NBA, "
                    "a fight with fans.")
    assert parts[0] == "Ben Wallace, Jermaine O'Neal, Stephen Jackson, and Ron Artest were suspended by the NBA"
    assert clauses("In Paris, the council voted.") == ["In Paris", "the council voted."]


def test_every_name_of_a_listed_subject_fills_the_slot():
    q = "Which players did the NBA suspend?"
    assert _ok("Ben Wallace, Jermaine O'Neal and Ron Artest were suspended indefinitely by the NBA.", BRAWL, q)
    assert not name_slot_conflict("Ron Artest were suspended", BRAWL, {"ron", "artest"})
    # a name outside the list is still another slot's
    assert name_slot_conflict("Marty Burns was suspended", "Ben Wallace was suspended. Marty Burns wrote.",
                              {"marty", "burns"})


def test_the_kept_part_of_a_name_list_sentence_keeps_its_verb():
    src = Source(1, "d", "NBA", BRAWL + " Stern called it shocking.", ("d:0",))
    v = verify("Ben Wallace, Jermaine O'Neal, Stephen Jackson, and Ron Artest were suspended indefinitely "
               "by the NBA, a fight that the league's owners had planned. [1]", [src], "Which players were suspended?")
    assert "were suspended" in v.text
    assert "planned" not in v.text


def test_a_name_that_modifies_a_noun_fills_no_slot():
    text = "The first season of the American crime series The Blacklist premiered on NBC on September 23, 2013."
    assert _ok("The first season of The Blacklist premiered on September 23, 2013.", text)
    assert not _ok("The first season of The Americans premiered on September 23, 2013.", text)


def test_beside_a_verb_the_name_may_stand_on_either_side():
    text = "The 2018 Nobel Prize in Literature was awarded the Polish writer Olga Tokarczuk (born 1962)."
    assert _ok("Olga Tokarczuk was awarded the 2018 Nobel Prize in Literature.", text)
    assert not _ok("Peter Handke was awarded the 2018 Nobel Prize in Literature.", text)


def test_a_name_before_the_head_noun_is_that_noun_s_slot():
    text = ("The sub strayed Nov. 10 into Japanese waters near Ishigaki Island. It was heading for Chinese "
            "territorial waters in the East China Sea.")
    assert not name_slot_conflict("The sub entered Japanese territorial waters", text, {"japanese"})
    assert name_slot_conflict("The sub entered Korean territorial waters", text, {"korean"})


def test_a_word_the_source_asserts_somewhere_is_not_negated_by_its_other_mention():
    text = 'The association accused Mr Reid of introducing a "ban on eating" in pubs rather than a ban on smoking.'
    assert not negation_flip("The association called the plans a ban on eating.", text)
    assert negation_flip("The association did not call it a ban.", "The association called it a ban.")
    assert negation_flip("The council approved the budget.", "The council did not approve the budget.")


PUBS = Source(1, "a", "Smoking plans", 'The British Beer and Pub Association accused Mr Reid of introducing a "ban on '
              'eating" in pubs rather than a ban on smoking.', ("a:0",))
FOREST = Source(2, "b", "Reaction", "Pro-smokers' group Forest attacked the reform plans as an attempt to demonise "
                "smokers.", ("b:0",))
Q_PUBS = "Which group attacked the plans, and which trade body called them a ban on eating?"


def test_a_sentence_whose_clauses_two_sources_hold_cites_both():
    v = verify("The pro-smoking group Forest attacked the plans, and the British Beer and Pub Association called "
               "them a ban on eating. [1]", [PUBS, FOREST], Q_PUBS)
    assert v.sentences[0].citations == (1, 2) and v.supported_share == 1.0


def test_a_clause_no_source_holds_is_still_dropped():
    v = verify("The pro-smoking group Forest attacked the plans, and the British Medical Association called "
               "them a ban on drinking. [1]", [PUBS, FOREST], Q_PUBS)
    assert "Medical" not in v.text and v.dropped
    assert v.sentences[0].citations == (2,)


def test_a_clause_without_its_own_subject_needs_the_source_of_the_clause_before():
    ceo = Source(1, "c", "Google", "Google CEO Sundar Pichai says the company's next trillion will come from search.",
                 ("c:0",))
    other = Source(2, "d", "Schmidt", "Eric Schmidt, former CEO of Google and technical adviser at Alphabet, spoke.",
                   ("d:0",))
    v = verify("The CEO of Google is Sundar Pichai, who is the former CEO of Google and technical adviser at "
               "Alphabet. [1]", [ceo, other], "Who is the CEO of Google?")
    assert 2 not in v.sentences[0].citations
    assert "technical adviser" not in v.text


SUB = "The sub, while running submerged, strayed Nov. 10 into Japanese waters near Ishigaki Island."


def test_a_year_added_to_a_day_the_undated_source_gives_without_one_is_no_contradiction():
    years = frozenset({"2004"})
    for claim in ("The submarine strayed into Japanese waters on November 10, 2004.",
                  "The submarine strayed into Japanese waters on 10 November 2004."):
        assert assess(claim, SUB, "", "", years).score >= SUPPORT_THRESHOLD
        assert not _ok(claim, SUB)  # no source states 2004


def test_a_year_against_a_source_that_states_another_fails():
    assert not _ok("The submarine strayed into Japanese waters on November 10, 2004.", SUB + " It was 2003.")
    dated = metadata("Sub intrusion", None, "2003-11-13")
    assert not assess("The submarine strayed into Japanese waters on November 10, 2004.", SUB, "", dated).score \
        >= SUPPORT_THRESHOLD
    assert assess("The submarine strayed into Japanese waters on November 10, 2003.", SUB, "",
                  dated).score >= SUPPORT_THRESHOLD
    assert not _ok("The submarine strayed into Japanese waters on November 11, 2004.", SUB)  # another day


def test_the_added_year_must_be_stated_by_a_source_shown_with_it():
    near = Source(1, "a", "Sub", SUB, ("a:0",))
    dateline = Source(2, "b", "Japan Times", "The Japan Times: Nov. 13, 2004. Officials spoke.", ("b:0",))
    q = "On what date did the submarine enter Japanese waters?"
    right = verify("The submarine strayed into Japanese waters on November 10, 2004. [2]", [near, dateline], q)
    assert right.sentences[0].citations == (1,)
    wrong = verify("The submarine strayed into Japanese waters on November 10, 2007. [2]", [near, dateline], q)
    assert wrong.supported_share == 0.0


def test_a_headline_participle_is_passive():
    headline = "Band Aid 20 video shown across UK. The new video has been shown for the first time."
    assert not role_conflict("The Band Aid 20 video was shown across the UK", headline)
    assert not role_conflict("The Band Aid 20 video was shown across the UK", "Band Aid 20 video shown across UK.")
    assert role_conflict("The video was shown by ITV", "The video was shown by BBC.")  # another doer still fails


def test_a_failing_main_clause_is_never_dropped_from_a_kept_rest():
    # the old split: names, then the clause with the verb; that clause failing must fail the sentence
    text = "Ben Wallace, Jermaine O'Neal and Stephen Jackson were fined. A fight with fans that Stern called shocking."
    got = assess("Ben Wallace, Jermaine O'Neal, Stephen Jackson; and Ron Artest were suspended for life; a fight "
                 "with fans that Stern called shocking.", text, "Who was suspended?")
    assert got.score < SUPPORT_THRESHOLD and not got.dropped


def test_a_count_is_the_number_of_names_its_apposition_lists():
    q = "How many players were suspended?"
    assert _ok("Four players, Artest, O'Neal, Jackson and Wallace, were suspended indefinitely by the NBA.", BRAWL, q)
    assert not _ok("Five players, Artest, O'Neal, Jackson and Wallace, were suspended indefinitely by the NBA.",
                   BRAWL, q)
    assert not _ok("Four players, Artest, O'Neal and Jackson, were suspended indefinitely by the NBA.", BRAWL, q)


def test_an_answer_clause_made_of_question_words_and_the_answer_is_judged_and_kept():
    src = Source(1, "w", "2018 World Cup", "2018 FIFA World Cup. Netherlands. Runner-up. 7 matches played.", ("w:0",))
    q = "Who was the runner-up of the 2018 World Cup?"
    v = verify("The runner-up of the 2018 World Cup was the Netherlands, who won the title after defeating France "
               "in the final. [1]", [src], q)
    assert v.text.startswith("The runner-up of the 2018 World Cup was the Netherlands") and "France" not in v.text
    assert v.dropped
    wrong = verify("The runner-up of the 2018 World Cup was Croatia, who won the title after defeating France "
                   "in the final. [1]", [src], q)
    assert wrong.supported_share == 0.0


def test_a_pointer_at_the_source_is_not_part_of_the_claim():
    text = "Germany beat Argentina 1-0 in the 2014 World Cup final in Rio de Janeiro, so Argentina finished runner-up."
    src = Source(2, "d", "World Cup 2014", text, ("d:0",))
    q = "Who was the runner-up of the 2014 World Cup?"
    for pointer in (", as shown in source", " as stated in", ", according to the source", " in the article"):
        v = verify(f"The runner-up of the 2014 World Cup was Argentina{pointer} [2].", [src], q)
        assert v.sentences and v.sentences[0].citations, pointer
    # the same sentence with the wrong team is still refused
    v = verify("The runner-up of the 2014 World Cup was Brazil, as shown in source [2].", [src], q)
    assert not any(s.citations for s in v.sentences)
