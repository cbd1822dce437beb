"""Ingest from many kinds of source into a real store: dumps with metadata, ids that never clash,
junk and bad records skipped per item, links and unreadable paths, the chunk cap."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import desk as app
from rag.cli import cli
from rag.core.types import Document
from rag.ingest.pipeline import ingest
from tests.conftest import tiny_settings

STORY = ("Kmart Holding Corp. agreed on Wednesday to buy Sears, Roebuck and Co. for $11 billion. "
         "The combined company will be called Sears Holdings and will have about 3,500 stores. ")
OTHER = ("The European Parliament approved the reshuffled European Commission led by Jose Manuel Barroso. "
         "The vote was 449 in favour and 149 against, with 82 abstentions. ")


@pytest.fixture
def index(tmp_path: Path, embedder):
    return app.open_index(tiny_settings(tmp_path / "ws"), embedder)


def _run(index, paths, **kw):
    return ingest(paths, index.store, index.embedder, chunk_tokens=160, chunk_overlap=32,
                  max_bytes=kw.pop("max_bytes", 20_000_000), **kw)


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_a_jsonl_dump_ingests_each_good_record_with_its_metadata(index, tmp_path):
    dump = _write(tmp_path / "dump.jsonl", "\n".join([
        json.dumps({"id": "kmart", "title": "Kmart to buy Sears", "maintext": STORY, "url": "https://ex.com/k",
                    "source_domain": "reuters.com", "authors": ["Jane Roe"], "date_publish": "2004-11-17"}),
        "{broken",
        json.dumps({"title": "EU Commission approved", "maintext": "BRUSSELS, Nov 18 - " + OTHER + " In 2004 ...",
                    "url": "https://ex.com/eu", "date_publish": "2004-02-31"}),
        json.dumps({"id": "empty", "title": "Nothing", "maintext": ""}),
        json.dumps({"id": "junk", "title": "Not found", "maintext": "The page you requested cannot be found. "
                    "It might have been removed or is temporarily unavailable."}),
    ]))
    report = _run(index, [dump])
    eu_id = next(d for d in report.added if d.startswith("url-"))
    assert sorted(report.added) == sorted(["kmart", eu_id])
    assert [(Path(w).name, why.split(":")[0]) for w, why in report.skipped] == [
        ("dump.jsonl:2", "not JSON"), ("dump.jsonl:4", "record has no text (maintext/text/content)"),
        ("dump.jsonl:5", "not an article")]
    assert [(Path(w).name, what) for w, what in report.warnings] == [
        ("dump.jsonl:3", "impossible date '2004-02-31': date left unknown")]
    docs = index.documents()
    k, eu = docs["kmart"], docs[eu_id]
    assert (k.url, k.publisher, k.authors, k.date, k.date_source) == (
        "https://ex.com/k", "reuters.com", ("Jane Roe",), "2004-11-17", "metadata")
    assert (eu.date, eu.date_source) == ("2004-11-18", "text")  # the dateline, its year named in the text
    assert k.source_path == str(dump.resolve())
    again = _run(index, [dump])
    assert sorted(again.unchanged) == sorted(["kmart", eu_id]) and not again.added and not again.updated

    out = CliRunner().invoke(cli, ["sources", "--json"], env={"RAG_WORKSPACE": str(tmp_path / "ws")})
    rows = {r["doc_id"]: r for r in json.loads(out.output)}
    assert rows["kmart"]["url"] == "https://ex.com/k" and rows["kmart"]["authors"] == ["Jane Roe"]
    assert rows["kmart"]["date_source"] == "metadata" and rows[eu_id]["date_source"] == "text"


def test_files_without_a_date_say_none_and_a_root_file_keeps_its_stem(index, tmp_path):
    report = _run(index, [_write(tmp_path / "in" / "plain story.txt", "Sears deal\n\n" + STORY)])
    assert report.added == ["plain story"]
    rec = index.documents()["plain story"]
    assert (rec.date, rec.date_source, rec.url, rec.authors) == (None, "none", None, ())


def test_a_record_written_before_these_fields_still_loads(index):
    doc = Document("old", "Old", STORY, "/gone/old.txt", "abc")
    meta = {"title": "Old", "source_path": "/gone/old.txt", "sha256": "abc", "version": "v1",
            "ingested_at": "2026-01-01T00:00:00+00:00", "n_chunks": 0, "n_tokens": 0, "minhash": ""}
    index.store.put_document(doc, [], index.embedder.embed([STORY])[:0], meta)
    rec = index.documents()["old"]
    assert (rec.url, rec.authors, rec.date_source, rec.date) == (None, (), None, None)


def test_same_file_name_in_two_folders_is_two_documents(index, tmp_path):
    a = _write(tmp_path / "a" / "index.html", f"<html><body><article><p>{STORY}</p></article></body></html>")
    b = _write(tmp_path / "b" / "index.html", f"<html><body><article><p>{OTHER}</p></article></body></html>")
    first, second = _run(index, [a]), _run(index, [b])
    assert first.added == ["index"] and second.added == ["b__index"] and not second.updated
    assert _run(index, [b]).unchanged == ["b__index"] and _run(index, [a]).unchanged == ["index"]
    docs = index.documents()
    assert "Kmart" in index.store.get_document("index").text and "Barroso" in index.store.get_document("b__index").text
    assert len(docs) == 2


def test_nested_files_are_named_by_their_path_under_the_root(index, tmp_path):
    _write(tmp_path / "c" / "a" / "index.html", f"<html><body><article><p>{STORY}</p></article></body></html>")
    _write(tmp_path / "c" / "b" / "index.html", f"<html><body><article><p>{OTHER}</p></article></body></html>")
    _write(tmp_path / "c" / "top.txt", "Top story\n\n" + STORY)
    report = _run(index, [tmp_path / "c"])
    assert sorted(report.added) == ["a__index", "b__index", "top"] and not report.skipped


def test_an_html_page_without_text_does_not_block_its_text_neighbour(index, tmp_path):
    _write(tmp_path / "d" / "story.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>")
    _write(tmp_path / "d" / "story.txt", "Sears deal\n\n" + STORY)
    report = _run(index, [tmp_path / "d"])
    assert report.added == ["story"] and [(Path(p).name, why) for p, why in report.skipped] == [
        ("story.html", "no article text found in HTML")]
    assert "Kmart" in index.store.get_document("story").text


def test_two_usable_neighbours_with_one_stem_both_stay(index, tmp_path):
    _write(tmp_path / "e" / "story.html", f"<html><body><article><p>{OTHER}</p></article></body></html>")
    _write(tmp_path / "e" / "story.txt", "Sears deal\n\n" + STORY)
    report = _run(index, [tmp_path / "e"])
    assert sorted(report.added) == ["story", "story.txt"] and not report.skipped


def test_two_uploads_with_the_same_name_are_two_documents(index, tmp_path):
    from rag.desk import NewsDesk

    backend = NewsDesk(tiny_settings(tmp_path / "ws"), index=index)
    one = _write(tmp_path / "up1" / "same_name.txt", "Sears deal\n\n" + STORY)
    two = _write(tmp_path / "up2" / "same_name.txt", "EU vote\n\n" + OTHER)
    assert backend.upload([str(one)])["added"] == ["same_name"]
    assert backend.upload([str(two)])["added"] == ["same_name-2"]
    assert backend.upload([str(one)])["unchanged"] == ["same_name"]
    assert sorted(index.documents()) == ["same_name", "same_name-2"]


def test_links_out_of_the_ingested_folder_are_not_followed(index, tmp_path):
    secret = _write(tmp_path / "outside" / "secret.txt", "Secret memo\n\n" + OTHER)
    _write(tmp_path / "f" / "story.txt", "Sears deal\n\n" + STORY)
    (tmp_path / "f" / "leak.txt").symlink_to(secret)
    (tmp_path / "f" / "inside.txt").symlink_to(tmp_path / "f" / "story.txt")
    (tmp_path / "f" / "outdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    report = _run(index, [tmp_path / "f"])
    assert sorted(report.added) == ["story"]  # inside.txt is the same file as story.txt
    reasons = {Path(p).name: why for p, why in report.skipped}
    assert reasons["leak.txt"].startswith("symbolic link to a file outside the ingested folder")
    assert reasons["outdir"].startswith("symbolic link to a folder outside the ingested folder")
    assert "leak" not in index.documents()
    followed = _run(index, [tmp_path / "f"], follow_links=True)  # secret.txt, through leak.txt or outdir/
    assert len(followed.added) == 1 and "Secret memo" in index.store.get_document(followed.added[0]).text


def test_an_unreadable_folder_is_reported_and_the_rest_ingested(index, tmp_path, monkeypatch):
    _write(tmp_path / "g" / "ok.txt", "Sears deal\n\n" + STORY)
    _write(tmp_path / "g" / "locked" / "hidden.txt", "EU vote\n\n" + OTHER)
    locked = tmp_path / "g" / "locked"
    real_scandir = os.scandir

    def scandir(path="."):  # root ignores chmod 000, so deny the listing the way the kernel would
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = _run(index, [tmp_path / "g"])
    assert report.added == ["ok"]
    assert report.skipped == [(str(locked), "cannot read folder: Permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files and folders")
def test_chmod_000_paths_are_reported_per_path(index, tmp_path):
    _write(tmp_path / "h" / "ok.txt", "Sears deal\n\n" + STORY)
    bad = _write(tmp_path / "h2" / "bad.txt", "EU vote\n\n" + OTHER)
    locked = _write(tmp_path / "h" / "locked" / "x.txt", "EU vote\n\n" + OTHER).parent
    bad.chmod(0), locked.chmod(0)
    try:
        report = _run(index, [bad, tmp_path / "h"])
    finally:
        bad.chmod(0o644), locked.chmod(0o755)
    assert report.added == ["ok"] and {Path(p).name for p, _ in report.skipped} == {"bad.txt", "locked"}


def test_an_unreadable_file_named_with_others_does_not_stop_them(index, tmp_path, monkeypatch):
    ok = _write(tmp_path / "i" / "ok.txt", "Sears deal\n\n" + STORY)
    bad = _write(tmp_path / "i" / "bad.txt", "EU vote\n\n" + OTHER)
    real = Path.read_bytes

    def read_bytes(self):
        if self == bad:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = _run(index, [bad, ok])
    assert report.added == ["ok"] and report.skipped == [(str(bad), "cannot read file: Permission denied")]


def test_an_article_over_the_chunk_cap_is_skipped_with_a_clear_reason(index, tmp_path):
    long = _write(tmp_path / "j" / "long.txt", "Long\n\n" + (STORY + OTHER) * 40)
    report = _run(index, [long], max_chunks=5)
    assert not report.added
    (path, why), = report.skipped
    assert why.startswith("too long for one article (about ") and "the limit is 5 chunks per document" in why
    added = _run(index, [long])  # under the default cap
    assert added.added == ["long"]
    n = index.documents()["long"].n_chunks
    _write(long, "Long, again\n\n" + (STORY + OTHER) * 40)
    report = _run(index, [long], max_chunks=n - 1)  # under the text-size bound, over the chunk count
    assert report.skipped == [(str(long), f"too long for one article ({n:,} chunks); "
                                          f"the limit is {n - 1} chunks per document; split it into articles")]


def test_a_feed_file_and_front_matter_end_to_end(index, tmp_path):
    from tests.test_dumps import RSS

    _write(tmp_path / "k" / "wire.rss", RSS)
    _write(tmp_path / "k" / "note.md", "---\ntitle: EU vote\nsource: BBC\ndate: 2004-11-18\n---\n" + OTHER)
    report = _run(index, [tmp_path / "k"])
    docs = index.documents()
    assert "k-1" in report.added and "note" in report.added
    assert (docs["k-1"].publisher, docs["k-1"].date, docs["k-1"].date_source) == ("Example News", "2004-11-17", "metadata")
    assert (docs["note"].publisher, docs["note"].date, docs["note"].title) == ("BBC", "2004-11-18", "EU vote")
    assert any(w.endswith("wire.rss item 3") for w, _ in report.warnings)


def test_a_named_path_that_cannot_be_examined_does_not_abort_the_ingest(index, tmp_path, monkeypatch):
    ok = _write(tmp_path / "l" / "ok.txt", "Sears deal\n\n" + STORY)
    denied = tmp_path / "l" / "locked" / "x.txt"  # as inside a chmod 000 folder: even stat() fails
    real = Path.stat

    def stat(self, *args, **kwargs):
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    report = _run(index, [denied, ok])
    assert report.added == ["ok"] and report.skipped == [(str(denied), "cannot read: Permission denied")]
