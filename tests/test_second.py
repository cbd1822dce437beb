"""The model's second opinion on borderline sentences (rag.answer.second) and its place in the checker
(rag.answer.cite.verify's `judge`): model-independent logic, with scripted judges and a scripted chat
model. The Vohor sentence and passage are the default model's real answer and evidence from the saved
Wikinews dev report (bench/results/eval-wikinews-qwen1.5b-2026-11-30.json, case vohor-successor)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from rag.answer import second
from rag.answer.ask import decide
from rag.answer.assistant import Assistant
from rag.answer.cite import verify
from rag.core.config import load_settings
from rag.core.errors import ConfigError, LLMError
from rag.core.types import Source, Timings, Usage

VOHOR_Q = "Who replaced Serge Vohor as prime minister of Vanuatu?"
VOHOR_TEXT = ("Port Vila : Vanuatu's Prime Minister Serge Vohor was accused here of assaulting the Chinese "
              "ambassador during an increasingly acrimonious row over Vohor's unilateral recognition of Taiwan, "
              "for which he is facing a no-confidence vote.\n\nBeijing's newly installed envoy to Port Vila, Bao "
              "Shusheng, said he was punched on the shoulder by Vohor when he sought to complain that the flag of "
              "Taiwan was still flying in the capital.")
VOHOR_ANSWER = "Bao Shusheng replaced Serge Vohor as prime minister of Vanuatu [1]."
LINI_TEXT = "Ham Lini replaced Serge Vohor as prime minister of Vanuatu on Friday after a no-confidence vote."


def _src(text: str) -> list[Source]:
    return [Source(1, "d1", "Vanuatu", text, ("d1:0",))]


@pytest.mark.parametrize("question, sentence, evidence, expected", [
    # a name in the slot, the evidence about something else: borderline
    (VOHOR_Q, "Bao Shusheng replaced Serge Vohor as prime minister of Vanuatu.", VOHOR_TEXT, True),
    # the evidence holds the question's verb: the word rules settle it
    (VOHOR_Q, "Ham Lini replaced Serge Vohor as prime minister.", LINI_TEXT, False),
    # a form of the verb counts ("claimed" / "claims")
    ("Who claimed responsibility for the car bombs?", "Tawhid and Jihad claimed responsibility.",
     "Tawhid and Jihad claims responsibility for the attack in a statement.", False),
    # the sentence does not fill the slot (it restates the question)
    (VOHOR_Q, "Serge Vohor was replaced as prime minister of Vanuatu.", VOHOR_TEXT, False),
    # no relation verb in the question
    ("Who is the prime minister of Vanuatu?", "Serge Vohor is the prime minister of Vanuatu.", VOHOR_TEXT, False),
    # not a slot question (yes/no)
    ("Did Bao Shusheng replace Serge Vohor?", "Bao Shusheng replaced Serge Vohor.", VOHOR_TEXT, False),
    # no evidence sentence
    (VOHOR_Q, "Bao Shusheng replaced Serge Vohor as prime minister of Vanuatu.", "", False),
])
def test_borderline(question, sentence, evidence, expected):
    assert second.borderline(question, sentence, evidence) is expected


def test_without_a_judge_the_vohor_answer_passes_today():
    v = verify(VOHOR_ANSWER, _src(VOHOR_TEXT), VOHOR_Q)
    assert v.sentences[0].supported and v.answers  # the false answer the second opinion is for


def test_a_no_takes_the_citation_away():
    asked: list[tuple[str, str]] = []

    def judge(claim: str, evidence: str) -> bool:
        asked.append((claim, evidence))
        return False
    v = verify(VOHOR_ANSWER, _src(VOHOR_TEXT), VOHOR_Q, judge)
    assert not v.sentences[0].supported and v.sentences[0].citations == ()
    assert not v.answers and v.supported_share == 0.0
    assert all(not c.verified for c in v.citations)
    claim, evidence = asked[0]
    assert "[1]" not in claim and "Bao Shusheng" in claim and "Bao" in evidence and evidence in " ".join(VOHOR_TEXT.split())


@pytest.mark.parametrize("verdict", [None, True])
def test_yes_or_unclear_changes_nothing(verdict):
    plain = verify(VOHOR_ANSWER, _src(VOHOR_TEXT), VOHOR_Q)
    judged = verify(VOHOR_ANSWER, _src(VOHOR_TEXT), VOHOR_Q, lambda c, e: verdict)
    assert judged == plain


def test_the_judge_is_not_asked_about_a_sentence_that_is_not_borderline():
    asked: list[str] = []
    v = verify("Ham Lini replaced Serge Vohor as prime minister of Vanuatu [1].", _src(LINI_TEXT), VOHOR_Q,
               lambda c, e: asked.append(c) or False)
    assert asked == [] and v.sentences[0].supported


@pytest.mark.parametrize("reply, expected", [
    ("Yes", True), ("yes.", True), (" No,", False), ("NO", False), ("Nope", None), ("Maybe", None), ("", None),
])
def test_verdict(reply, expected):
    assert second.verdict(reply) is expected


class _Scripted:
    """A chat model that replies with a fixed text and records what it was sent."""

    name, n_ctx = "scripted", 2048

    def __init__(self, reply: str, fail: bool = False):
        self.reply, self.fail, self.calls = reply, fail, []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float
               ) -> Iterator[str | Usage]:
        self.calls.append((messages, max_tokens, temperature))
        if self.fail:
            raise LLMError("the model timed out")
        yield self.reply
        yield Usage()


def test_entails_sends_one_short_prompt(prompts):
    llm = _Scripted("No")
    assert second.entails(llm, prompts, "Bao Shusheng replaced Vohor.", "Bao Shusheng was punched.") is False
    (messages, max_tokens, temperature), = llm.calls
    assert max_tokens == second.ENTAIL_TOKENS and temperature == 0.0
    user = messages[-1]["content"]
    assert "Bao Shusheng replaced Vohor." in user and "Bao Shusheng was punched." in user


def test_entails_is_unclear_when_the_model_fails(prompts):
    assert second.entails(_Scripted("", fail=True), prompts, "a claim", "a text") is None


def _assistant(prompts, llm, on: int) -> Assistant:
    s = load_settings({"workspace": Path("unused"), "second_opinion": on}, environ={})
    return Assistant(s, None, llm, prompts)  # type: ignore[arg-type]  # the index is not used


def test_judge_follows_the_setting_and_asks_once_per_pair(prompts):
    llm = _Scripted("yes")
    assert second.judge_for(_assistant(prompts, llm, 0)) is None
    judge = second.judge_for(_assistant(prompts, llm, 1))
    assert judge is not None and judge("c", "e") is True and judge("c", "e") is True
    assert len(llm.calls) == 1


def test_setting_is_off_by_default_and_bounded():
    assert load_settings({"workspace": Path("unused")}, environ={}).second_opinion == 0
    with pytest.raises(ConfigError):
        load_settings({"workspace": Path("unused"), "second_opinion": 2}, environ={})


@pytest.mark.parametrize("on, reply, abstained, calls", [(1, "No", True, 1), (1, "Yes", False, 1),
                                                         (0, "No", False, 0)])
def test_decide_asks_the_model_only_when_the_setting_is_on(prompts, on, reply, abstained, calls):
    llm = _Scripted(reply)
    got = decide(_assistant(prompts, llm, on), VOHOR_Q, VOHOR_ANSWER, (), _src(VOHOR_TEXT), None, Timings())
    assert got.abstained is abstained and len(llm.calls) == calls
