"""The claim checks behind citation verification (issue #16), on fixed news text: negation, roles,
numbers and names in their slots, question-supplied terms, metadata, framing, clause-level keeping."""
from __future__ import annotations

from rag.answer.cite import SUPPORT_THRESHOLD, verify
from rag.answer.claims import clauses, list_items, same_name
from rag.answer.support import assess, metadata
from rag.core.types import Source
from rag.text.lexicon import canonical, date_spellings

ENVOYS = (
    "The indirect talks, which were mediated by Oman, brought together senior officials from both "
    "countries, including Iranian Foreign Minister Abbas Araghchi and US special envoy Steve Witkoff. "
    'While Araghchi described the discussions as "positive," he also emphasized that there was still a '
    "climate of mistrust between the two sides."
)
GOOD_START = ("Despite the deep-seated mistrust between the two nations, indirect talks between Iran and the US, "
              'facilitated by Oman, have been deemed a "good start" by Iranian officials.')
BAGHDAD = ("And a suicide car bomber struck a checkpoint in central Baghdad; four people were killed and "
           "eight wounded, policemen at the scene said.")


def _ok(claim: str, text: str, question: str = "", meta: str = "") -> bool:
    return assess(claim, text, question, meta).score >= SUPPORT_THRESHOLD


def test_canonical_spells_numbers_and_months_one_way():
    assert canonical("Twenty-three were held on Oct. 29; two million fled") == \
        "23 were held on October 29; 2 million fled"
    assert canonical("he won't, $20bn, 8%") == "he will not, 20 billion dollars, 8 percent"
    assert date_spellings("2004-11-13") == "13 November 2004, November 13, 2004"


def test_names_match_exactly_or_as_demonyms_never_by_prefix():
    assert same_name("iran", "iranian") and same_name("china", "chinese") and same_name("oman", "omani")
    assert not same_name("aragchi", "araghchi") and not same_name("iran", "iraq")
    assert not _ok("Aragchi described the discussions as positive.", ENVOYS)
    assert _ok("Araghchi described the discussions as positive.", ENVOYS)


def test_a_name_at_the_sentence_start_is_checked():
    assert not _ok("Sophos found the talks positive.", ENVOYS)


def test_negation_flip_is_rejected_and_kept_negation_passes():
    text = "But the White Paper says it is not the role of government to force people to become healthy."
    assert not _ok("The White Paper says it is the role of government to force people to become healthy.", text)
    assert _ok("The White Paper says it is not the role of government to force people to be healthy.", text)


def test_role_swap_and_the_slot_the_question_asks_for():
    assert not _ok("Witkoff described the discussions as positive.", ENVOYS, "Who described the talks as positive?")
    assert not _ok("Iran mediated the indirect talks.", GOOD_START, "Which country mediated the talks?")
    assert _ok("Oman facilitated the indirect talks between Iran and the US.", GOOD_START,
               "Which country mediated the talks?")
    assert not _ok("The US special envoy at the talks was Abbas Araghchi.", ENVOYS, "Who was the US special envoy?")


def test_a_number_in_the_wrong_slot_is_rejected():
    assert not _ok("A suicide car bomber struck a checkpoint in central Baghdad, killing eight people.", BAGHDAD)
    assert _ok("A suicide car bomber struck a checkpoint in central Baghdad, killing four people.", BAGHDAD)


def test_question_terms_are_not_claims_unless_the_source_says_otherwise():
    text = "Vohor's two bodyguards stopped the ambassador, Bao added, but didn't touch him as Vohor left."
    assert _ok("No, on Wednesday Vohor's two bodyguards stopped the ambassador but didn't touch him.", text,
               "Did Vohor's bodyguards touch the ambassador on that Wednesday?")
    assert not _ok("The three bodyguards stopped the ambassador as Vohor left.", text,
                   "Why did the three bodyguards stop the ambassador?")


def test_metadata_counts_as_evidence_for_claims_about_publication():
    meta = metadata("Vanuatu PM assaults Chinese ambassador", "China Daily", "2004-12-06")
    body = "China's ambassador to Vanuatu said Monday he won't lodge a formal protest."
    q = "Which newspaper reported the Vanuatu incident?"
    assert _ok("China Daily reported that the ambassador won't lodge a formal protest.", body, q, meta)
    assert not _ok("The Japan Times reported that the ambassador won't lodge a formal protest.", body, q, meta)
    assert not _ok("The China Daily story was published on 6 November 2004.", body, q, meta)


