"""Answers that do not answer, or put a name in the question's relation that the source does not state
(issues #17, #18): each rule on small fixed text with wordings the eval suites never use, next to the
right answer the same rule must keep."""
from __future__ import annotations

import pytest

from rag.answer import asked
from rag.answer.cite import SUPPORT_THRESHOLD, verify
from rag.answer.polarity import claimed_superlatives
from rag.answer.support import assess
from rag.core.types import Source
from rag.text.lexicon import canonical


def _ok(claim: str, text: str, question: str) -> bool:
    return assess(claim, text, question).score >= SUPPORT_THRESHOLD


def test_a_how_much_pay_question_needs_a_sum_of_money():
    ask = asked.parse("How much did the airline agree to spend to settle the pilots' lawsuit?")
    assert asked.fills(ask, "The airline agreed to spend $42 million on the settlement.")
    assert asked.fills(ask, "It will pay 3 billion yen to the pilots.")
    assert not asked.fills(ask, "The deal includes a 4 percent wage rise for 300 pilots.")
    # an amount that is not money keeps its percent answer
    rise = asked.parse("How much did the river rise overnight?")
    assert asked.fills(rise, "The river rose 2 metres overnight.")


def test_the_money_rule_turns_a_percent_answer_into_no_answer():
    text = "The union's contract includes a 4 percent wage rise for 300 pilots. The airline paid $42 million."
    src = Source(1, "d", "Pilots", text, ("c",))
    q = "How much did the airline pay the pilots?"
    assert not verify("The contract includes a 4 percent wage rise for 300 pilots [1].", [src], q).answers
    assert verify("The airline paid $42 million [1].", [src], q).answers


def test_a_name_in_the_question_s_relation_needs_a_source_that_states_it():
    q = "Which faction admitted involvement in the pipeline explosion near Kirkuk?"
    blast = ("A pipeline explosion near Kirkuk on Monday killed 3 guards. Local militia members were among "
             "the injured, officials said.")
    assert not _ok("The Local militia admitted involvement in the pipeline explosion near Kirkuk.", blast, q)
    admitted = blast + " The Free Kurdistan Brigade admitted involvement in the attack in a statement."
    assert _ok("The Free Kurdistan Brigade admitted involvement in the pipeline explosion.", admitted, q)
    # the source says it with the noun's other form: still stated
    assert _ok("The Free Kurdistan Brigade admitted involvement in the explosion.",
               blast + " The Free Kurdistan Brigade said it was involved in the attack.", q)


def test_a_bare_verb_may_be_the_question_s_paraphrase():
    # "chose" is the question's word; the source says "nominated": no relation noun, so not checked here
    q = "Whom did the governor choose for the vacant Senate seat?"
    text = "Governor Alma Reyes nominated Daniel Okafor to fill the vacant Senate seat on Tuesday."
    assert _ok("The governor chose Daniel Okafor for the vacant Senate seat.", text, q)


def test_a_title_the_source_gives_someone_else_does_not_go_to_a_name():
    from rag.answer.slots import title_conflict
    text = ("Chancellor Ingrid Falk opened the summit in Graz. The visiting trade envoy, Omar Haddad, "
            "said he was snubbed by Falk at the reception.")
    q = "Who took over from Ingrid Falk as chancellor?"
    assert not _ok("Ingrid Falk was succeeded by Chancellor Omar Haddad.", text, q)
    assert title_conflict("Chancellor Omar Haddad opened the summit.", text, {"omar", "haddad"})
    # the holder itself keeps the title; an honorific is no office
    assert not title_conflict("Chancellor Ingrid Falk opened the summit.", text, {"ingrid", "falk"})
    assert not title_conflict("Mr Omar Haddad was snubbed.", "Mr Falk spoke. Omar Haddad was snubbed.",
                              {"omar", "haddad"})
    successor = text + " Chancellor Omar Haddad was sworn in a month later."
    assert _ok("Ingrid Falk was succeeded by Chancellor Omar Haddad.", successor + " Haddad succeeded Falk.", q)


