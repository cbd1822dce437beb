"""The embedding function: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime, fully offline.

Dynamic padding per batch (not a fixed 256), mean pooling over the attention mask, L2-normalised.
Implements rag.core.ports.Embedder; the store records `model_name`, so an index is never queried
with another embedder's vectors.
The only module that imports onnxruntime and tokenizers.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rag.core.errors import ModelError

log = logging.getLogger(__name__)

MAX_TOKENS = 256
BATCH = 32
# Padded tokens per batch. Embedding 758 chunks of the two longest Wikinews articles (many at the 256
# cap), 2 busy cores: 1,024 tokens 17.2 texts/s, 336 MiB peak; 2,048: 14.9-17.3/s, 365 MiB; 4,096:
# 16.5/s, 532 MiB; 8,192: 15.9/s, 619 MiB; before (32 texts a batch whatever their length) 9.6/s, 912 MiB.
BATCH_TOKENS = 2048


class Embedder:
    """Turns texts into 384-dimensional unit vectors."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, n_threads: int = 2, name: str = "minilm-l6-int8"):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        ort.disable_telemetry_events()  # the API switch as well, in case onnxruntime came in first
        try:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = n_threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
            self._tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as e:  # noqa: BLE001 - onnxruntime raises bare Exception subclasses
            raise ModelError(f"cannot load the embedding model {onnx_path.name}: {e}") from None
        self._tok.no_padding()  # the shipped tokenizer pads to 128; we pad each batch ourselves
        self._tok.enable_truncation(MAX_TOKENS)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.model_name = name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches sorted by length, so padding stays small; a batch holds at most
        BATCH texts and BATCH_TOKENS padded tokens, so long texts go in smaller batches."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encs = self._tok.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        start = 0
        while start < len(order):
            end = start + 1
            while (end < len(order) and end - start < BATCH
                   and (end - start + 1) * len(encs[order[end]].ids) <= BATCH_TOKENS):
                end += 1
            idx = order[start:end]
            out[idx] = self._embed_batch([encs[i] for i in idx])
            start = end
        return out

    def _embed_batch(self, encs: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encs):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