def test_framing_words_are_not_claims_but_listed_items_are():
    text = ("The agenda for the talks centered around several key issues, including Iran's nuclear program, "
            "ballistic missile capabilities, and support for Shia militant groups.")
    assert _ok("The sources mention several key issues, including Iran's nuclear program and ballistic missile "
               "capabilities.", text)
    assert not _ok("The sources mention several key issues, including Iran's nuclear program, human rights and "
                   "oil exports.", text)
    assert list_items("issues such as A, B and C.") == ["A", "B", "C"]


def test_a_partly_supported_sentence_keeps_its_supported_clause_and_says_what_was_dropped():
    text = "Kmart agreed to buy Sears for $11 billion, the companies said on Wednesday."
    source = Source(n=1, doc_id="d1", title="Kmart to buy Sears", text=text, chunk_ids=("d1:0",))
    v = verify("Kmart agreed to buy Sears for $11 billion, a deal first proposed in 1999 [1].", [source],
               "What did Kmart agree to?")
    (s,) = v.sentences
    assert s.supported and s.citations == (1,)
    assert s.text == "Kmart agreed to buy Sears for $11 billion." and s.dropped == "a deal first proposed in 1999"
    assert v.dropped == ("a deal first proposed in 1999",)
    assert v.text == "Kmart agreed to buy Sears for $11 billion [1]."
    assert clauses("A, which B; C because D") == ["A", "which B", "C", "because D"]


def test_the_chat_and_the_json_show_what_was_removed():
    from rag.answer.report import answer_json
    from rag.core.types import Answer, Sentence
    from rag.web import render

    hostile = "<script>x</script>"
    s = Sentence("Kmart agreed to buy Sears.", (1,), True, f"a deal first proposed in 1999 {hostile}")
    a = Answer("q?", "Kmart agreed to buy Sears [1].", False, sentences=(s,))
    html = render.answer_html(a)
    assert "removed as unsupported: a deal first proposed in 1999" in html and "<script>" not in html
    assert answer_json(a)["sentences"][0]["dropped"] == s.dropped


# Real answers from the saved default-model runs (bench/results/eval-*-2026-11-29.json) that the
# checker threw away although the passage states them; each check below failed before its fix.
def test_a_participle_before_a_noun_is_not_a_deed():
    from rag.answer.claims import role_conflict
    claim = "Marwan Barghouti, a jailed leader of the Palestinian uprising, plans to run for president."
    ev = ("RAMALLAH, West Bank (AP) - Marwan Barghouti, a leader of the Palestinian uprising jailed by Israel but "
          "perhaps the strongest candidate to oust Yasser Arafat's old guard of politicians, plans to run in upcoming")
    assert not role_conflict(claim, ev)
    assert role_conflict("Israel was jailed by Marwan Barghouti.", "Marwan Barghouti was jailed by Israel.")


def test_the_doer_is_the_name_before_of_and_a_guess_across_a_comma_is_no_conflict():
    from rag.answer.claims import role_conflict
    assert not role_conflict("Dick Durbin was unopposed to replace Reid as the party's whip.",
                             "Sen. Dick Durbin of Illinois was unopposed to replace Reid as the party's whip.")
    assert not role_conflict(
        "Rice will replace Powell as Secretary of State.",
        "President George W. Bush has chosen national security adviser Condoleezza Rice, one of his closest "
        "confidantes, to replace resigning Secretary of State Colin Powell, senior administration officials said.")


def test_a_place_and_its_country_are_one_clause_and_irregular_forms_match():
    from rag.answer.claims import clauses, same_word
    assert clauses("London, England hosted the 2012 Summer Olympics.") == ["London, England hosted the 2012 Summer Olympics."]
    assert same_word("met", "meeting") and same_word("chose", "choosing") and not same_word("met", "metal")


def test_a_two_word_name_must_be_the_sources_name_not_its_words():
    # wikinews-dev (twine): the saved default-model answer put "Kansas" before "City"
    from rag.answer.slots import name_chain_conflict
    ev = "Morning Edition, Cawker City, Kansas, boasts one of America's great roadside attractions."
    assert name_chain_conflict("Kansas City, Kansas, boasts the world's largest ball of twine.", ev, {"kansas"})
    assert not name_chain_conflict("Cawker City, Kansas, boasts the world's largest ball of twine.", ev, {"cawker"})
    ev = "President George W. Bush has chosen Condoleezza Rice. Abigail Johnson Named CEO of Fidelity Investments."
    assert not name_chain_conflict("President Bush chose Rice.", ev, {"president"})  # a title is no first name
    assert not name_chain_conflict("Abigail Johnson is the CEO.", ev, {"abigail"})  # a headline's chain
