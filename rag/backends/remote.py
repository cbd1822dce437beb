"""A chat model behind an OpenAI-compatible server (llama-cpp-python's server, llama-server, vLLM).

Streams chat completions over HTTP with time-outs (and stops, closing the stream, when its `cancel`
event is set, checked at each line the server sends), and retries with backoff until the first byte
of a stream arrives (never after: a half-streamed answer is not silently restarted). Counts tokens
with the server's tokenize endpoint when it has one, else with a stated conservative estimate.
"""
from __future__ import annotations

import json
import logging
import math
import threading
import time
from typing import Iterator

import httpx

from rag.core.errors import LLMError
from rag.core.types import Usage

log = logging.getLogger(__name__)

RETRIES = 3
BACKOFF_S = 0.5
CHARS_PER_TOKEN = 3.0  # without a tokenize endpoint: ~4 chars/token in English, counted as 3 (a 25% margin)


class RemoteLLM:
    def __init__(self, url: str, model: str, n_ctx: int, api_key: str | None = None, timeout_s: float = 180.0):
        self.url, self.name, self.n_ctx = url.rstrip("/"), model, n_ctx
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=5.0))
        self._tokenize_url: str | None | bool = False  # False: not probed yet; None: none available
        self.cancellable = True  # stream() takes `cancel`

    def count_tokens(self, text: str) -> int:
        if self._tokenize_url is False:
            self._tokenize_url = self._probe_tokenize()
        if self._tokenize_url:
            try:
                r = self._http.post(self._tokenize_url, json={"input": text, "content": text})
                r.raise_for_status()
                return len(r.json()["tokens"])
            except (httpx.HTTPError, ValueError, KeyError):
                log.warning("tokenize endpoint failed; estimating tokens from characters")
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def _probe_tokenize(self) -> str | None:
        root = self.url.removesuffix("/v1")
        for path in ("/extras/tokenize", "/tokenize"):
            try:
                r = self._http.post(root + path, json={"input": "probe", "content": "probe"})
                if r.status_code == 200 and "tokens" in r.json():
                    return root + path
            except (httpx.HTTPError, ValueError):
                continue
        log.info("no tokenize endpoint at %s; counting %.0f characters per token", root, CHARS_PER_TOKEN)
        return None

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               timeout_s: float = 180.0, cancel: threading.Event | None = None) -> Iterator[str | Usage]:
        """Text pieces, then one `Usage` (prompt tokens as the server reports them, when it does)."""
        body = {"model": self.name, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
                "stream": True, "seed": 0}
        deadline = time.monotonic() + timeout_s
        completion_tokens, prompt_tokens, truncated = 0, 0, None
        lines = self._lines(body)
        for line in lines:
            if cancel is not None and cancel.is_set():
                truncated = "stopped"
                lines.close()  # leaves the `with` around the response: the HTTP stream is closed
                break
            if time.monotonic() > deadline:
                truncated = "timeout"
                break
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                event = json.loads(data)
            except ValueError:
                continue
            prompt_tokens = int((event.get("usage") or {}).get("prompt_tokens") or prompt_tokens)
            choice = (event.get("choices") or [{}])[0]
            text = (choice.get("delta") or {}).get("content") or ""
            if text:
                completion_tokens += 1
                yield text
            if choice.get("finish_reason") == "length":
                truncated = "max_tokens"
        else:
            raise LLMError(f"the model server at {self.url} closed the stream before it finished")
        yield Usage(prompt_tokens, completion_tokens, truncated)

    def _lines(self, body: dict) -> Iterator[str]:
        for attempt in range(RETRIES + 1):
            try:
                with self._http.stream("POST", f"{self.url}/chat/completions", json=body) as r:
                    if r.status_code >= 400:
                        r.read()
                        raise LLMError(f"the model server at {self.url} answered {r.status_code}: {r.text[:200]}")
                    started = False
                    try:
                        for line in r.iter_lines():
                            started = True
                            yield line
                    except httpx.HTTPError as e:
                        if started:
                            raise LLMError(f"the model server at {self.url} broke off mid-answer: {e}") from None
                        raise
                    return
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadTimeout) as e:
                if attempt == RETRIES:
                    raise LLMError(f"cannot reach the model server at {self.url} after {RETRIES + 1} tries: {e}") from None
                time.sleep(BACKOFF_S * 2**attempt)