def test_a_date_from_a_passage_that_names_none_of_the_question_s_names_is_not_its_date():
    q = "When did Peru's electoral tribunal annul the Cusco vote?"
    other = "Chile's parliament also debated a new electoral tribunal. The Santiago Post: March 3, 2011"
    assert not _ok("Peru's electoral tribunal annulled the Cusco vote on March 3, 2011.", other, q)
    own = "Peru's electoral tribunal annulled the Cusco vote on March 3, 2011, citing fraud."
    assert _ok("Peru's electoral tribunal annulled the Cusco vote on March 3, 2011.", own, q)
    # a name answer may come from a passage that says "the tribunal" without naming Peru
    who = "Who chairs Peru's electoral tribunal?"
    assert _ok("Peru's electoral tribunal is chaired by Rosa Quispe.", "The tribunal is chaired by Rosa Quispe.", who)


def test_a_number_of_one_time_unit_is_not_contradicted_by_another_unit():
    from rag.answer.slots import number_conflict
    text = ("The minister said the closure would not last longer than 3 months. The decree allows a period "
            "not exceeding 90 days.")
    assert not number_conflict("The closure would last not exceeding 3 months.", text)
    assert number_conflict("The closure would last not exceeding 5 months.", text)
    assert number_conflict("The decree allows a period not exceeding 60 days.", text)


def test_a_number_the_source_gives_only_for_something_else_is_not_the_claim_s():
    from rag.answer.slots import number_conflict
    text = ("The new company will have nearly 3,500 retail stores. It will be based in Hoffman Estates, "
            "where 2,000 staff work, and was valued at $11 billion in the 2004 deal.")
    assert number_conflict("The company will employ about 3,500 people.", text)
    assert not number_conflict("The company will have 3,500 stores.", text)  # a word between
    assert not number_conflict("About 2,000 workers are based there.", text)  # another word for the same
    assert not number_conflict("It cut 35,000 jobs.", "It laid off more than 35,000 employees.")
    assert not number_conflict("The blast killed 12 people.", "Police said 12 dead and 40 wounded were counted.")
    assert not number_conflict("It cut 35 civilians off.", "It stranded 35 residents.")
    assert not number_conflict("The deal was worth $11 billion.", text)  # nothing counted in the claim
    # years and numbers inside a name are not what a number counts; two units of time are not compared
    assert not number_conflict("The 2004 merger created the company.", text)
    assert not number_conflict("The Band Aid 20 video aired.", "Band Aid 20 hits the airwaves.")
    assert not number_conflict("The talks lasted 2 weeks.", "The talks could take 2 months, one envoy said.")
    # ... but a unit of time is not what the source counts with that number ("two countries")
    assert number_conflict("The talks in Muscat lasted for 2 hours.",
                           canonical("Muscat played a quiet role in diplomacy between the two countries."))
    assert not _ok("The talks in Muscat lasted for 2 hours.",
                   "Muscat played a quiet role in diplomacy between the two countries.",
                   "How many hours did the talks in Muscat last?")


def test_a_who_answer_about_the_question_s_own_name_is_no_answer():
    ask = asked.parse("Who took charge of the Lisbon orchestra after Marta Leal stepped down?")
    wrong = ("Marta Leal's departure came after a funding dispute, described by critics as a row that left "
             "Portuguese musicians unpaid for months.")
    assert not asked.fills(ask, wrong)
    assert asked.fills(ask, "Marta Leal stepped down, and Tomas Ribeiro took charge of the orchestra.")
    assert asked.fills(ask, "Marta Leal was replaced by the deputy conductor, who took charge in May.")
    # a description, not a name, may answer "who" when the sentence is not about the question's name
    assert asked.fills(ask, "The deputy conductor took charge of the Lisbon orchestra.")


def test_a_name_the_source_gives_no_role_keeps_the_claimed_title():
    from rag.answer.slots import title_conflict
    text = "President Arroyo met Lee Hsien Loong in Manila on Friday."
    assert not title_conflict("Prime Minister Lee Hsien Loong met President Arroyo.", text, {"lee", "hsien", "loong"})


def test_a_who_answer_may_be_a_description_after_the_question_s_own_name():
    ask = asked.parse("Who did the mayor appoint to lead the inquiry?")
    assert asked.fills(ask, "The mayor picked her deputy chief of staff to run the review.")
    q = "Which striker scored the winning goal?"
    text = "Ines Varga netted the decisive goal in the 89th minute."
    assert _ok("Ines Varga scored the winning goal.", text, q)  # the source holds the relation's noun


