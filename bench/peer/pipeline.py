"""A plain LlamaIndex RAG pipeline over seeds/, run inside bench/peer/.venv (not rag's environment).

LlamaIndex defaults throughout (SimpleDirectoryReader, SentenceSplitter 1024/200, VectorStoreIndex
over Chroma, `CitationQueryEngine.from_args`: top 2 nodes re-split into 512-token citation chunks,
its own citation prompt), with the same model file and the same embedder as rag. Two choices
are not LlamaIndex's defaults, so the model is run as it is meant to be: its ChatML chat format
(LlamaIndex's generic "user: ..." prompt would handicap it) and temperature 0 with rag's
max_tokens and context size, as rag does.
Prints one JSON object per line: {"setup": ...} first, then one per question.

Run by bench/peer/__init__.py:  .venv/bin/python bench/peer/pipeline.py ARGS.json
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.query_engine import CitationQueryEngine

from rag.backends.embed import Embedder  # on PYTHONPATH; needs only numpy, onnxruntime and tokenizers

SYSTEM = "You are a helpful assistant."


class RagEmbedding(BaseEmbedding):
    """rag's ONNX MiniLM embedder behind LlamaIndex's embedding interface."""

    _inner: Any = PrivateAttr()

    def __init__(self, inner: Embedder, **kwargs: Any):
        super().__init__(model_name=inner.model_name, embed_batch_size=32, **kwargs)
        self._inner = inner

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._inner.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self._inner.embed(texts)]


def chatml(messages: Any) -> str:
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>\n" for m in messages]
    if not any(m.role.value == "system" for m in messages):
        parts.insert(0, f"<|im_start|>system\n{SYSTEM}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


def completion_chatml(completion: str) -> str:
    return f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{completion}<|im_end|>\n<|im_start|>assistant\n"


def emit(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


def main(args: dict) -> None:
    import chromadb
    from llama_index.llms.llama_cpp import LlamaCPP
    from llama_index.vector_stores.chroma import ChromaVectorStore

    t0 = time.perf_counter()
    Settings.embed_model = RagEmbedding(Embedder(Path(args["onnx"]), Path(args["tokenizer"]), args["n_threads"]))
    Settings.llm = LlamaCPP(model_path=args["model"], temperature=0.0, max_new_tokens=args["max_tokens"],
                            context_window=args["n_ctx"], messages_to_prompt=chatml,
                            completion_to_prompt=completion_chatml, verbose=False,
                            model_kwargs={"n_threads": args["n_threads"], "n_threads_batch": args["n_threads"],
                                          "seed": 0, "n_batch": 512})
    loaded = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as store:
        collection = chromadb.PersistentClient(path=store).get_or_create_collection("peer")
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
        docs = SimpleDirectoryReader(args["seeds"], required_exts=[".txt"]).load_data()
        t1 = time.perf_counter()
        index = VectorStoreIndex.from_documents(docs, storage_context=storage)
        engine = CitationQueryEngine.from_args(index)
        emit({"setup": {"load_s": loaded, "index_s": time.perf_counter() - t1, "documents": len(docs),
                        "nodes": collection.count()}})
        for q in args["questions"]:
            t = time.perf_counter()
            response = engine.query(q["question"])
            sources = [{"n": i, "doc_id": Path(n.node.metadata.get("file_name", "")).stem,
                        "text": n.node.get_content().split("\n", 1)[-1]}
                       for i, n in enumerate(response.source_nodes, 1)]
            emit({"id": q["id"], "answer": str(response.response or ""), "sources": sources,
                  "seconds": time.perf_counter() - t})


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
