"""Wiring: build the embedder, store, index, chat model and assistant from Settings.

Front ends call these factories; nothing here is held in module globals.
"""
from __future__ import annotations

from rag import models
from rag.ask import Assistant
from rag.config import Settings
from rag.embed import Embedder
from rag.errors import ModelError
from rag.llm import LLM, LocalLLM
from rag.prompts import Prompts
from rag.retrieve import Index
from rag.store import Store, is_read_only, open_client


def load_embedder(s: Settings) -> Embedder:
    preset = models.get_preset(s.models_dir, s.embed_model, kind="embed")
    paths = models.require(s.models_dir, preset)
    onnx = next(p for p in paths if p.suffix == ".onnx")
    tokenizer = next(p for p in paths if p.suffix == ".json")
    return Embedder(onnx, tokenizer, s.n_threads, preset.name)


def open_index(s: Settings, embedder: Embedder | None = None) -> Index:
    embedder = embedder or load_embedder(s)
    read_only = str(s.store_dir) if not s.chroma_url and is_read_only(s.store_dir) else None
    store = Store(open_client(s.store_dir, s.chroma_url), embedder.model_name, read_only=read_only)
    return Index(store, embedder, s.cache_dir)


def load_llm(s: Settings) -> LLM:
    if s.llm_url:
        from rag.remote import RemoteLLM

        return RemoteLLM(s.llm_url, s.llm_model or s.model, s.n_ctx or 4096, s.llm_api_key, s.gen_timeout_s)
    preset = models.get_preset(s.models_dir, s.model, kind="chat")
    if preset.kind != "chat":
        raise ModelError(f"'{s.model}' is not a chat model")
    path = models.require(s.models_dir, preset)[0]
    return LocalLLM(path, preset.name, s.n_ctx or preset.n_ctx, s.n_threads, s.seed, preset.chat_format)


def assistant(s: Settings, index: Index | None = None, llm: LLM | None = None) -> Assistant:
    return Assistant(s, index or open_index(s), llm or load_llm(s), Prompts(s.prompts_dir))
