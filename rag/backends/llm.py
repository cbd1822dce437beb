"""What every chat backend shares: counting a conversation's tokens and collecting a whole reply.

The backends themselves are `rag.backends.llamacpp` (in process) and `rag.backends.remote` (an
OpenAI-compatible server); both implement `rag.core.ports.ChatModel`.
"""
from __future__ import annotations

from rag.core.ports import ChatModel
from rag.core.types import Completion, Usage

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
