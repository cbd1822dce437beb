"""A brief's Timeline and Coverage, derived from the data without the model.

Timeline: dated events in order, one line each, cited. An event is a verified digest fact whose
supporting sentence states a date ("on 12 November 2004": basis "stated") or a weekday or
"yesterday" that is resolved against the article's publication date ("relative", shown with the
words it came from), or an article sentence that states a full date; each dated article that
gives no such event contributes its lead fact at its publication date ("published"). Articles without a date are listed apart, never placed by guess.

Coverage: each outlet that carried the story with the date it first reported it, and for key points
that several dated sources support, who reported it first.

Does not decide what happened (the digests and `cite.support` do) or render anything.
"""
from __future__ import annotations

from typing import Sequence

from rag.briefing.digest import Digest
from rag.briefing.evidence import Ctx, make, supported
from rag.briefing.extract import body_sentences
from rag.core.types import Event, First, Outlet, Point
from rag.ingest.dates import in_sentence
from rag.text.words import overlap

EVENTS = 8  # lines in a timeline; a page, not a log
FIRSTS = 3
MAX_WORDS = 40  # an article sentence stating a date is shown whole; longer ones are not one line
SAME_EVENT = 0.6  # word overlap at which two facts on one date are one event (as digest.py dedupes facts)


def timeline(digests: Sequence[Digest], ctx: Ctx) -> tuple[tuple[Event, ...], tuple[int, ...]]:
    """(the events in date order, the source numbers of undated articles)."""
    found: list[Event] = []
    for d in digests:
        date = ctx.dates.get(d.doc_id)
        own = [_event(f.text, f.quote, date, d.doc_id, ctx) for f in d.facts]
        own += [_event(s, s, None, d.doc_id, ctx) for _, _, s in body_sentences(ctx.texts[d.doc_id], d.title)
                if len(s.split()) <= MAX_WORDS and not any(s in f.quote for f in d.facts)]  # stated dates only
        # a sentence stating the publication date itself is a dateline, not an event
        own = [e for e in own if e is not None and not (e.basis == "stated" and e.date == date and e.point.text
                                                         not in {f.text for f in d.facts})]
        if date and not own and d.facts and supported(d.facts[0].text, d.doc_id, ctx):
            own = [Event(date, "published", "", make(d.facts[0].text, [d.doc_id], ctx))]
        for e in own:
            same = next((i for i, x in enumerate(found) if x.date == e.date
                         and overlap(x.point.text, e.point.text) > SAME_EVENT), None)
            if same is None:
                found.append(e)
            else:  # one event several articles report: cite each that supports the shown line
                x = found[same]
                ids = [*x.point.doc_ids, *(i for i in e.point.doc_ids if supported(x.point.text, i, ctx))]
                found[same] = Event(x.date, x.basis, x.phrase, make(x.point.text, ids, ctx))
    order = sorted(found, key=lambda e: (e.date, e.basis != "stated", min(e.point.cites)))
    if len(order) > EVENTS:  # keep the best-attested events, shown in date order
        keep = sorted(order, key=lambda e: -len(e.point.cites))[:EVENTS]
        order = [e for e in order if e in keep]
    undated = tuple(s.n for s in ctx.sources if not ctx.dates.get(s.doc_id))
    return tuple(order), undated


def _event(text: str, quote: str, published: str | None, doc_id: str, ctx: Ctx) -> Event | None:
    """The fact as an event when its supporting sentence states a date and the article supports it."""
    got = in_sentence(quote, published)
    if got is None or not supported(text, doc_id, ctx):
        return None
    day, basis, phrase = got
    return Event(day, basis, phrase, make(text, [doc_id], ctx))


def coverage(ctx: Ctx, points: Sequence[Point]) -> tuple[tuple[Outlet, ...], tuple[First, ...]]:
    """(outlets by the date they first reported, undated last; who reported each multi-source point first)."""
    outlets: dict[str, list[tuple[str | None, int]]] = {}
    for s in ctx.sources:
        outlets.setdefault(s.outlet, []).append((ctx.dates.get(s.doc_id), s.n))
    rows = [Outlet(name, min((d for d, _ in got if d), default=None), tuple(n for _, n in got))
            for name, got in outlets.items()]
    rows.sort(key=lambda o: (o.first is None, o.first or "", o.name))
    firsts: list[First] = []
    for p in points:
        dated = sorted((ctx.dates[d], ctx.number[d]) for d in p.doc_ids if ctx.dates.get(d))
        if len(dated) < 2 or dated[0][0] == dated[1][0] or len(firsts) >= FIRSTS:
            continue  # one source, or a tie for first: nobody was first
        day, n = dated[0]
        firsts.append(First(p.text, ctx.sources[n - 1].outlet, day, n, tuple(m for _, m in dated[1:])))
    return tuple(rows), tuple(firsts)
