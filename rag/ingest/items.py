"""What one found file holds: the articles to ingest (`Item`) and the ones that cannot be (`Bad`).

A plain file (.txt .md .html .htm .pdf) is one item whose article is read only when needed (a file
unchanged since the last ingest is never parsed); a `.txt`/`.md` file opening with YAML front
matter takes its metadata from it. A dump (.json .jsonl .ndjson) or a feed (.rss .atom .xml) is
many items, one per record or entry, read lazily so a large dump streams.

Does not touch the store, clean text or choose between clashing ids (see `pipeline.py`).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator

from rag.ingest import charset, ids
from rag.ingest.feeds import FEED_SUFFIXES, feed_records, looks_like_feed
from rag.ingest.load import SUPPORTED as FILE_SUFFIXES
from rag.ingest.load import RawArticle, parse_article, read_bytes
from rag.ingest.records import JSON_SUFFIXES, Bad, Record, front_matter, json_records
from rag.ingest.walk import Found

SUPPORTED = FILE_SUFFIXES + JSON_SUFFIXES + FEED_SUFFIXES
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_SCRIPT = re.compile(rb"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
_SPACE = re.compile(rb"\s{2,}")  # runs only: replacing every single space made 10 million pieces (1.1 GB)


@dataclass(frozen=True)
class Item:
    """One article to ingest. `own_id`: the id is the record's own, not derived from a file name."""

    doc_id: str
    where: str  # for messages: "path", "path:12" (a JSONL line) or "path item 3" (a feed entry)
    source_path: str  # the file it came from, resolved
    sha256: str  # of the article's raw bytes: its version key
    read: Callable[[], RawArticle]
    own_id: bool = False
    found: Found | None = None  # the file, for alternative ids when the id is taken
    text_size: Callable[[], int | None] | None = None  # an upper bound on its text, before parsing


def items_of(found: Found, max_bytes: int, today: date | None = None) -> Iterator[Item | Bad]:
    """The items of one file; SkipFile when the whole file is unusable."""
    path, suffix = found.path, found.path.suffix.lower()
    source = str(path.resolve())
    if suffix in JSON_SUFFIXES:
        yield from (_record_item(r, source) for r in json_records(path, max_bytes, today))
        return
    data = read_bytes(path, max_bytes)
    if suffix in FEED_SUFFIXES or (suffix not in (".html", ".htm", ".pdf") and looks_like_feed(data)):
        yield from (_record_item(r, source) for r in feed_records(path, data, today))
        return
    yield Item(ids.file_id(path, found.root), str(path), source, hashlib.sha256(data).hexdigest(),
               lambda: read_file(data, suffix, today), found=found, text_size=lambda: visible_chars(data, suffix))


def read_file(data: bytes, suffix: str, today: date | None = None) -> RawArticle:
    """A plain file's article; front matter in a .txt/.md file gives its metadata."""
    if suffix in (".txt", ".md") and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:3] == b"---":
        text = charset.decode(data).lstrip("\ufeff \t\r\n")
        article = front_matter(text, today)
        if article is not None:
            if suffix == ".md":  # the body is Markdown as in any .md file: drop heading marks
                md = parse_article(article.text.encode("utf-8"), ".md")
                return RawArticle(**{**article.__dict__, "text": md.text, "title": article.title or md.title})
            return article
    return parse_article(data, suffix)


def visible_chars(data: bytes, suffix: str) -> int | None:
    """At most how many characters of text a file can yield, without parsing it (None for PDF).

    For HTML: the characters outside tags, scripts and styles (trafilatura extracts a part of those).
    Measured on a 30 MB page: 0.4 s here against 47 s and 1.2 GB to extract and clean it."""
    if suffix == ".pdf" or data[:1024].lstrip()[:5] == b"%PDF-":
        return None
    if suffix not in (".html", ".htm") and not _HTML_START.match(data[:2000]):
        return len(data)
    text = _SCRIPT.sub(b" ", data)
    text = _TAG.sub(b" ", text)
    return len(_SPACE.sub(b" ", text))


def _record_item(r: Record | Bad, source: str) -> Item | Bad:
    if isinstance(r, Bad):
        return r
    return Item(r.doc_id, r.where, source, r.sha256, lambda a=r.article: a, own_id=True)
