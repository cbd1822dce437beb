"""What every chat backend shares: counting a conversation's tokens, collecting a whole reply, and
ending generations on request (`Interruptible`, the chat's Stop).

The backends themselves are `rag.backends.llamacpp` (in process) and `rag.backends.remote` (an
OpenAI-compatible server); both implement `rag.core.ports.ChatModel`.
"""
from __future__ import annotations

import threading
from typing import Callable, Generator, Iterator, TypeVar

from rag.core.errors import Stopped
from rag.core.ports import ChatModel
from rag.core.types import Completion, Usage

T = TypeVar("T")

MESSAGE_OVERHEAD = 8  # template tokens per chat message (role markers, separators)
SAFETY_MARGIN = 48  # tokens kept free for the chat template's own markup


def count_messages(llm: ChatModel, messages: list[dict]) -> int:
    return sum(llm.count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def complete(llm: ChatModel, messages: list[dict], max_tokens: int, temperature: float,
             timeout_s: float) -> Completion:
    """Run one generation to its end: the whole text and its usage."""
    parts: list[str] = []
    usage = Usage()
    for item in llm.stream(messages, max_tokens, temperature, timeout_s):
        if isinstance(item, Usage):
            usage = item
        else:
            parts.append(item)
    return Completion("".join(parts), usage)


def relay(llm: ChatModel, messages: list[dict], max_tokens: int, temperature: float, timeout_s: float,
          token: Callable[[str], T]) -> Generator[T, None, Completion]:
    """Run one generation, passing each piece on (wrapped by `token`), and return the whole reply; a
    generation the user stopped before it began (`Stopped`) returns what it has, marked "stopped"."""
    parts: list[str] = []
    usage = Usage()
    try:
        for item in llm.stream(messages, max_tokens, temperature, timeout_s):
            if isinstance(item, Usage):
                usage = item
                continue
            parts.append(item)
            yield token(item)
    except Stopped:
        usage = Usage(0, len(parts), "stopped")
    return Completion("".join(parts), usage)


class Interruptible:
    """A ChatModel whose generations end once `cancel` is set: the one running stops (the backend's
    own stop when it has one, `cancellable`: llama.cpp mid-prompt, an HTTP stream closed; else between
    pieces) and ends with `Usage(truncated="stopped")`; any later one raises `Stopped`, so a pipeline
    of several generations (a brief, a rewrite then an answer) ends at once."""

    def __init__(self, llm: ChatModel, cancel: threading.Event):
        self.llm, self.cancel = llm, cancel
        self.name, self.n_ctx = llm.name, llm.n_ctx

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float = 180.0) -> Iterator[str | Usage]:
        if self.cancel.is_set():
            raise Stopped("stopped")
        own = {"cancel": self.cancel} if getattr(self.llm, "cancellable", False) else {}
        pieces = self.llm.stream(messages, max_tokens, temperature, timeout_s, **own)
        count = 0
        try:
            for item in pieces:
                if not isinstance(item, Usage) and self.cancel.is_set():
                    yield Usage(0, count, "stopped")
                    return
                count += not isinstance(item, Usage)
                yield item
        finally:
            pieces.close()  # type: ignore[attr-defined]  # a generator: closing it ends the backend's loop
