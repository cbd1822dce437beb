"""The stories of a store: group the articles that have no story yet and write their assignment to
the document registry (`story`, and the `names` grouping weighed, so the next run reads no text);
read the stories back with label, outlets and date span.

A workspace written before stories existed has no `story` field: its articles are grouped on the
first call, like new ones. Removing an article leaves its story's id as it was (the id is a name,
not a pointer). Does not decide what joins what (see rag.retrieval.stories) or validate user input
(see rag.desk).
"""
from __future__ import annotations

import logging
import threading

from rag.backends.chroma import Store
from rag.core.types import DocRecord, Story
from rag.retrieval import stories

log = logging.getLogger(__name__)
_lock = threading.Lock()  # one grouping at a time in this process


def update(store: Store) -> dict[str, str]:
    """Group every article without a story; returns the new assignments (doc id -> story id)."""
    with _lock:
        docs = store.documents()
        todo = [d for d, r in sorted(docs.items()) if not r.story]
        if not todo:
            return {}
        unnamed = [d for d, r in docs.items() if not r.names]
        texts = store.document_texts(unnamed) if unnamed else {}
        vectors = store.document_vectors(list(docs))
        articles = {d: stories.Article(d, vectors[d], _names(r, texts), r.date, r.duplicate_of)
                    for d, r in docs.items() if d in vectors}
        existing = [(articles[d], r.story) for d, r in docs.items() if r.story and d in articles]
        new = stories.assign(existing, [articles[d] for d in todo if d in articles])
        fields = {d: {"names": " ".join(sorted(articles[d].names))} for d in unnamed if d in articles}
        for d, sid in new.items():
            fields.setdefault(d, {})["story"] = sid
        store.set_stories(fields)
        log.info("grouped %d new articles into %d stories", len(new), len(set(new.values())))
        return new


def _names(r: DocRecord, texts: dict[str, str]) -> frozenset[str]:
    return frozenset(r.names.split()) if r.names else stories.name_terms(r.title, texts.get(r.doc_id, ""))


def read(store: Store) -> list[Story]:
    """Every story, after grouping any article that has none yet."""
    update(store)
    docs = store.documents()
    return stories.summarize(docs, store.document_vectors(list(docs)))


def assignment(docs: dict[str, DocRecord]) -> dict[str, str]:
    """doc id -> story id for the grouped articles."""
    return {d: r.story for d, r in docs.items() if r.story}
