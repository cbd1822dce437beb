"""Token budgets: cut a text until it fits. The caller supplies the counting (the model's own
tokenizer, or the size of a rendered prompt), so this module knows no tokenizer.
"""
from __future__ import annotations

from typing import Callable

SHRINK = 0.8  # each step keeps 80% of the characters: a few tries reach any budget


def shrink(text: str, fits: Callable[[str], bool]) -> str:
    """The longest prefix of `text`, cut by steps of 20%, for which `fits` holds ("" when none does)."""
    while text and not fits(text):
        text = text[: int(len(text) * SHRINK)]
    return text


def leading_paragraphs(text: str, budget: int, count_tokens: Callable[[str], int]) -> str:
    """The leading paragraphs of `text` that fit in `budget` tokens (the first one cut if need be)."""
    kept = ""
    for para in text.split("\n\n"):
        trial = f"{kept}\n\n{para}" if kept else para
        if count_tokens(trial) > budget:
            return kept or shrink(para, lambda t: count_tokens(t) <= budget)
        kept = trial
    return kept
