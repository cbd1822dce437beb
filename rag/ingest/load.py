"""Find article files and read each one into raw text plus whatever metadata the format carries.

Handles plain text and Markdown (encoding detection), HTML (main-text extraction with trafilatura:
title, site name, date) and PDF (the text layer, via pypdf). Every way a file can be unusable
becomes `SkipFile` with a one-line reason; nothing else escapes `read_article`.

Does not clean the text (see `clean.py`), chunk it, or look at the store. Does not OCR scanned PDFs.
"""
from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pypdf import PdfReader

from rag.core.errors import SkipFile

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf")
_NOT_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")  # control characters, U+FFFD
_HTML_START = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)
_MIN_HTML_CHARS = 40  # less extracted text than this is navigation, not an article
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_JUNK_PDF_TITLE = re.compile(
    r"^(untitled.*|microsoft (word|powerpoint) - .*|.*\.(docx?|pdf|odt|indd))$", re.IGNORECASE
)


@dataclass(frozen=True)
class RawArticle:
    """Text as read from the file, before cleaning, with metadata the format gave us."""

    text: str
    title: str | None = None
    publisher: str | None = None
    date: str | None = None  # YYYY-MM-DD


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders (recursively, sorted, hidden entries skipped) into supported files.

    Returns (files to read, [(path, reason)] for paths that were skipped).
    """
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            candidates = list(_walk(path))
        elif path.exists():
            candidates = [path]
        else:
            skipped.append((path, "no such file or folder"))
            continue
        for file in candidates:
            reason = _unsupported(file)
            if reason:
                skipped.append((file, reason))
                continue
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found, skipped


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _unsupported(file: Path) -> str | None:
    if not file.is_file():
        return "not a regular file"
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED:
        return f"unsupported file type '{suffix}'" if suffix else "unsupported file type (no extension)"
    return None


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
    """Bytes of a text file to str: BOM, UTF-8, then a detected charset; SkipFile if not text."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(codec))
            except UnicodeDecodeError as e:
                raise SkipFile("cannot decode text") from e
    if b"\x00" in data:
        raise SkipFile("binary file, not text")
    try:
        return _check_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = _detect(data)
    if text is None:
        raise SkipFile("cannot decode text")
    return _check_text(text)


def _detect(data: bytes) -> str | None:
    try:
        import charset_normalizer
    except ImportError:  # pragma: no cover - it ships with chromadb's dependencies
        for codec in ("cp1252", "latin-1"):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if _looks_western(text):
                return text
        return None
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.chaos > 0.25:
        return None
    return str(best)


def _looks_western(text: str) -> bool:
    """Plausible single-byte Western text: mostly ASCII, with spaces between words."""
    if not text:
        return False
    ascii_share = sum(c < "\x80" for c in text) / len(text)
    space_share = sum(c.isspace() for c in text) / len(text)
    return ascii_share >= 0.7 and space_share >= 0.05


def _check_text(text: str) -> str:
    if text and len(_NOT_TEXT.findall(text)) / len(text) > 0.05:
        raise SkipFile("binary file, not text")
    return text


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
        raise SkipFile("no article text found in HTML")
    return RawArticle(
        text=text,
        title=_meta(doc.title),
        publisher=_meta(doc.sitename),
        date=_iso_date(doc.date),
    )


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
