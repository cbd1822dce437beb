"""Markdown for people: a brief and a single-article digest. Text from articles is put on one line
and made inert for Markdown viewers.

Does not decide what goes in (see rag.briefing.brief and rag.briefing.digest).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rag.briefing.digest import Digest
from rag.core.types import Brief, Event, FrontPage
from rag.text.markers import place_markers
from rag.text.mdsafe import md_safe


def render_markdown(b: Brief, with_sources: bool = True, safe: bool = True) -> str:
    """The brief as Markdown; `safe`: escaped as the chat escapes it (rag.text.mdsafe), so no raw HTML
    from an article reaches a viewer of the downloaded file."""
    lines = [f"# {_line(b.headline)}", ""]
    lines += [f"_{len(b.sources)} sources" + (f"; story: {_line(b.story)}" if b.story else "")
              + (f"; topic: {_line(b.topic)}" if b.topic else "")
              + (f"; new since {b.since}: {_new_sources(b)}" if b.since else "") + "_", ""]
    lines += ["## Summary", "", " ".join(place_markers(_line(p.text), p.cites) for p in b.summary) or "Nothing verified.", ""]
    lines += _section(f"Key points (new since {b.since})" if b.since else "Key points",
                      [place_markers(_line(p.text), p.cites) for p in b.key_points])
    if b.since:
        lines += _section(f"Earlier (background, before {b.since})",
                          [f"{p.lead} " + place_markers(_line(p.text), p.cites) for p in b.earlier])
    if b.timeline or any(s.date for s in b.sources):
        lines += _section("Timeline", [f"{e.date} ({_basis(e, b)}): " + place_markers(_line(e.point.text), e.point.cites)
                                       for e in b.timeline]) + _undated(b)
    lines += _section("Where the sources agree", [place_markers(_line(p.text), p.cites) + f" ({len(p.cites)} of "
                                                  f"{len(b.sources)} sources)" for p in b.agree])
    lines += _section("Where the sources differ", [" ".join(
        (f"{p.lead} " if p.lead else f"{b.sources[p.cites[0] - 1].outlet} reports: ") + place_markers(_line(p.text), p.cites)
        for p in c.sides) for c in b.differ])
    lines += _section("Who said what", [f'**{_line(s.speaker)}** ({_line(s.outlet)}): "{_line(s.said)}" [{s.cite}]'
                                        for s in b.said])
    lines += _section("Coverage", [f"{_line(o.name)}: " + (f"first reported {o.first}" if o.first else "undated")
                                   + " " + "".join(f"[{n}]" for n in o.cites) for o in b.coverage]
                      + [f'First to report "{_line(f.point)}": {_line(f.outlet)} on {f.date} [{f.cite}]; later '
                         + "".join(f"[{n}]" for n in f.later) for f in b.firsts])
    lines += _section("Open questions", [place_markers(_line(p.text), p.cites) for p in b.open_questions])
    if with_sources:
        lines += ["## Sources", ""] + [f"- [{s.n}] {_line(s.title)}"
                                       + "".join(f" - {_line(x)}" for x in (s.publisher, s.date) if x)
                                       + f" (`{s.doc_id}`, {s.file})" for s in b.sources] + [""]
    return md_safe("\n".join(lines)) if safe else "\n".join(lines)


def _basis(e: Event, b: Brief) -> str:
    if e.basis == "stated":
        return f'date stated in the text: "{_line(e.phrase)}"'
    if e.basis == "relative":
        return f'"{_line(e.phrase)}", resolved against the {b.sources[e.point.cites[0] - 1].date} publication date'
    return "publication date"


def _undated(b: Brief) -> list[str]:
    if not b.undated:
        return []
    return ["Undated (not placed): " + "; ".join(f"{_line(b.sources[n - 1].title)} [{n}]" for n in b.undated), ""]


def _new_sources(b: Brief) -> str:
    return "".join(f"[{s.n}]" for s in b.sources if s.date and s.date[:10] >= (b.since or ""))


def render_front_page(f: FrontPage, safe: bool = True) -> str:
    """The front page: per story its headline, summary, key points and outlets; each section numbers its own sources."""
    lines = ["# Front page", "", f"_{len(f.sections)} stories, largest and newest first"
             + (f"; new since {f.since}" if f.since else "") + "_", ""]
    for story, b in f.sections:
        span = " to ".join(dict.fromkeys(x for x in (story.first, story.last) if x)) or "undated"
        lines += [f"## {_line(b.headline)}", "", f"_story `{story.story_id}`: {len(story.doc_ids)} articles, "
                  f"{_line(', '.join(story.outlets) or 'outlets unknown')}, {span}_", ""]
        lines += [" ".join(place_markers(_line(p.text), p.cites) for p in b.summary) or "Nothing verified.", ""]
        lines += [f"- {place_markers(_line(p.text), p.cites)}" for p in b.key_points] + [""]
        lines += ["Sources: " + "; ".join(f"[{s.n}] {_line(s.title)}" + (f" - {_line(s.publisher)}" if s.publisher else "")
                                         + (f", {s.date}" if s.date else "") for s in b.sources), ""]
    return md_safe("\n".join(lines)) if safe else "\n".join(lines)


def _section(title: str, items: Sequence[str]) -> list[str]:
    return [f"## {title}", ""] + ([f"- {x}" for x in items] or ["None found."]) + [""]


def _line(text: str | None) -> str:
    return " ".join(str(text or "").replace("#", "").split())




def render_digest_markdown(d: Digest) -> str:
    meta = " · ".join(x for x in (d.publisher, d.date, f"`{d.doc_id}`") if x)
    lines = [f"# {_line(d.title)}", "", meta, "", "## Key facts", ""]
    for f in d.facts:
        lines.append(f"- {place_markers(_line(f.text), [1])}")
        if f.quote != f.text:
            lines.append(f"  > {_line(f.quote)}")
    lines += ["", "## Who said what", ""]
    lines += [f'- **{_line(q.speaker)}**: "{_line(q.said)}" [1]' for q in d.quotes] or ["- None found."]
    lines += ["", "## Open questions", ""]
    lines += [f"- {place_markers(_line(s), [1])}" for s in d.open_questions] or ["- None found."]
    where = ", ".join(x for x in (d.publisher, d.date) if x)
    lines += ["", "## Source", "", f"[1] {_line(d.title)}" + (f" - {where}" if where else "")
              + f" (`{d.doc_id}`, {Path(d.source_path).name})", ""]
    return "\n".join(lines)
