"""The constraint parser on the forms look-alike questions use, and satisfies/conflicts on fixed text."""
from __future__ import annotations

from datetime import date

import pytest

from rag.retrieval.constraints import Constraints, parse
from rag.retrieval.satisfy import conflicts, entity_coverage, satisfies


@pytest.mark.parametrize("question, field, expected", [
    ("Who was the runner-up of the 2014 World Cup?", "years", (2014,)),
    ("What were Apple's revenues in Q3 2021?", "quarters", ((2021, 3),)),
    ("How much did it earn in the third quarter of 2021?", "quarters", ((2021, 3),)),
    ("What did Microsoft report for Q4 FY2019?", "quarters", ((2019, 4),)),
    ("Who scored most in the 2020/21 season?", "seasons", ("2020-21",)),
    ("Who won the Premier League 2020-21?", "seasons", ("2020-21",)),
    ("Who was MVP of the 2019 season?", "seasons", ("2019",)),
    ("Who won album of the year at the 62nd Grammy Awards?", "editions", ((62, "grammy"),)),
    ("Which actor won Best Actor at the 92nd Academy Awards Ceremony?", "editions", ((92, "academy"),)),
    ("When does season 4 of The Crown premiere?", "editions", ((4, "season"),)),
    ("When will the first season of The Blacklist premiere?", "editions", ((1, "season"),)),
    ("Which were the best films of the 2010s?", "decades", (2010,)),
    ("Which films of the '90s won?", "decades", (1990,)),
    ("What happened on June 19, 2020?", "dates", ("2020-06-19",)),
    ("What happened on 15 November 2020?", "dates", ("2020-11-15",)),
    ("Who led the polls in March 2021?", "months", ((2021, 3),)),
])
def test_parses_the_tricky_forms(question: str, field: str, expected: tuple) -> None:
    assert getattr(parse(question), field) == expected


def test_a_season_span_gives_both_years_and_a_year_range_is_not_a_season() -> None:
    assert parse("the 2020/21 season").years == (2020, 2021)
    assert parse("between 2010-2014").seasons == ()
    assert parse("Q4 FY2019").fiscal and not parse("Q4 2019").fiscal


def test_relative_years_resolve_against_the_reference_date_or_stay_unresolved() -> None:
    ref = date(2022, 5, 1)
    assert parse("Who won last year's final?", ref).years == (2021,)
    assert parse("Who leads this year?", ref).years == (2022,)
    assert parse("What was announced last quarter?", ref).quarters == ((2022, 1),)
    unresolved = parse("Who won last year's final?")
    assert unresolved.years == () and unresolved.relative == ("last year",)


def test_entities_are_names_not_question_words() -> None:
    assert parse("Who is the lead actress in The Shape of Water?").entities == ("The Shape of Water",)
    assert parse("Who is the director of \"Pretty Woman\"?").entities == ("Pretty Woman",)
    assert parse("When was Pixel 5a announced?").entities == ("Pixel 5a",)
    assert parse("which city hosted the olympic games in 2012?").entities == ()
    assert "What" not in " ".join(parse("What is the name of Microsoft's AR headset?").entities)


def test_numbers_that_are_not_years_are_not_years() -> None:
    c = parse("It cost $2,015 and 1,999 fans came; 2015% is not a year.")
    assert c.years == ()


def test_satisfies_scores_the_year_slot() -> None:
    c = parse("Who was the runner-up of the 2014 World Cup?")
    assert satisfies(c, "Argentina lost the 2014 final to Germany.").verdict == "satisfies"
    assert satisfies(c, "France beat Croatia in the 2018 final.").verdict == "contradicts"
    assert satisfies(c, "Argentina lost the final to Germany.").verdict == "silent"
    assert satisfies(c, "Argentina lost the final.", doc_date="2014-07-14").score > 0
    assert satisfies(c, "Argentina lost the final.", doc_date="2018-07-16").score < 0


def test_satisfies_quarters_seasons_and_editions() -> None:
    q = parse("What was Apple's revenue in Q3 2021?")
    assert satisfies(q, "Apple posted record third-quarter 2021 revenue.").score == 1.0
    assert satisfies(q, "In Q2 2021 Apple earned $81bn.").score < 0
    s = parse("Who won the 2020/21 season?")
    assert satisfies(s, "Manchester City won the 2020-21 Premier League.").score == 1.0
    assert satisfies(s, "Liverpool won the 2019/20 title.").score < 0
    e = parse("When does season 4 of The Crown premiere?")
    assert satisfies(e, "The fourth season of The Crown was released on 15 November 2020.").score == 1.0
    assert satisfies(e, "The Crown season 3 premieres on November 17.").score < 0
    assert satisfies(parse("Who won the 62nd Grammy?"), "At the 63rd Grammy Awards, ...").score < 0


