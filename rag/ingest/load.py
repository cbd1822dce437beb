"""Find article files and read each one into raw text plus whatever metadata the format carries.

Handles plain text and Markdown (decoded by evidence, see `charset.py`), HTML (main-text extraction with trafilatura:
title, site name, date) and PDF (the text layer, via pypdf). Every way a file can be unusable
becomes `SkipFile` with a one-line reason; nothing else escapes `read_article`.

Does not clean the text (see `clean.py`), chunk it, or look at the store. Does not OCR scanned PDFs.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from rag.core.errors import SkipFile
from rag.ingest import charset

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf")
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_MIN_HTML_CHARS = 40  # less extracted text than this is navigation, not an article
_MAX_DEPTH = 256  # libxml2's nesting limit without XML_PARSE_HUGE
_JUNK_PDF_TITLE = re.compile(
    r"^(untitled.*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|odt|indd))$", re.IGNORECASE
)


@dataclass(frozen=True)
class RawArticle:
    """Text as read from the file, before cleaning, with metadata the format gave us."""

    text: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None  # YYYY-MM-DD, from the source's metadata
    url: str | None = None
    authors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # metadata that was there but unusable ("impossible date '2004-02-31'")


def read_article(path: Path, max_bytes: int) -> RawArticle:
    """Read one file into a RawArticle, or raise SkipFile with the reason it cannot be used."""
    return parse_article(read_bytes(path, max_bytes), Path(path).suffix)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, after the size checks (empty, over the limit) that need no parsing."""
    try:
        size = Path(path).stat().st_size
        if size == 0:
            raise SkipFile("empty file")
        if size > max_bytes:
            raise SkipFile(f"file is {_mb(size)} MB, over the {_mb(max_bytes)} MB limit")
        data = Path(path).read_bytes()
    except OSError as e:
        raise SkipFile(f"cannot read file: {e.strerror or e}") from e
    if not data.strip():
        raise SkipFile("empty file")
    return data


def parse_article(data: bytes, suffix: str) -> RawArticle:
    """Decode and extract an article from a file's bytes; `suffix` picks the format, except that
    PDF and HTML content is read as such whatever the name says (a PDF saved as .txt is not text)."""
    suffix = suffix.lower()
    if suffix == ".pdf" or data[:1024].lstrip()[:5] == b"%PDF-":
        return _read_pdf(data)
    text = _decode(data)
    if suffix in (".html", ".htm") or _HTML_START.match(text[:2000]):
        return _read_html(text)
    if suffix == ".md":
        return _read_markdown(text)
    return RawArticle(text=text)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f}".removesuffix(".0")


def _decode(data: bytes) -> str:
    """Bytes of a text file to str by evidence (see `charset.py`); SkipFile if not text."""
    return charset.decode(data)


def _read_markdown(text: str) -> RawArticle:
    """Drop heading markers; a leading `# Title` line gives the title."""
    lines = text.splitlines()
    title = None
    for line in lines:
        if line.strip():
            match = re.match(r"#\s+(.+?)\s*#*\s*$", line.strip())
            title = match.group(1) if match else None
            break
    body = "\n".join(re.sub(r"^\s{0,3}#{1,6}\s+", "", line) for line in lines)
    return RawArticle(text=body, title=title)


def _read_html(html: str) -> RawArticle:
    import trafilatura  # here, not at the top: importing it takes half a second

    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except RecursionError as e:
        raise SkipFile("HTML is nested too deeply to read") from e
    except Exception as e:  # trafilatura/lxml raise many types on malformed markup
        raise SkipFile(f"cannot parse HTML: {_short(e)}") from e
    text = (doc.text or "") if doc is not None else ""
    if len(text.strip()) < _MIN_HTML_CHARS:
        if _too_deep(html):
            raise SkipFile(f"HTML is nested too deeply to read (over {_MAX_DEPTH} levels)")
        raise SkipFile("no article text found in HTML")
    return RawArticle(
        text=text,
        title=_meta(doc.title),
        publisher=_meta(doc.sitename),
        date=_iso_date(doc.date),
    )


def _too_deep(html: str) -> bool:
    """Whether libxml2 (under trafilatura) stopped at its nesting limit: it then returns a cut tree."""
    from lxml import etree

    parser = etree.HTMLParser()
    try:
        etree.fromstring(html.encode("utf-8", "replace"), parser)
    except Exception:  # noqa: BLE001 - only the error log matters here
        pass
    return any("Excessive depth" in str(e) for e in parser.error_log)


def _meta(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _iso_date(value: object) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    return None


def _read_pdf(data: bytes) -> RawArticle:
    if b"%PDF-" not in data[:1024]:
        raise SkipFile("cannot read PDF: not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile("cannot read PDF: it is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = _pdf_title(reader)
    except SkipFile:
        raise
    except RecursionError as e:
        raise SkipFile("cannot read PDF: its structure is nested too deeply") from e
    except Exception as e:  # pypdf raises PdfReadError, ValueError, KeyError... on damaged files
        raise SkipFile(f"cannot read PDF: {_short(e)}") from e
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise SkipFile("PDF has no text layer")
    return RawArticle(text=text, title=title)


def _pdf_title(reader: PdfReader) -> str | None:
    try:
        title = _meta(reader.metadata.title if reader.metadata else None)
    except Exception:  # broken info dictionaries are common; the title is optional
        return None
    if title is None or _JUNK_PDF_TITLE.match(title):
        return None
    return title


def _short(e: BaseException) -> str:
    message = " ".join(str(e).split()) or type(e).__name__
    return message[:120]
