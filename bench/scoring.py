"""Scoring an answer from any pipeline the same way: correct, abstained, and the precision of its
citations (the share of its [n] markers whose source supports the sentence by `rag.answer.cite.support`
>= `rag.answer.cite.SUPPORT_THRESHOLD`), both of those shown to the reader and of the model's own text.

Used for our answers and the LlamaIndex peer's alike, so the two are judged by one rule.
Does not judge meaning: correctness is gold strings (rag.evaluation.evaluate.is_correct), support is lexical.
"""
from __future__ import annotations

import re
from typing import Mapping

from bench.report import percentile
from rag.answer import cite
from rag.evaluation.cases import Case
from rag.evaluation.evaluate import is_correct
from rag.text.markers import parse_markers
from rag.text.sentences import split_sentences

# How an answer says the sources do not answer: ours ("The articles don't say") and the phrasings
# of LlamaIndex's citation prompt ("If none of the sources are helpful, you should indicate that").
ABSTAIN = re.compile(
    r"i (?:don'?t|do not) know|the articles don'?t say|not (?:\w+ )?in the (?:provided |given )?"
    r"(?:context|sources?|articles?|documents?|information)|(?:none|neither) of the (?:provided |given )?"
    r"(?:sources?|articles?|documents?)|(?:sources?|context|articles?|documents?|information) (?:provided )?"
    r"(?:do(?:es)?n'?t|do(?:es)? not) (?:\w+ )?(?:contain|provide|mention|specify|say|include|state|indicate|"
    r"answer|give)|no (?:specific )?(?:information|mention|details?|data) (?:is |was )?(?:given |provided |available )?"
    r"(?:about|on|of|regarding|in)|cannot be (?:determined|answered|found)|(?:is|are|was|were) not (?:specified|"
    r"mentioned|provided|stated|given|available)|unable to (?:answer|determine|find)",
    re.IGNORECASE,
)


def abstained(text: str) -> bool:
    return not text.strip() or bool(ABSTAIN.search(text))


def citation_precision(text: str, sources: Mapping[int, str], question: str) -> tuple[int, int]:
    """(supported, shown) over every [n] marker of every sentence; a marker naming no source counts as unsupported."""
    supported = shown = 0
    for sentence in split_sentences(text):
        for n in parse_markers(sentence):
            shown += 1
            if n in sources and cite.support(sentence, sources[n], question)[0] >= cite.SUPPORT_THRESHOLD:
                supported += 1
    return supported, shown


def score(case: Case, text: str, sources: Mapping[int, str], seconds: float | None,
          says_abstained: bool | None = None, model_text: str | None = None) -> dict:
    """One answer's outcome; `says_abstained` overrides the text pattern when the pipeline reports it.

    `model_text` is the model's own text when the pipeline showed something else (ours shows only
    verified citations); its citations are scored too, as "model_cites_*". Without it the shown
    text is the model's text.
    """
    question = case.question or ""
    gave_up = abstained(text) if says_abstained is None else says_abstained
    sup, shown = (0, 0) if gave_up else citation_precision(text, sources, question)
    raw = text if model_text is None else model_text
    msup, mshown = (sup, shown) if model_text is None else (
        (0, 0) if abstained(raw) else citation_precision(raw, sources, question))
    return {"case": case.id, "unanswerable": case.unanswerable, "abstained": gave_up,
            "correct": None if case.unanswerable else (not gave_up and bool(is_correct(text, case))),
            "cites_supported": sup, "cites_shown": shown, "model_cites_supported": msup, "model_cites_shown": mshown,
            "seconds": seconds, "answer": text[:200], "model_text": raw[:300]}


def summarize(rows: list[dict]) -> dict:
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    shown = sum(r["cites_shown"] for r in rows)
    mshown = sum(r.get("model_cites_shown", 0) for r in rows)
    secs = sorted(r["seconds"] for r in rows if r["seconds"] is not None)
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    return {
        "questions": len(rows),
        "answer_accuracy": mean([float(r["correct"]) for r in answerable]),
        "abstention_rate": mean([float(r["abstained"]) for r in unanswerable]),
        "false_abstention_rate": mean([float(r["abstained"]) for r in answerable]),
        "citation_precision": sum(r["cites_supported"] for r in rows) / shown if shown else None,
        "model_citation_precision": sum(r.get("model_cites_supported", 0) for r in rows) / mshown if mshown else None,
        "cites_per_answer": mean([float(r["cites_shown"]) for r in rows if not r["abstained"]]),
        "seconds_p50": percentile(secs, 50),
        "seconds_mean": mean(secs),
    }
