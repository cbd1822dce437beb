"""Citation markers: read them from an answer ([1], [1, 2], [Source 3], 【4】, [1-3]), strip them,
place them before a sentence's full stop, and neutralise look-alikes inside article text.
"""
from __future__ import annotations

import re
from typing import Sequence

MARKER = re.compile(
    r"[\[【]\s*(?:sources?\s*:?\s*)?(\d{1,2}(?:\s*(?:,|;|and|&|-|–)\s*(?:sources?\s*)?\d{1,2})*)\s*[\]】]",
    re.IGNORECASE,
)
_FENCED = re.compile(r"\[(\s*\d{1,3}(?:\s*,\s*\d{1,3})*\s*)\]")
_PUNCT_END = re.compile(r"[\w)%][.!?]$")
_ACRONYM_END = re.compile(r"\b(?:[A-Za-z]\.){2,}$")


def parse_markers(sentence: str) -> list[int]:
    """Citation numbers in order of appearance, deduplicated; ranges of up to 20 are expanded."""
    found: list[int] = []
    for m in MARKER.finditer(sentence):
        parts = re.findall(r"\d+|[-–]", m.group(1))
        for i, part in enumerate(parts):
            if part in "-–":
                continue
            lo = int(parts[i - 2]) + 1 if i >= 2 and parts[i - 1] in "-–" else int(part)
            for n in range(lo, int(part) + 1) if int(part) - lo < 20 else [int(part)]:
                if n >= 1 and n not in found:
                    found.append(n)
    return found


def strip_markers(text: str) -> str:
    """`text` without citation markers, spaces tidied (line breaks kept)."""
    text = MARKER.sub("", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r" ([.,;:!?])", r"\1", text)
    return re.sub(r"[,;:]+([.!?])", r"\1", text).strip()


def place_markers(text: str, numbers: Sequence[int]) -> str:
    """`text` with [n] markers before its final full stop (after it when the text ends in "U.S.")."""
    if not numbers:
        return text
    marks = "".join(f"[{n}]" for n in numbers)
    if _PUNCT_END.search(text) and not _ACRONYM_END.search(text):
        return f"{text[:-1]} {marks}{text[-1]}"
    return f"{text} {marks}" if text else ""


def fence(text: str) -> str:
    """Neutralise text that could pose as our markup: source tags, citation markers and the chat
    template's special tokens (`<|im_end|>` and the like, which llama.cpp would read as real tokens).

    Every replacement keeps the length, so offsets into the text stay valid.
    """
    text = text.replace("<source", "‹source").replace("</source", "‹/source").replace("<|", "‹|")
    return _FENCED.sub(lambda m: "(" + m.group(1) + ")", text)
