"""Decoding by evidence: BOM, UTF-8, a declared charset, UTF-16 without a BOM, Western single-byte text."""
from __future__ import annotations

import pytest

from rag.core.errors import SkipFile
from rag.ingest.charset import decode
from rag.ingest.load import parse_article

CAFE = "Café naïve: the crème brûlée at the façade cost 5 francs, déjà vu."


@pytest.mark.parametrize("text, codec", [
    ("Café naïve", "latin-1"),  # charset-normalizer alone guesses cp1006 here
    (CAFE, "latin-1"),  # ... and cp1257 here ("naļve")
    ("He said \u201cCafé\u201d \u2013 it costs \u20ac5 \u2014 naïve.", "cp1252"),
    ("Die Straße in München ist schön, sagte der Bürgermeister.", "cp1252"),
    (CAFE, "utf-16"), (CAFE, "utf-16-le"), (CAFE, "utf-16-be"), (CAFE, "utf-8-sig"), (CAFE, "utf-8"),
    ("Zażółć gęślą jaźń, powiedział minister w środę.", "cp1250"),
    ("Привет мир, это тестовая статья о новостях дня.", "cp1251"),
])
def test_text_files_decode_to_what_was_written(text, codec):
    assert parse_article(text.encode(codec), ".txt").text == text


def test_a_declared_charset_is_used():
    html = '<html><head><meta charset="koi8-r"></head><body>Привет мир</body></html>'
    assert decode(html.encode("koi8-r")) == html
    xml = '<?xml version="1.0" encoding="iso-8859-1"?><rss><title>Café</title></rss>'
    assert decode(xml.encode("latin-1")) == xml


def test_utf8_wins_over_a_wrong_latin1_declaration():
    html = '<html><head><meta charset="iso-8859-1"></head><body>Café naïve</body></html>'
    assert decode(html.encode("utf-8")) == html


def test_binary_is_not_text():
    with pytest.raises(SkipFile, match="binary file, not text"):
        decode(bytes(range(256)) * 8)
