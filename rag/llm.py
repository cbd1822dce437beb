"""Chat models behind one small interface: the in-process llama.cpp model (`LocalLLM`).

`stream()` yields text pieces as the model produces them and stops at a token cap and a wall-clock
cap. The fixed system prompt is always the first message, so llama.cpp's prefix matching reuses
its KV cache between questions instead of evaluating the system prompt again.
The only module that imports llama_cpp.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from rag.errors import LLMError, ModelError

log = logging.getLogger(__name__)

MESSAGE_OVERHEAD = 8  # template tokens per chat message (role markers, separators)


@dataclass
class StreamStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    truncated: str | None = None  # "max_tokens" | "timeout" when generation was cut


class LLM(Protocol):
    name: str
    n_ctx: int
    last: StreamStats

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float) -> Iterator[str]: ...


def count_messages(llm: LLM, messages: list[dict]) -> int:
    return sum(llm.count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


class LocalLLM:
    """A GGUF model loaded in this process; one generation at a time (guarded by a lock)."""

    def __init__(self, path: Path, name: str, n_ctx: int, n_threads: int, seed: int = 0,
                 chat_format: str | None = None):
        from llama_cpp import Llama

        try:
            self._llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                              n_batch=512, seed=seed, verbose=False)
        except (ValueError, RuntimeError, OSError) as e:
            raise ModelError(f"cannot load model {path.name}: {e}") from None
        if chat_format and not self._llm.metadata.get("tokenizer.chat_template"):
            self._llm.chat_format = chat_format
        self.name, self.n_ctx, self.seed = name, n_ctx, seed
        self.last = StreamStats()
        self.lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float = 180.0) -> Iterator[str]:
        with self.lock:
            self.last = stats = StreamStats()
            deadline = time.monotonic() + timeout_s
            stopped = False  # the model ended its answer itself (its last token was evaluated)
            try:
                pieces = self._llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                          temperature=temperature, seed=self.seed, stream=True)
                for part in pieces:
                    choice = part["choices"][0]
                    text = choice.get("delta", {}).get("content") or ""
                    if text:  # a piece can hold several tokens (multi-byte characters are held back)
                        stats.completion_tokens += self.count_tokens(text)
                        yield text
                    stopped = choice.get("finish_reason") == "stop"
                    if choice.get("finish_reason") == "length":
                        stats.truncated = "max_tokens"
                    if time.monotonic() > deadline:
                        stats.truncated = "timeout"
                        break
            except (ValueError, RuntimeError) as e:
                raise LLMError(f"generation failed: {e}") from None
            finally:
                last_pending = 0 if stopped or not stats.completion_tokens else 1  # sampled, not evaluated
                stats.prompt_tokens = max(0, self._llm.n_tokens - stats.completion_tokens + last_pending)
