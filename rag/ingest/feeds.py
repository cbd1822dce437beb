"""RSS 2.0 and Atom feed files whose items carry the article text, read with feedparser.

Each entry becomes a `records.Record`: the text from `content:encoded`/Atom `content`, else
`description`/`summary` (HTML reduced to paragraphs of text); the title; the feed's title as the
publisher; the entry's authors, link and publication date (an impossible or future date is left
unknown and noted); the id from the entry's guid/id, else its link. An entry without text is a
`records.Bad` naming the item; a file that is not a feed at all is `SkipFile`. A feed that breaks
off midway still yields the entries before the break.

Does not fetch anything (feedparser is given bytes, never a URL) and does not follow links to the
full article.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import feedparser

from rag.core.errors import SkipFile
from rag.ingest import ids
from rag.ingest.records import Bad, Record, article_of

FEED_SUFFIXES = (".rss", ".atom", ".xml")
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_BLOCK_END = re.compile(r"<(?:br\s*/?|/p|/div|/li|/h[1-6]|/blockquote|/tr)\s*>", re.IGNORECASE)


def looks_like_feed(data: bytes) -> bool:
    """Whether the first bytes hold an RSS, RDF or Atom root element."""
    return _FEED_ROOT.search(data[:2048]) is not None


def feed_records(path: Path, data: bytes, today: date | None = None) -> Iterator[Record | Bad]:
    """The entries of a feed file's bytes as records."""
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    if not parsed.entries:
        if parsed.bozo:
            raise SkipFile(f"not a valid RSS or Atom feed: {_short(parsed.get('bozo_exception'))}")
        if not parsed.version:
            raise SkipFile("not an RSS or Atom feed")
        raise SkipFile("feed has no items")
    publisher = (parsed.feed.get("title") or "").strip() or None
    for i, entry in enumerate(parsed.entries, 1):
        where = f"{path} item {i}"
        text = _entry_text(entry)
        if not text.strip():
            yield Bad(where, "feed item has no text (content, description)")
            continue
        meta = {
            "title": entry.get("title"), "publisher": publisher, "url": entry.get("link"),
            "authors": [a.get("name") for a in entry.get("authors", []) if isinstance(a, dict)]
            or entry.get("author"),
            "date": entry.get("published") or entry.get("updated"),
        }
        own = {"id": entry.get("id") or None, "url": entry.get("link")}
        article = article_of(meta, text, today)
        key = "\n".join(str(x) for x in (own["id"], meta["url"], meta["title"], meta["date"], text))
        yield Record(ids.record_id(own, article.title or "", text), where,
                     hashlib.sha256(key.encode("utf-8", "replace")).hexdigest(), article)
    if parsed.bozo and parsed.entries:
        yield Bad(f"{path} after item {len(parsed.entries)}",
                  f"feed breaks off: {_short(parsed.get('bozo_exception'))}")


def _entry_text(entry: Any) -> str:
    for part in entry.get("content") or []:
        if (part.get("value") or "").strip():
            return html_text(part["value"])
    return html_text(entry.get("summary") or entry.get("description") or "")


def html_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element."""
    if "<" not in fragment:
        return fragment
    from lxml import html as lxml_html

    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n\n", fragment)
    try:
        root = lxml_html.fragment_fromstring(marked, create_parent="div")
    except Exception:  # noqa: BLE001 - lxml raises several types on broken fragments
        return re.sub(r"<[^>]+>", " ", fragment)
    return root.text_content()


def _short(e: object) -> str:
    return (" ".join(str(e).split()) or type(e).__name__)[:120]
