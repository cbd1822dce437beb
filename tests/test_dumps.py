"""News dumps: JSON/JSONL records, YAML front matter and RSS/Atom feeds, their metadata and bad input."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from rag.core.errors import SkipFile
from rag.ingest.feeds import feed_records
from rag.ingest.items import read_file
from rag.ingest.records import Bad, Record, json_records

TODAY = date(2026, 11, 29)
BODY = "Kmart Holding Corp. agreed to buy Sears, Roebuck and Co. for $11 billion, the companies said on Wednesday."


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _split(results) -> tuple[list[Record], list[Bad]]:
    results = list(results)
    return [r for r in results if isinstance(r, Record)], [r for r in results if isinstance(r, Bad)]


def test_news_please_jsonl_keeps_metadata_and_reports_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "a1", "title": "Kmart buys Sears", "maintext": BODY, "url": "https://ex.com/a1",
                    "source_domain": "reuters.com", "authors": ["Jane Roe", "John Doe"], "date_publish": "2004-11-17 09:00:00"}),
        "{not json",
        json.dumps({"id": "a2", "title": "No text here", "maintext": None}),
        json.dumps({"title": "Impossible date", "maintext": BODY, "url": "https://ex.com/a3", "date_publish": "2004-02-31"}),
        "",
        json.dumps({"id": "a4", "title": "Future", "maintext": BODY, "date_publish": "2999-01-01"}),
        json.dumps(["a list"]),
    ]
    good, bad = _split(json_records(_write(tmp_path, "dump.jsonl", "\n".join(lines)), 1_000_000, TODAY))
    assert [b.where.rsplit("/", 1)[1] for b in bad] == ["dump.jsonl:2", "dump.jsonl:3", "dump.jsonl:7"]
    assert bad[0].reason.startswith("not JSON") and "no text" in bad[1].reason and "not a JSON object" in bad[2].reason
    a1, a3, a4 = good
    assert (a1.doc_id, a1.article.title, a1.article.publisher, a1.article.url, a1.article.authors, a1.article.date) == (
        "a1", "Kmart buys Sears", "reuters.com", "https://ex.com/a1", ("Jane Roe", "John Doe"), "2004-11-17")
    assert a3.doc_id.startswith("url-") and a3.article.date is None
    assert a3.article.notes == ("impossible date '2004-02-31': date left unknown",)
    assert a4.article.date is None and "in the future" in a4.article.notes[0]


def test_record_ids_are_stable_across_re_ingests(tmp_path):
    rec = {"title": "T", "maintext": BODY, "url": "https://ex.com/x"}
    first = _split(json_records(_write(tmp_path, "a.jsonl", json.dumps(rec)), 10**6, TODAY))[0][0]
    again = _split(json_records(_write(tmp_path, "b.jsonl", "\n" + json.dumps({**rec, "title": "T2"})), 10**6, TODAY))[0][0]
    assert first.doc_id == again.doc_id and first.sha256 != again.sha256


def test_a_json_file_holds_one_object_or_a_list(tmp_path):
    one = _split(json_records(_write(tmp_path, "one.json", json.dumps({"id": 7, "maintext": BODY})), 10**6, TODAY))
    many = _split(json_records(_write(tmp_path, "many.json", json.dumps([{"id": "x", "maintext": BODY},
                                                                         {"id": "y", "text": ""}])), 10**6, TODAY))
    assert [r.doc_id for r in one[0]] == ["7"] and [r.doc_id for r in many[0]] == ["x"]
    assert many[1][0].where.endswith("many.json[1]")
    with pytest.raises(SkipFile, match="not JSON"):
        list(json_records(_write(tmp_path, "bad.json", "{oops"), 10**6, TODAY))


def test_an_overlong_line_is_skipped_unread_and_the_rest_goes_on(tmp_path):
    lines = [json.dumps({"id": "big", "maintext": "x " * 5000}), json.dumps({"id": "ok", "maintext": BODY})]
    good, bad = _split(json_records(_write(tmp_path, "d.jsonl", "\n".join(lines)), 1000, TODAY))
    assert [r.doc_id for r in good] == ["ok"] and bad[0].where.endswith("d.jsonl:1") and "limit" in bad[0].reason


def test_front_matter_gives_metadata():
    md = ("---\ntitle: Kmart buys Sears\npublisher: Reuters\ndate: 2004-11-17\nurl: https://ex.com/k\n"
          "author: Jane Roe\n---\n# Kmart buys Sears\n\n" + BODY)
    raw = read_file(md.encode(), ".md", TODAY)
    assert (raw.title, raw.publisher, raw.date, raw.url, raw.authors) == (
        "Kmart buys Sears", "Reuters", "2004-11-17", "https://ex.com/k", ("Jane Roe",))
    assert raw.text.strip().endswith(BODY) and "publisher:" not in raw.text
    txt = read_file(f"---\nsource: BBC\ndate: 31 February 2004\n---\n{BODY}".encode(), ".txt", TODAY)
    assert txt.publisher == "BBC" and txt.date is None and "impossible date" in txt.notes[0]


@pytest.mark.parametrize("block", ["title: [unclosed\n", "a: &x [1]\nb: *x\n", "- just\n- a list\n"])
def test_front_matter_that_is_not_usable_yaml_is_ignored_with_a_note(block):
    raw = read_file(f"---\n{block}---\n{BODY}".encode(), ".md", TODAY)
    assert raw.text.strip() == BODY and raw.title is None and raw.date is None
    assert raw.notes and raw.notes[0].startswith("front matter (lines 2-")


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example News</title><link>https://ex.com</link><description>News</description>
<item><title>Kmart buys Sears</title><link>https://ex.com/k</link><guid>k-1</guid>
<pubDate>Wed, 17 Nov 2004 09:00:00 GMT</pubDate><dc:creator>Jane Roe</dc:creator>
<description>Short teaser.</description>
<content:encoded><![CDATA[<p>{body}</p><p>Second paragraph of the story.</p>]]></content:encoded></item>
<item><title>No text</title><link>https://ex.com/empty</link></item>
<item><title>Teaser only</title><link>https://ex.com/t</link><pubDate>Tue, 31 Feb 2004 09:00:00 GMT</pubDate>
<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>
</channel></rss>""".replace("{body}", BODY)

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title><id>urn:wire</id><updated>2004-11-18T00:00:00Z</updated>
<entry><title>Sears deal</title><id>urn:wire:1</id><link href="https://wire.ex/1"/>
<published>2004-11-18T08:00:00Z</published><updated>2004-11-18T09:00:00Z</updated>
<author><name>John Doe</name></author><content type="html">&lt;p&gt;{body}&lt;/p&gt;</content></entry>
</feed>""".replace("{body}", BODY)


def test_rss_items_carry_text_and_metadata(tmp_path):
    good, bad = _split(feed_records(tmp_path / "f.rss", RSS.encode(), TODAY))
    k, t = good
    assert (k.doc_id, k.article.title, k.article.publisher, k.article.url, k.article.authors, k.article.date) == (
        "k-1", "Kmart buys Sears", "Example News", "https://ex.com/k", ("Jane Roe",), "2004-11-17")
    assert BODY in k.article.text and "Second paragraph" in k.article.text and "<p>" not in k.article.text
    assert "teaser" not in k.article.text.lower()  # content:encoded wins over the description
    assert BODY in t.article.text and t.article.date is None and "impossible date" in t.article.notes[0]
    assert [b.where.rsplit("/", 1)[1] for b in bad] == ["f.rss item 2"] and "no text" in bad[0].reason


def test_atom_entries(tmp_path):
    (entry,), bad = _split(feed_records(tmp_path / "f.atom", ATOM.encode(), TODAY))
    assert not bad and (entry.doc_id, entry.article.publisher, entry.article.authors, entry.article.date) == (
        "urn:wire:1", "Atom Wire", ("John Doe",), "2004-11-18")


@pytest.mark.parametrize("data", [b"this is not xml at all, just words", b"<html><body>a page</body></html>",
                                  b"<?xml version='1.0'?><notes><note>hi</note></notes>"])
def test_a_file_that_is_not_a_feed_is_skipped(tmp_path, data):
    with pytest.raises(SkipFile, match="feed"):
        list(feed_records(tmp_path / "x.xml", data, TODAY))


def test_a_feed_that_breaks_off_keeps_the_items_before(tmp_path):
    broken = RSS.split("<item><title>No text")[0] + "<item><title>Cut <<<"
    good, bad = _split(feed_records(tmp_path / "cut.rss", broken.encode(), TODAY))
    assert [r.doc_id for r in good] == ["k-1"]


def test_future_dates_in_feeds_stay_unknown(tmp_path):
    later = (date.today() + timedelta(days=3)).strftime("%a, %d %b %Y 09:00:00 GMT")
    (rec,), _ = _split(feed_records(tmp_path / "f.rss", RSS.split("<item><title>No text")[0].replace(
        "Wed, 17 Nov 2004 09:00:00 GMT", later).encode() + b"</channel></rss>", None))
    assert rec.article.date is None and "in the future" in rec.article.notes[0]
