"""The stories of a store: group the articles that have no story yet and write their assignment to
the document registry (`story`; the `names` and the title+lead vector, `lead`, that grouping weighs,
so the next run reads no text and embeds nothing twice); read the stories back with label, outlets
and date span; find a story by an id that a merge retired.

A workspace written before stories existed has no `story` field: its articles are grouped on the
first call, like new ones. One written before lead vectors gets them on the next grouping (one
embedding per article, once). A merge rewrites the `story` field of the absorbed story's articles;
its old id is its first article's id, so `resolve` still finds the story. Removing an article leaves
its story's id as it was (the id is a name, not a pointer). Does not decide what joins what (see
rag.retrieval.stories) or validate user input (see rag.desk).
"""
from __future__ import annotations

import base64
import logging
import threading
from typing import Callable, Sequence

import numpy as np

from rag.backends.chroma import Store
from rag.core.types import DocRecord, Story
from rag.retrieval import stories

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one grouping at a time in this process
Embed = Callable[[Sequence[str]], np.ndarray]


def update(store: Store, embed: Embed) -> dict[str, str]:
    """Group every article without a story; returns the new assignments (doc id -> story id), the
    articles of stories merged into another included."""
    with _lock:
        docs = store.documents()
        todo = [d for d, r in sorted(docs.items()) if not r.story]
        if not todo:
            return {}
        leads = {d: _unpack(x) for d, x in store.document_field(list(docs), "lead").items()}
        unnamed = [d for d, r in docs.items() if not r.names]
        missing = [d for d in docs if d not in leads]
        texts = store.document_texts(sorted(set(unnamed) | set(missing)))
        if missing:
            vectors = embed([stories.lead_text(docs[d].title, texts.get(d, "")) for d in missing])
            leads.update(zip(missing, vectors))
        articles = {d: stories.Article(d, leads[d], _names(r, texts), r.date, r.duplicate_of)
                    for d, r in docs.items()}
        existing = [(articles[d], r.story) for d, r in docs.items() if r.story]
        new = stories.assign(existing, [articles[d] for d in todo])
        fields = {d: {"names": " ".join(sorted(articles[d].names))} for d in unnamed}
        for d in missing:
            fields.setdefault(d, {})["lead"] = _pack(leads[d])
        for d, sid in new.items():
            fields.setdefault(d, {})["story"] = sid
        store.set_stories(fields)
        log.info("grouped %d articles into %d stories", len(new), len(set(new.values())))
        return new


def _names(r: DocRecord, texts: dict[str, str]) -> frozenset[str]:
    return frozenset(r.names.split()) if r.names else stories.name_terms(r.title, texts.get(r.doc_id, ""))


def _pack(v: np.ndarray) -> str:
    return base64.b64encode(np.asarray(v, dtype=np.float16).tobytes()).decode("ascii")


def _unpack(s: str) -> np.ndarray:
    v = np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)
    return v / (np.linalg.norm(v) or 1.0)


def read(store: Store, embed: Embed) -> list[Story]:
    """Every story, after grouping any article that has none yet."""
    update(store, embed)
    docs = store.documents()
    return stories.summarize(docs, store.document_vectors(list(docs)))


def resolve(docs: dict[str, DocRecord], story_id: str) -> str:
    """The story an id names now: itself, or, for an id that a merge retired, the story of the
    article it was named after."""
    r = docs.get(story_id)
    return r.story if r is not None and r.story and r.story != story_id else story_id
