"""The stories of a store: group the articles that have no story yet and write their assignment to
the document registry (`story`, and the `names` that grouping weighs, so the next run reads no text;
the lead vector it weighs as well is written with the article, rag.backends.chroma); read the stories
back with label, outlets and date span; find a story by an id that a merge retired. Embeds nothing.

A workspace written before stories existed has no `story` field: its articles are grouped on the
first call, like new ones; one written before lead vectors has them made from its stored chunk
vectors. A merge rewrites the `story` field of the absorbed story's articles; its old id is its
first article's id, so `resolve` still finds the story. Removing an article leaves
its story's id as it was (the id is a name, not a pointer). Does not decide what joins what (see
rag.retrieval.stories) or validate user input (see rag.desk).
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
    """Group every article without a story; returns the new assignments (doc id -> story id), the
    articles of stories merged into another included."""
    with _lock:
        docs = store.documents()
        todo = [d for d, r in sorted(docs.items()) if not r.story]
        if not todo:
            return {}
        leads = store.document_leads({d: r.version for d, r in docs.items()})
        unnamed = [d for d, r in docs.items() if not r.names]
        texts = store.document_texts(sorted(unnamed))
        articles = {d: stories.Article(d, leads[d], _names(r, texts), r.date, r.duplicate_of)
                    for d, r in docs.items()}
        existing = [(articles[d], r.story) for d, r in docs.items() if r.story]
        new = stories.assign(existing, [articles[d] for d in todo])
        fields = {d: {"names": " ".join(sorted(articles[d].names))} for d in unnamed}
        for d, sid in new.items():
            fields.setdefault(d, {})["story"] = sid
        store.set_stories(fields)
        log.info("grouped %d articles into %d stories", len(new), len(set(new.values())))
        return new


def _names(r: DocRecord, texts: dict[str, str]) -> frozenset[str]:
    return frozenset(r.names.split()) if r.names else stories.name_terms(r.title, texts.get(r.doc_id, ""))


def read(store: Store) -> list[Story]:
    """Every story, after grouping any article that has none yet."""
    update(store)
    docs = store.documents()
    return stories.summarize(docs, store.document_vectors(list(docs)))


def resolve(docs: dict[str, DocRecord], story_id: str) -> str:
    """The story an id names now: itself, or, for an id that a merge retired, the story of the
    article it was named after."""
    r = docs.get(story_id)
    return r.story if r is not None and r.story and r.story != story_id else story_id
