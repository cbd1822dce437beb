"""The asked-for slot of a question and whether an answer sentence fills it (rag.answer.asked).

Sentences are the model's real answers from the Wikinews dev replay (bench/results), the questions
those of tests/eval/wikinews-dev.yaml."""
from __future__ import annotations

import pytest

from rag.answer import asked
from rag.answer.cite import verify
from rag.core.types import Source


@pytest.mark.parametrize("question, kind, noun", [
    ("What are the names of the two Tilt Train drivers who were seriously injured?", "name", ""),
    ("How many sailors were on board the Chinese submarine?", "count", "sailors"),
    ("How many extra deaths did the 2003 heatwave cause in France?", "count", "deaths"),
    ("How many people died?", "count", "people"),
    ("How much did Boeing agree to pay the government?", "amount", ""),
    ("On what date did Russia's Constitutional Court rule on the Tatar alphabet?", "date", "date"),
    ("In which city did the UN Security Council meet?", "place", "city"),
    ("In which countries does the coverage mention Iran's support?", "place", "country"),
    ("Who replaced Serge Vohor as prime minister of Vanuatu?", "thing", ""),
    ("What happened to Kmart before the merger?", None, "happened"),
    ("Did the two leaders meet in person?", None, ""),
])
def test_parse_kind_and_noun(question, kind, noun):
    got = asked.parse(question)
    assert (got.kind, got.noun) == (kind, noun)


@pytest.mark.parametrize("question, sentence, fills", [
    # the restated question is no answer; a name, date or count the question did not supply is
    ("What are the names of the two Tilt Train drivers who were seriously injured?",
     "The two Tilt Train drivers who were seriously injured were the two train drivers and a crew member.", False),
    ("How many jobs will be cut as a result of the Kmart-Sears merger?",
     "The merger will lead to significant cost savings, resulting in jobs being cut.", False),
    ("How many jobs will be cut as a result of the Kmart-Sears merger?",  # a date's year or day counts nothing
     "The merger is expected to close by the end of March 2005, subject to approval by shareholders.", False),
    ("How many people died in the attack?", "The attack on 29 October was condemned.", False),
    ("How many people died in the attack?", "The attack on 29 October killed 12.", True),
    ("How many sailors were on board the Chinese submarine that entered Japanese waters?",
     "According to the first source, there were seven research vessels and one submarine.", False),
    ("How much did Boeing agree to pay the government to settle the tanker scandal?",
     "About 2 months ago, Ms. Druyun was sentenced to 9 months in prison.", False),
    ("How many times had the Lycos screensaver been downloaded in its first four days?",
     "The screensaver was downloaded more than 20,000 times in the last four days.", True),
    ("How many extra deaths did the 2003 heatwave cause in France?",
     "14,000 deaths more than the seasonal average in France alone.", True),
    ("When will Michael Sears be sentenced?", "Michael Sears will be sentenced on January 21.", True),
    ("Which country mediated the indirect talks?", "Oman mediated the indirect talks.", True),
    # a country names no city; a city with its country, a city-state and "Mexico City" do
    ("In which city did the trade ministers meet?", "The trade ministers met in South Africa.", False),
    ("In which town was the treaty signed?", "The treaty was signed in Uruguay.", False),
    ("In which city did the trade ministers meet?", "The trade ministers met in Durban, South Africa.", True),
    ("In which city did the trade ministers meet?", "The trade ministers met in Singapore.", True),
    ("In which city did the trade ministers meet?", "The trade ministers met in Mexico City.", True),
])
def test_fills(question, sentence, fills):
    assert asked.fills(asked.parse(question), sentence) is fills


def test_an_answer_off_the_question_does_not_answer():
    question = "Who gave Jim Taricani the videotape of the bribe?"
    text = "The Associated Press via the San Francisco Chronicle R.I. reporter expects to be convicted of contempt."
    src = Source(1, "d", "Society of Professional Journalists", text, ("c",))
    v = verify(text[:-1] + " [1].", [src], question)
    assert v.supported_share == 1.0  # every word is in the source ...
    assert not v.answers  # ... but nothing in it is about the question
    v = verify("Marwan Barghouti [1].", [Source(1, "d", "", "Marwan Barghouti plans to run.", ("c",))],
               "Which jailed leader intends to stand for president?")
    assert v.answers  # a bare short answer needs no question word


def test_a_claim_that_repeats_the_asked_year_against_a_source_about_another_year_fails():
    # rgb-dev/docs/rgb097_neg8.txt, verbatim; the question asks about 2020
    from rag.answer.support import assess
    evidence = "Hinako Shibuno of Japan won the 2019 Women's British Open golf tournament."
    question = "Who won the British Open golf tournament in 2020?"
    assert assess("Hinako Shibuno won the British Open golf tournament in 2020.", evidence, question).score == 0.0
    assert assess("Hinako Shibuno won the 2019 Women's British Open.", evidence,
                  "Who won the Women's British Open in 2019?").score >= 0.6
