"""Loading: finding files, and every way a file can be unreadable becoming a one-line SkipFile."""
from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from pypdf import PdfWriter

from rag.core.errors import SkipFile
from rag.ingest.load import SUPPORTED, RawArticle, read_article
from rag.ingest.walk import find_sources

MAX = 20_000_000
ARTICLE = (
    "Iran\u2019s foreign minister called the talks in Muscat a \u201cgood start\u201d \u2014 "
    "but officials in Tehran were cautious. The caf\u00e9 owners near the venue said crowds were "
    "small. Negotiators are expected to meet again next week, according to the Omani statement.\n"
)
NEWS_PAGE = """<!DOCTYPE html><html lang="en"><head>
<title>Oman hosts new round of Iran-US talks | The Gulf Ledger</title>
<meta property="og:title" content="Oman hosts new round of Iran-US talks">
<meta property="og:site_name" content="The Gulf Ledger">
<meta property="article:published_time" content="2025-04-13T09:30:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Oman hosts new round of Iran-US talks</h1>
<p>Muscat hosted a second round of indirect talks between Iranian and American negotiators on
Saturday, officials from both sides said after the meeting ended.</p>
<p>The Omani foreign minister carried messages between the two delegations, which sat in separate
rooms for more than four hours, according to a statement.</p>
<p>Both sides described the atmosphere as constructive and agreed to meet again next week,
although no date or venue has been announced yet.</p>
</article>
<footer><p>Copyright 2025 The Gulf Ledger</p></footer>
</body></html>"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def skip_reason(path: Path, max_bytes: int = MAX) -> str:
    with pytest.raises(SkipFile) as info:
        read_article(path, max_bytes)
    return str(info.value)


def text_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with a Helvetica text layer, written by hand with a correct xref."""
    ops = "BT /F1 12 Tf 72 720 Td " + " 0 -16 Td ".join(f"({line}) Tj" for line in lines) + " ET"
    stream = ops.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


# --- find_sources --------------------------------------------------------------------------------


def test_find_sources_expands_folders_sorted_and_reports_skips(tmp_path):
    for name in ["b.md", "a.txt", "c.docx", ".hidden.txt", ".git/x.txt", "sub/e.PDF", "sub/d.html", "z"]:
        write(tmp_path, name, "x")
    single = write(tmp_path, "elsewhere/f.htm", "x")
    missing = tmp_path / "missing.txt"
    found, skipped = find_sources([tmp_path, single, missing, tmp_path / "a.txt"], SUPPORTED)
    files = [f.path for f in found]
    assert files == [tmp_path / "a.txt", tmp_path / "b.md", tmp_path / "elsewhere/f.htm",
                     tmp_path / "sub/d.html", tmp_path / "sub/e.PDF"]
    assert skipped == [
        (tmp_path / "c.docx", "unsupported file type '.docx'"),
        (tmp_path / "z", "unsupported file type (no extension)"),
        (missing, "no such file or folder"),
    ]


# --- text files --------------------------------------------------------------------------------


def test_plain_utf8_text(tmp_path):
    assert read_article(write(tmp_path, "a.txt", ARTICLE), MAX) == RawArticle(text=ARTICLE)


def test_empty_and_blank_files(tmp_path):
    assert skip_reason(write(tmp_path, "empty.txt", b"")) == "empty file"
    assert skip_reason(write(tmp_path, "blank.md", b"  \n\n\t ")) == "empty file"


def test_over_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(52_300_000)  # sparse: reading it would take a while, stat does not
    assert skip_reason(path, 20_000_000) == "file is 52.3 MB, over the 20 MB limit"


def test_binary_content_in_a_text_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert skip_reason(write(tmp_path, "image.txt", png)) == "binary file, not text"
    controls = bytes([1, 2, 3, 4, 5, 6, 14, 15, 16, 17]) * 50 + b"some words"
    assert skip_reason(write(tmp_path, "controls.md", controls)) == "binary file, not text"


def test_cp1252_text_decodes_via_fallback(tmp_path):
    path = write(tmp_path, "legacy.txt", (ARTICLE * 3).encode("cp1252"))
    assert read_article(path, MAX).text == ARTICLE * 3


def test_byte_order_marks(tmp_path):
    assert read_article(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode()), MAX).text == ARTICLE
    assert read_article(write(tmp_path, "u16.txt", ARTICLE.encode("utf-16")), MAX).text == ARTICLE


def test_undecodable_garbage(tmp_path):
    rng = random.Random(7)
    garbage = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))
    assert skip_reason(write(tmp_path, "garbage.txt", garbage)) == "cannot decode text"


def test_markdown_heading_gives_title(tmp_path):
    path = write(tmp_path, "a.md", "# Talks resume in Muscat\n\n## Background\n\nOman hosted the talks.\n")
    raw = read_article(path, MAX)
    assert raw.title == "Talks resume in Muscat"
    assert raw.text == "Talks resume in Muscat\n\nBackground\n\nOman hosted the talks."


# --- HTML --------------------------------------------------------------------------------------


def test_html_news_page_gives_text_title_site_and_date(tmp_path):
    raw = read_article(write(tmp_path, "page.html", NEWS_PAGE), MAX)
    assert raw.title == "Oman hosts new round of Iran-US talks"
    assert raw.publisher == "The Gulf Ledger"
    assert raw.date == "2025-04-13"
    assert "Muscat hosted a second round of indirect talks" in raw.text
    assert "agreed to meet again next week" in raw.text
    assert "Sport" not in raw.text and "Copyright" not in raw.text


def test_html_without_article_text(tmp_path):
    nav = "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    assert skip_reason(write(tmp_path, "nav.htm", nav)) == "no article text found in HTML"


def test_deeply_nested_html_says_it_is_too_deep(tmp_path):
    para = "<p>" + "Negotiators met in Muscat on Saturday. " * 20 + "</p>"
    for depth in (300, 100_000):
        deep = "<html><body>" + "<div>" * depth + para + "</div>" * depth + "</body></html>"
        # lxml stops building the tree at its depth limit (256), so the paragraph is never reached
        assert skip_reason(write(tmp_path, "deep.html", deep)) == "HTML is nested too deeply to read (over 256 levels)"
    shallow = "<html><body>" + "<div>" * 200 + para + "</div>" * 200 + "</body></html>"
    assert "Muscat" in read_article(write(tmp_path, "ok.html", shallow), MAX).text


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_text_layer_and_title(tmp_path):
    data = text_pdf(["Oman hosted indirect talks on Saturday.", "Both sides called them constructive."],
                    title="Talks in Muscat")
    raw = read_article(write(tmp_path, "talks.pdf", data), MAX)
    assert raw == RawArticle(
        text="Oman hosted indirect talks on Saturday.\nBoth sides called them constructive.",
        title="Talks in Muscat",
    )


def test_pdf_without_text_layer(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert skip_reason(write(tmp_path, "scan.pdf", buffer.getvalue())) == "PDF has no text layer"


def test_corrupted_and_fake_pdfs(tmp_path):
    truncated = text_pdf(["Oman hosted indirect talks."])[:200]
    assert skip_reason(write(tmp_path, "cut.pdf", truncated)).startswith("cannot read PDF: ")
    assert skip_reason(write(tmp_path, "fake.pdf", b"just some text")) == "cannot read PDF: not a PDF file"


def test_encrypted_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert skip_reason(write(tmp_path, "locked.pdf", buffer.getvalue())) == "cannot read PDF: it is encrypted"
