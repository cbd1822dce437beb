"""BM25 over the current chunks (bm25s), persisted in the workspace and rebuilt when the indexed
document versions change, so it stays in sync with ingest without a second source of truth.

Does not talk to Chroma itself: the caller hands it the chunks and the versions fingerprint.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Iterable, Sequence

from rag.core.types import Chunk

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that "
    "these those there their they them he she his her we our you your i me my not no do does did have has had "
    "will would can could should may might must shall so than then too very also just about into over after "
    "before between during what which who whom whose when where why how s t".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased words without stopwords, with possessives and simple plurals folded."""
    out = []
    for w in _WORD.findall(text.lower()):
        w = w.removesuffix("'s")
        if w in STOPWORDS:
            continue
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def fingerprint(versions: dict[str, str], settings_key: str = "") -> str:
    h = hashlib.sha256(settings_key.encode())
    for doc_id in sorted(versions):
        h.update(f"{doc_id}\0{versions[doc_id]}\n".encode())
    return h.hexdigest()[:16]


class Lexical:
    """A BM25 index over chunk ids; `search` returns (chunk_id, score), best first."""

    def __init__(self, retriever: object | None, chunk_ids: list[str], fp: str):
        self._bm25, self.chunk_ids, self.fingerprint = retriever, chunk_ids, fp

    @classmethod
    def build(cls, chunks: Iterable[Chunk], fp: str) -> "Lexical":
        bm25s = _bm25s()
        ids, corpus = [], []
        for c in chunks:
            ids.append(c.chunk_id)
            corpus.append(tokens(f"{c.title}\n{c.text}") or ["_empty_"])
        if not ids:
            return cls(None, [], fp)
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        return cls(retriever, ids, fp)

    @classmethod
    def load_or_build(cls, directory: Path, fp: str, chunks: Iterable[Chunk]) -> "Lexical":
        """Load the persisted index when its fingerprint matches, else rebuild and save it."""
        meta = directory / "meta.json"
        try:
            saved = json.loads(meta.read_text())
            if saved["fingerprint"] == fp:
                bm25s = _bm25s()
                retriever = bm25s.BM25.load(str(directory / "bm25")) if saved["chunk_ids"] else None
                return cls(retriever, saved["chunk_ids"], fp)
        except (OSError, ValueError, KeyError):
            pass
        index = cls.build(chunks, fp)
        try:
            index.save(directory)
        except OSError as e:  # a read-only workspace: the index works from memory, rebuilt next time
            logging.getLogger(__name__).warning("cannot save the BM25 index in %s: %s", directory, e)
        return index

    def save(self, directory: Path) -> None:
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"))
        (tmp / "meta.json").write_text(json.dumps({"fingerprint": self.fingerprint, "chunk_ids": self.chunk_ids}))
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    def search(self, query: str, n: int, allowed: Sequence[str] | None = None) -> list[tuple[str, float]]:
        if self._bm25 is None:
            return []
        vocab = self._bm25.vocab_dict
        q = [t for t in tokens(query) if t in vocab]
        if not q:
            return []
        scores = self._bm25.get_scores(q)
        order = scores.argsort()[::-1]
        allowed_docs = set(allowed) if allowed else None
        out = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            cid = self.chunk_ids[i]
            if allowed_docs is None or cid.rsplit(":", 1)[0] in allowed_docs:
                out.append((cid, float(scores[i])))
        return out


def _bm25s():  # noqa: ANN202 - the module
    """Import bm25s (slow; only when needed). It sets its own logger to DEBUG on import, which
    printed "DEBUG bm25s: Building index from tokens" on every ingest; put it back to WARNING."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
