"""The front page: on a corpus of many stories, a brief with no selection briefs the largest and
newest stories one section each, instead of blending unrelated events into one summary.

Each section is an ordinary story brief (rag.briefing.brief) with its own sources. Stories are
ranked by size, then by their newest date; with `since`, only stories with an article dated on or
after it are shown. Does not group articles into stories (rag.retrieval.stories) or render.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from rag.answer.assistant import Assistant
from rag.briefing import since as since_
from rag.briefing.brief import Progress, brief
from rag.core.types import DocRecord, FrontPage, Story

STORIES = 5  # sections on a front page
SECTION_WORDS = 120  # a section's floor: headline, two summary sentences and a few key points


def choose(stories: Sequence[Story], docs: Mapping[str, DocRecord], since: str | None = None,
           n: int = STORIES) -> list[Story]:
    """The `n` largest stories (ties: the newest first) that have an article new since `since`."""
    live = [s for s in stories if any(d in docs and since_.is_new(docs[d], since) for d in s.doc_ids)]
    by_newest = sorted(live, key=lambda s: s.last or "", reverse=True)
    return sorted(by_newest, key=lambda s: -len(s.doc_ids))[:n]


def front_page(a: Assistant, chosen: Sequence[Story], docs: Mapping[str, DocRecord], words: int,
               progress: Progress | None = None, since: str | None = None) -> FrontPage:
    """One brief per chosen story, about `words` words in all (at least SECTION_WORDS each)."""
    per = max(words // max(len(chosen), 1), SECTION_WORDS)
    tick = progress or (lambda done, total, label: None)
    sections = []
    for i, story in enumerate(chosen):
        tick(i, len(chosen), f"story {i + 1} of {len(chosen)}: {story.label}")
        members = {d: docs[d] for d in story.doc_ids if d in docs}
        sections.append((story, brief(a, members, words=per, since=since, story=story.story_id)))
    tick(len(chosen), len(chosen), "done")
    return FrontPage(tuple(sections), since)