def test_a_thing_the_source_names_only_inside_another_body_s_name_is_not_the_asked_thing():
    from rag.answer.slots import longer_name
    q = "Who chairs the UEFA?"
    union = "Delegates of the UEFA Referees Union re-elected Karel Novak as chairman on Monday."
    assert not _ok("The chairman of the UEFA is Karel Novak.", union, q)
    assert _ok("The chairman of the UEFA Referees Union is Karel Novak.", union, q)  # says whose chairman
    # other wordings of the other body's role: an apposition, a title before the name
    assert not _ok("The chairman of the UEFA is Karel Novak.",
                   "Karel Novak, chairman of the UEFA Referees Union, was re-elected on Monday.", q)
    assert not _ok("Karel Novak is the chairman of the UEFA.",
                   "UEFA Referees Union chairman Karel Novak was re-elected on Monday.", q)
    own = "Delegates of the UEFA re-elected Karel Novak as chairman on Monday."
    assert _ok("The chairman of the UEFA is Karel Novak.", own, q)
    assert _ok("Karel Novak is the chairman of the UEFA.",
               "The UEFA re-elected its chairman, Karel Novak; the UEFA Referees Union backed him.", q)
    # a company suffix is the same firm; a source that also names the thing itself is about it
    supplied = frozenset({"mattel"})
    assert not longer_name("The head of Mattel is Ynon Kreiz.", "Mattel Inc named Ynon Kreiz its head.", supplied)
    # the thing's own organ or full name is not another body, nor is a longer word ("Russian" for "Russia")
    assert _ok("The president of Yale is Maurie McInnis.", "Yale University president Maurie McInnis spoke.",
               "Who is the president of Yale?")
    assert _ok("The president of Russia is Vladimir Putin.", "President of the Russian Federation Vladimir Putin "
               "spoke.", "Who is the president of Russia?")
    assert not longer_name("The head of Mattel is Ynon Kreiz.",
                           "Ynon Kreiz heads Mattel, which funds the Mattel Children's Foundation.", supplied)
    assert longer_name("The head of Mattel is Ynon Kreiz.",
                       "Ynon Kreiz heads the Mattel Children's Foundation.", supplied)


def test_a_date_of_a_subtitled_edition_is_not_the_title_s_date():
    q = "When does Starfall 3 come out?"
    dlc = "Studio news ... Starfall 3: Ember Tide is set to come out on 4 March 2025 for consoles."
    assert not _ok("Starfall 3 comes out on 4 March 2025.", dlc, q)
    game = "Studio news ... Starfall 3 is set to come out on 9 May 2024 for consoles."
    assert _ok("Starfall 3 comes out on 9 May 2024.", game, q)
    # a colon that opens a sentence or a credit is no subtitle
    assert _ok("Starfall 3 comes out on 9 May 2024.", "Starfall 3: Release set for 9 May 2024 on consoles.", q)
    credit = "Starfall 3: Written by Ona Brandt."
    assert _ok("Ona Brandt wrote Starfall 3.", credit, "Who wrote Starfall 3?")


def test_a_verb_the_source_uses_twice_keeps_its_doers_in_both_places():
    from rag.answer.claims import role_conflict
    q = "Who will coach the Harbour City Sharks next season?"
    text = ("Riverside United assistant Mara Lind will coach the Harbour City Sharks next season; the club "
            "had also asked a veteran to coach the youth side.")
    assert not _ok("Riverside United will coach the Harbour City Sharks next season.", text, q)
    assert _ok("Mara Lind will coach the Harbour City Sharks next season.", text, q)
    # the claim's doer does the verb in one of the places: no conflict
    assert not role_conflict("Mara Lind will coach the youth side.",
                             "Mara Lind will coach the Sharks. Ivo Berg will coach the youth side.")
    # only unnamed doers besides: nothing to compare
    assert not role_conflict("Mara Lind will coach the Sharks.",
                             "The board wants someone to coach the Sharks, and asked a veteran to coach the "
                             "youth side.")