def test_no_constraints_is_silent() -> None:
    assert satisfies(parse("Who directed Titanic?"), "James Cameron directed it in 1997.").score == 0.0
    assert Constraints().empty


def test_the_texts_own_relative_year_counts_with_its_date() -> None:
    c = parse("Who won the 2021 Masters?")
    assert satisfies(c, "Hideki Matsuyama won the Masters last year.", doc_date="2022-04-01").score == 1.0


def test_entity_coverage() -> None:
    c = parse("When was Pixel 5a announced?")
    assert entity_coverage(c, "Google announced the Pixel 5a in August.") == 1.0
    assert entity_coverage(c, "Google announced the Pixel 6 in October.") == 0.5
    assert entity_coverage(parse("who won?"), "anything") is None


def test_conflicts_when_the_source_states_another_year_quarter_or_edition() -> None:
    c = parse("Who was the runner-up of the 2014 World Cup?")
    reason = conflicts(c, "Croatia was the runner-up of the 2014 World Cup [1].", "Croatia lost the 2018 final to France.")
    assert reason and "2018" in reason and "2014" in reason
    assert conflicts(c, "Argentina was the runner-up [1].", "Argentina lost the 2014 final to Germany.") is None
    assert conflicts(c, "Argentina was the runner-up [1].", "Argentina lost the final to Germany.") is None
    q = parse("What was the revenue in Q3 2021?")
    assert conflicts(q, "Revenue was $83bn in Q3 2021.", "Revenue in Q2 2021 was $81bn.")
    e = parse("Who won Best Actor at the 92nd Academy Awards?")
    assert conflicts(e, "Joaquin Phoenix won [1].", "Joaquin Phoenix won at the 92nd Academy Awards.") is None
    assert conflicts(e, "Gary Oldman won [1].", "Gary Oldman won Best Actor at the 90th Academy Awards.")


def test_conflicts_reads_a_list_of_winners_by_year() -> None:
    c = parse("Who won the 2014 World Cup?")
    table = "2022. Argentina ; 2018. France ; 2014. Germany ; 2010. Spain ; 2006. Italy."
    assert conflicts(c, "Germany won the 2014 World Cup [1].", table) is None
    reason = conflicts(c, "Spain won the 2014 World Cup [1].", table)
    assert reason and "Spain" in reason and "2010" in reason


def test_a_year_with_mid_early_or_late_is_a_year() -> None:
    assert parse("working from home through mid-2021").years == (2021,)
    assert parse("shipping late-2020, not 2010-2014").years == (2020,)


def test_a_year_stated_only_outside_the_sentences_about_the_asked_name_counts_as_passing() -> None:
    c = parse("Who won the British Open golf tournament in 2020?")
    passing = ("Hinako Shibuno of Japan won the 2019 Women's British Open golf title. "
               "The event will be the first women's major golf championship of 2020.")
    event = "The 2020 British Open was canceled, so the reigning champion remains Shane Lowry."
    assert satisfies(c, event).score == 1.0
    assert 0 < satisfies(c, passing).score < satisfies(c, event).score
    # no sentence names the asked name: nothing tells the sentences apart, the year counts in full
    assert satisfies(c, "Shane Lowry won in 2019. The 2020 event was cancelled.").score == 1.0
    # a question without names has no sentences about them: unchanged
    assert satisfies(parse("which city hosted the olympic games in 2004?"),
                     "Athens hosted them. It was 2004.").score == 1.0


def test_a_year_inside_a_name_is_contradicted_only_by_the_same_name_with_another_year() -> None:
    ww = parse("Who will be playing the role of Diana Prince in Wonder Woman 1984?")
    assert satisfies(ww, "Gal Gadot reprises the role of Diana Prince in Wonder Woman 1984.").score == 1.0
    assert satisfies(ww, "After 2017's Wonder Woman, Gal Gadot reprises the role.").score == 0.0
    euro = parse("Who won Euro 2016?")
    assert satisfies(euro, "Portugal won Euro 2016.").score == 1.0
    assert satisfies(euro, "Spain won Euro 2012.").score < 0
    # a year before the name is the event's year, judged as before
    assert satisfies(parse("Who won the 2014 World Cup?"), "Germany won the World Cup in 2010.").score < 0
