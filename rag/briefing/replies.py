"""Model replies for the briefing steps: generate with early stops, and a disk cache keyed by the exact
messages, so a repeated brief calls no model. Also the atomic JSON write the caches share.

Does not build prompts or parse replies (the digest and brief modules do).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.answer.assistant import Assistant
from rag.core.errors import LLMError
from rag.core.types import Usage

log = logging.getLogger(__name__)


def generate(a: Assistant, messages: list[dict], max_tokens: int, max_lines: int = 0) -> tuple[str, bool, bool]:
    """(the model's reply, whether it ended by itself, whether the clock cut it); stops early after
    `max_lines` lines or when a small model starts repeating one line."""
    parts: list[str] = []
    usage = Usage()
    stream = a.llm.stream(messages, max_tokens, a.settings.temperature, a.settings.gen_timeout_s)
    try:
        for piece in stream:
            if isinstance(piece, Usage):
                usage = piece
                continue
            parts.append(piece)
            *done, current = "".join(parts).split("\n")
            lines = [x.strip() for x in done if x.strip()]
            stuck = (len(lines) >= 3 and len(set(lines[-3:])) == 1) or len(current) > 600
            if (max_lines and len(lines) >= max_lines) or stuck:
                return "\n".join(lines), True, False  # whole lines only
    finally:
        getattr(stream, "close", lambda: None)()
    return "".join(parts), usage.truncated is None, usage.truncated in ("timeout", "stopped")  # neither is cached


@dataclass(frozen=True)
class Reply:
    text: str
    complete: bool  # the model ended it (not cut by the token cap)
    kept: bool  # read from or written to the cache (not cut by the clock, not failed)


def cached_reply(a: Assistant, kind: str, messages: list[dict], max_tokens: int, max_lines: int = 0) -> Reply:
    """`generate`, with the reply stored under cache/replies: the same messages to the same model
    are answered from disk. A reply cut by the clock is not stored; a failed call gives ""."""
    key = hashlib.sha256(json.dumps([a.llm.name, a.settings.temperature, max_tokens, messages]).encode())
    path = a.settings.cache_dir / "replies" / f"{kind}-{key.hexdigest()[:16]}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return Reply(str(stored["text"]), bool(stored["complete"]), True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        raw, complete, timed_out = generate(a, messages, max_tokens, max_lines)
    except LLMError as e:
        log.warning("the %s step goes on without the model: %s", kind, e)
        return Reply("", True, False)
    kept = not timed_out and write_json(path, {"text": raw, "complete": complete})
    return Reply(raw, complete, kept)


def write_json(path: Path, data: dict[str, Any]) -> bool:
    """Write `data` to a temp file and rename it into place; False (logged) when that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError as e:  # a cache that cannot be written only costs time
        log.warning("cannot write the cache file %s: %s", path, e)
        return False