def test_a_list_of_nominees_does_not_say_who_won():
    shortlist = "Hale Prize 2019 shortlist: The Salt Road (Ana Ruiz), Quiet Harbour (Tom Eke), Glass Birds (Li Wen)."
    q = "Which novel won the Hale Prize for fiction in 2019?"
    assert not _ok("Quiet Harbour won the Hale Prize for fiction in 2019.", shortlist, q)
    nominated = "Quiet Harbour by Tom Eke was nominated for the Hale Prize for fiction in 2019."
    assert not _ok("Quiet Harbour won the Hale Prize for fiction in 2019.", nominated, q)
    assert _ok("Quiet Harbour won the Hale Prize for fiction in 2019.",
               "Quiet Harbour by Tom Eke was named winner of the Hale Prize for fiction in 2019.", q)
    for text in ("Tom Eke's Quiet Harbour was crowned the Hale Prize for fiction book of 2019.",  # other wordings
                 "Tom Eke's Quiet Harbour took the Hale Prize for fiction in 2019.",
                 "The Hale Prize for fiction in 2019 went to Quiet Harbour by Tom Eke."):
        assert _ok("Quiet Harbour won the Hale Prize for fiction in 2019.", text, q)
    assert _ok("Tom Eke accepted the Hale Prize for fiction in 2019 for Quiet Harbour.",
               "In 2019 Tom Eke accepts the Hale Prize for fiction for Quiet Harbour.",
               "Who won the Hale Prize for fiction in 2019?")
    # a question that does not ask who won is not checked: the nominees answer it; "winning" describes
    assert _ok("Ines Varga scored the winning goal.", "Ines Varga netted the decisive goal.",
               "Who scored the winning goal?")
    assert _ok("Quiet Harbour was nominated for the Hale Prize for fiction in 2019.", nominated,
               "Which novels were nominated for the Hale Prize for fiction in 2019?")


def test_a_place_s_country_may_come_from_another_source_shown():
    q = "Which city hosted the 2031 rowing worlds?"
    host = Source(1, "a", "Worlds", "Porto was chosen as the host city of the 2031 rowing worlds.", ("a:0",))
    named = Source(2, "b", "Porto, Portugal", "Porto, Portugal, 2031. The regatta drew 40 crews.", ("b:0",))
    assert 1 in verify("Porto, Portugal hosted the 2031 rowing worlds [1].", [host, named], q).sentences[0].citations
    # no source shown writes the place with that country: the country is the model's own, and fails
    assert 1 not in verify("Porto, Spain hosted the 2031 rowing worlds [1].", [host, named], q).sentences[0].citations
    assert not verify("Porto, Portugal hosted the 2031 rowing worlds [1].", [host], q).sentences[0].supported


def test_a_date_of_another_numbered_model_is_not_the_asked_model_s():
    from rag.answer.slots import longer_name
    q = "When did the Orca 7 drone go on sale?"
    older = "The drone went on sale on 3 May 2022 at 499 dollars. Orca 6 Mini. Weight, 240 g."
    assert not _ok("The Orca 7 drone went on sale on 3 May 2022.", older, q)
    own = "The drone went on sale on 3 May 2024 at 499 dollars. Orca 7 Mini. Weight, 240 g."
    assert _ok("The Orca 7 drone went on sale on 3 May 2024.", own, q)
    # a head written without a number, or with the asked number too, is no other model
    supplied = frozenset({"orca", "7"})
    assert not longer_name("The Orca 7 went on sale in May.", "The Orca line went on sale in May.", supplied)
    assert not longer_name("The Orca 7 went on sale in May.", "Orca 6 and Orca 7 went on sale in May.", supplied)


def test_a_superlative_the_question_asks_for_needs_a_source_that_says_it():
    q = "Which city is now the busiest container port on the Baltic coast?"
    plain = "Gdansk, a long-standing container port on the Baltic coast, expanded its quay last year."
    assert not _ok("Gdansk is now the busiest container port on the Baltic coast.", plain, q)
    stated = "Gdansk overtook Hamburg's feeder trade and is now the Baltic coast's busiest container port."
    assert _ok("Gdansk is now the busiest container port on the Baltic coast.", stated, q)
    # a word in -est that is no superlative asks for nothing
    assert claimed_superlatives("Nordbank set the interest rate.", "Which bank set the interest rate?") == frozenset()


def test_an_answer_that_is_only_a_name_claims_what_the_question_asks():
    # "Onward (2020)" answers "What movie won ...?": it says Onward won, which a poll of nominees does not
    q = "Which documentary won the Golden Reel for best feature in 2022?"
    poll = "Poll: Golden Reel 2022 - best feature · Vote! Deep Water (2021) · Vote! Salt Roads (2021)"
    assert not _ok("Deep Water (2021).", poll, q)
    assert _ok("Deep Water (2021).", "Deep Water (2021) won the Golden Reel for best feature in 2022.", q)
    sq = "Which city is now the busiest container port on the Baltic coast?"
    assert not _ok("Gdansk.", "Gdansk, a long-standing container port on the Baltic coast, expanded.", sq)
    assert claimed_superlatives("Gdansk.", sq) == frozenset({"busiest"})
    assert claimed_superlatives("The port of Gdansk.", sq) == frozenset()  # not only a name: its own words


