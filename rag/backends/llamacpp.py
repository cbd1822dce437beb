"""The in-process chat model: a GGUF file run by llama.cpp (`LocalLLM`). The only module that
imports llama_cpp.

`stream()` yields text pieces as the model produces them, then one `Usage`; it stops at a token
cap, a wall-clock cap, and when its `cancel` event is set: between tokens, and inside the prompt's
evaluation too (llama.cpp's abort callback, checked between graph nodes), so a Stop ends the work
in well under a second instead of after the ~9 s prompt of the default model. The fixed system
prompt is always the first message, so llama.cpp's prefix matching reuses its KV cache between
questions instead of evaluating it again. One generation runs at a time (a lock); it does not queue
requests.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from rag.core.errors import LLMError, ModelError
from rag.core.types import Usage

log = logging.getLogger(__name__)


class LocalLLM:
    """A GGUF model loaded in this process; one generation at a time (guarded by a lock)."""

    def __init__(self, path: Path, name: str, n_ctx: int, n_threads: int, seed: int = 0,
                 chat_format: str | None = None, *, n_batch: int = 512, n_ubatch: int = 512, flash_attn: bool = False,
                 type_k: str = "f16", type_v: str = "f16"):
        """`type_k`/`type_v`: the KV cache's types by name (f16, q8_0, q4_0)."""
        import llama_cpp
        from llama_cpp import Llama

        kv = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0, "q4_0": llama_cpp.GGML_TYPE_Q4_0}
        try:
            self._llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                              n_batch=n_batch, n_ubatch=n_ubatch, flash_attn=flash_attn, type_k=kv[type_k],
                              type_v=kv[type_v], seed=seed, verbose=False)
        except (ValueError, RuntimeError, OSError) as e:
            raise ModelError(f"cannot load model {path.name}: {e}") from None
        if chat_format and not self._llm.metadata.get("tokenizer.chat_template"):
            self._llm.chat_format = chat_format
        self.name, self.n_ctx, self.seed = name, n_ctx, seed
        self.lock = threading.Lock()
        self.cancellable = True  # stream() takes `cancel` (rag.backends.llm.Interruptible passes it)
        self._cancel: threading.Event | None = None  # the running call's event, read by the abort callback
        self._abort = _abort_callback(self)
        import llama_cpp

        llama_cpp.llama_set_abort_callback(self._llm._ctx.ctx, self._abort, None)

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float = 180.0, cancel: threading.Event | None = None) -> Iterator[str | Usage]:
        with self.lock:
            completion_tokens, truncated = 0, None
            deadline = time.monotonic() + timeout_s
            stopped = False  # the model ended its answer itself (its last token was evaluated)
            self._cancel = cancel
            pieces = self._llm.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                      temperature=temperature, seed=self.seed, stream=True)
            try:
                for part in pieces:
                    if cancel is not None and cancel.is_set():
                        truncated = "stopped"
                        break
                    choice = part["choices"][0]
                    text = choice.get("delta", {}).get("content") or ""
                    if text:  # a piece can hold several tokens (multi-byte characters are held back)
                        completion_tokens += self.count_tokens(text)
                        yield text
                    stopped = choice.get("finish_reason") == "stop"
                    if choice.get("finish_reason") == "length":
                        truncated = "max_tokens"
                    if time.monotonic() > deadline:
                        truncated = "timeout"
                        break
            except (ValueError, RuntimeError) as e:
                if cancel is None or not cancel.is_set():
                    raise LLMError(f"generation failed: {e}") from None
                truncated = "stopped"  # llama_decode aborted by the callback; the next eval drops its KV cells
            finally:
                self._cancel = None
                pieces.close()  # ends llama.cpp's loop now, not when the generator is collected
            last_pending = 0 if stopped or not completion_tokens else 1  # sampled, not evaluated
            yield Usage(max(0, self._llm.n_tokens - completion_tokens + last_pending), completion_tokens, truncated)

    def prompt_tokens_of(self, messages: list[dict]) -> int:
        """The exact prompt length llama.cpp sees for `messages` (its chat template applied); for tests and bench."""
        return self._llm.create_chat_completion(messages=messages, max_tokens=1)["usage"]["prompt_tokens"]

    def reset(self) -> None:
        """Forget the KV cache (bench: measure a cold prompt)."""
        self._llm.reset()

    def raw(self) -> Any:
        """The underlying `llama_cpp.Llama`, for the benchmark that compares our pipeline against it."""
        return self._llm


def _abort_callback(llm: LocalLLM) -> Any:
    """llama.cpp's abort callback: true while the running call's cancel event is set. Kept on the
    LocalLLM so that ctypes does not free it while the context can still call it."""
    def abort(_data: Any) -> bool:
        event = llm._cancel
        return event is not None and event.is_set()
    import llama_cpp

    return llama_cpp.ggml_abort_callback(abort)
