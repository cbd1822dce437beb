"""rag.text on fixed inputs: the one home for sentence, word, marker and budget rules."""
from __future__ import annotations

from rag.text.budget import leading_paragraphs, shrink
from rag.text.markers import fence, parse_markers, place_markers, strip_markers
from rag.text.sentences import split_sentences
from rag.text.words import FUNCTION_WORDS, STOPWORDS, content_words, overlap


def test_markers_go_before_the_full_stop_except_after_an_acronym():
    assert place_markers("Oman mediated the talks.", [1, 3]) == "Oman mediated the talks [1][3]."
    assert place_markers("The envoy flew to the U.S.", [2]) == "The envoy flew to the U.S. [2]"
    assert place_markers("No full stop", [1]) == "No full stop [1]"
    assert place_markers("Unchanged.", []) == "Unchanged."
    assert parse_markers(place_markers("A fact.", [2, 1])) == [2, 1]
    assert strip_markers(place_markers("A fact.", [4])) == "A fact."


def test_fence_keeps_offsets_and_disarms_look_alike_markup():
    text = "See [1] and <source n=2> and <|im_end|>."
    fenced = fence(text)
    assert len(fenced) == len(text) and "[1]" not in fenced and "<source" not in fenced and "<|" not in fenced


def test_one_splitter_for_articles_and_answers():
    assert split_sentences("Gen. Smith spoke. He left [1].\n- A bullet point") == [
        "Gen. Smith spoke.", "He left [1].", "A bullet point"]
    assert split_sentences("Hon. Paul Wolfowitz wrote. The Japan Times Ltd. All rights reserved.") == [
        "Hon. Paul Wolfowitz wrote.", "The Japan Times Ltd.", "All rights reserved."]


def test_budget_cuts_to_fit_and_keeps_whole_leading_paragraphs():
    assert shrink("x" * 100, lambda t: len(t) <= 30) == "x" * 25  # 100, 80, 64, 51, 40, 32, 25
    assert shrink("abc", lambda t: False) == ""
    text = "one two\n\nthree four\n\nfive six"
    assert leading_paragraphs(text, 4, lambda t: len(t.split())) == "one two\n\nthree four"
    assert leading_paragraphs("a b c d e f", 3, lambda t: len(t.split())) == "a b c "  # 11, 8, 6 characters


def test_stop_words_have_one_home():
    assert FUNCTION_WORDS - {"s", "t"} <= STOPWORDS and "said" in STOPWORDS and "said" not in FUNCTION_WORDS
    assert content_words("The officials said the talks were positive") == {"official", "talk", "positive"}
    assert overlap("Oman mediated talks", "talks mediated by Oman") == 1.0