@pytest.mark.parametrize("question, claim, refuting, supporting", [
    # a former holder of the role is not who holds it now
    ("Who is the CEO of Nintendo in 2021?", "Satoru Iwata is the president and CEO of Nintendo.",
     "Satoru Iwata was the global president and CEO of Nintendo and a gifted programmer. Reviewed on April 18, 2021.",
     "Satoru Iwata is the president and CEO of Nintendo, the company said on April 18, 2021."),
    # a role in a bracketed aside listed before the asked organisation is another organisation's
    ("Who is the CEO of Sega in 2022?", "Ann Marsh was the CEO of Sega Corp. in 2022.",
     "May 2, 2022 ... (HQ: Austin, TX; CEO: Ann Marsh) and Sega Corp. (HQ: Tokyo; President: Haruki Satomi ...",
     "May 2, 2022 ... Sega Corp. (HQ: Tokyo; CEO: Ann Marsh) and Atlus (HQ: Tokyo; President: Naoto Hiraoka ..."),
    # the question's relation must be in the source whoever the claim names, a common noun too
    ("Which group claimed responsibility for the car bombs at the Green Zone?",
     "The car bombs at the Green Zone were claimed by insurgents.",
     "Two car bombs exploded at an entrance to Baghdad's Green Zone. Insurgents have attacked the checkpoint before.",
     "Two car bombs exploded at an entrance to Baghdad's Green Zone. Insurgents claimed responsibility."),
    # a holder the source names apart from the asked work is not its holder; "the film" links a sentence
    ("Who is the lead actress in The Shape of Water?", "Sally Hawkins is the lead actress in The Shape of Water.",
     "The Shape of Water won best picture at the 2018 Academy Awards. Sally Hawkins and Gary Oldman won the "
     "lead acting awards.",
     "The Shape of Water opened in 2017. The film stars Sally Hawkins as the lead actress, a mute cleaner."),
    # ... nor is one the source never places in the asked work at all
    ("Who is the lead actress in The Shape of Water?", "Liu Yifei is the lead actress in The Shape of Water.",
     "And last August, its lead actress Liu Yifei, the actress playing Mulan herself, made headlines.",
     "The Shape of Water's lead actress Liu Yifei made headlines."),
])
def test_a_source_that_does_not_state_the_relation_refuses_the_claim(question, claim, refuting, supporting):
    assert not _ok(claim, refuting, question)
    assert _ok(claim, supporting, question)


def test_a_clause_the_checker_drops_fills_no_slot():
    q = "How many jobs will the merger of the two grocers cut?"
    src = Source(1, "d", "Grocers merge", "The merger of the two grocers should help the new company compete "
                 "against Tesco, the largest grocer. Asda will lose its place as the third grocer.", ("c",))
    claim = ("The merger should help the new company compete against Tesco, the largest grocer, as well as Asda, "
             "which will lose its place as No. 3 to the combined company [1].")
    v = verify(claim, [src], q)
    assert v.dropped and "No. 3" not in v.text and not v.answers  # its only number was in the dropped clause
    held = Source(1, "d", "Grocers merge", "The merger of the two grocers will cut 3,000 jobs.", ("c",))
    assert verify("The merger of the two grocers will cut 3,000 jobs [1].", [held], q).answers


def test_a_role_holder_needs_a_source_that_names_the_asked_work():
    q = "Who is the lead actress in The Shape of Water?"
    other = Source(1, "d", "Musical", "Sally Hawkins plays Mia, an aspiring actress in Los Angeles.", ("c",))
    assert not verify("Sally Hawkins plays Mia, an aspiring actress in Los Angeles [1].", [other], q).answers
    named = Source(1, "d", "Cast", "The Shape of Water stars Sally Hawkins as Elisa, a mute cleaner.", ("c",))
    assert verify("Sally Hawkins plays Elisa, a mute cleaner [1].", [named], q).answers
    # a question about no named organisation or work is not concerned
    assert verify("Sally Hawkins plays Mia, an aspiring actress [1].", [other], "Who plays Mia?").answers
