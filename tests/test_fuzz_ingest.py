"""Fuzzed ingest into a real Chroma store: whatever a file holds, `ingest` either indexes it or skips it
with a one-line reason (no exception escapes), and the store stays consistent afterwards.

Consistency (`assert_consistent`, also used by test_crash.py): every document's `n_chunks` equals the
number of its chunks, no chunk without a document, no duplicate chunk ids, every chunk is at its
document's current version and its text is the cleaned text's [start:end].
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag import desk as app
from rag.backends.chroma import Store
from rag.ingest.load import SUPPORTED
from rag.ingest.pipeline import IngestReport, ingest
from tests.conftest import tiny_settings
from tests.test_load import text_pdf

CHUNK_TOKENS, CHUNK_OVERLAP = 64, 8
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
FUZZED: Counter[str] = Counter()  # files written per test, reported at the end of the module


# --- the invariants ------------------------------------------------------------------------------


def assert_consistent(store: Store) -> dict[str, str]:
    """Check the store's invariants; returns {doc_id: cleaned text}."""
    docs = store.documents()
    got = store._chunks.get(include=["metadatas", "documents"])
    ids = got["ids"]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    texts = {d: store.get_document(d).text for d in docs}
    per_doc: Counter[str] = Counter()
    positions: dict[str, set[int]] = {}
    for cid, meta, text in zip(ids, got["metadatas"], got["documents"]):
        doc_id = meta["doc_id"]
        assert doc_id in docs, f"orphan chunk {cid!r}"
        rec = docs[doc_id]
        assert meta["version"] == rec.version, f"chunk {cid!r} is not at its document's version"
        assert cid == f"{doc_id}:{meta['position']}@{rec.version}"
        assert text and texts[doc_id][meta["start"] : meta["end"]] == text, f"chunk {cid!r} is not a span"
        per_doc[doc_id] += 1
        positions.setdefault(doc_id, set()).add(meta["position"])
    for doc_id, rec in docs.items():
        assert per_doc[doc_id] == rec.n_chunks >= 1, (doc_id, per_doc[doc_id], rec.n_chunks)
        assert positions[doc_id] == set(range(rec.n_chunks))
    return texts


def _check_report(report: IngestReport, files: list[Path]) -> None:
    """Every file was indexed or skipped, exactly once, and each skip has a one-line reason."""
    done = Counter(report.added + report.updated + report.unchanged)
    skipped = Counter(Path(p).name for p, _ in report.skipped)
    assert not report.failed, report.failed
    for f in files:
        assert done[f.stem] + skipped[f.name] == 1, (f.name, report)
    for path, why in report.skipped:
        assert why.strip() and "\n" not in why and len(why) <= 200, (path, why)


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _report_count(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and FUZZED:
        reporter.write_line(f"fuzzed ingest: {sum(FUZZED.values())} files ({dict(FUZZED)})")


@pytest.fixture
def index(tmp_path: Path, embedder):
    """One real store per test function, shared by all of its examples."""
    return app.open_index(tiny_settings(tmp_path / "ws"), embedder)


@pytest.fixture
def files(tmp_path: Path, request: pytest.FixtureRequest) -> Files:
    return Files(tmp_path / "in", request.node.name.removeprefix("test_")[:40])


class Files:
    """Writes each example's files into a fresh folder with names no earlier example used."""

    def __init__(self, root: Path, test: str):
        self.root, self.test, self.n = root, test, 0

    @property
    def folder(self) -> Path:
        return self.root / f"ex{self.n}"

    def write(self, items: list[tuple[str, bytes]]) -> tuple[Path, list[Path]]:
        self.n += 1
        folder = self.folder
        folder.mkdir(parents=True)
        paths = []
        for i, (ext, data) in enumerate(items):
            path = folder / f"e{self.n}f{i}{ext}"
            path.write_bytes(data)
            paths.append(path)
        FUZZED[self.test] += len(paths)
        return folder, paths


def _ingest(index, paths: list[Path], chunk_tokens: int = CHUNK_TOKENS, chunk_overlap: int = CHUNK_OVERLAP
            ) -> IngestReport:
    return ingest(paths, index.store, index.embedder, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
                  max_bytes=20_000_000)


def _run(index, files: Files, items: list[tuple[str, bytes]], **kw) -> tuple[IngestReport, dict[str, str]]:
    folder, paths = files.write(items)
    report = _ingest(index, [folder], **kw)
    _check_report(report, paths)
    return report, assert_consistent(index.store)


# --- strategies ----------------------------------------------------------------------------------

EXTS = st.sampled_from([*SUPPORTED, ".TXT", ".Html", ".MD"])
ODD = ["\u2028", "\u2029", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u00ad", "\u200b", "\ufeff", "\u202e",
       "\x00", "\x1b[31m", "\ufffd", "ﬁ", "…", "—", "“", "’", "[1]", "<source n=1>", "<|im_end|>", "e.g.", "Mr.",
       "U.S.", "#", "  ", "\t"]
WORDS = ["The", "talks", "in", "Oman", "were", "constructive", "said", "officials", "on", "Sunday", "Share",
         "Read more", "Advertisement", "©", "2024", "3.5%", "Tehran's", "envoy", "Witkoff"]
SENTENCE = st.lists(st.sampled_from(WORDS), min_size=4, max_size=14).map(" ".join).map(lambda s: s + ".")
ARTICLE = st.tuples(SENTENCE, st.lists(
    st.one_of(SENTENCE, SENTENCE, st.sampled_from([" ", " ", ". ", ".\n", "\n\n", "? ", "! "]), st.sampled_from(ODD),
              st.text(max_size=12)), max_size=120)).map(lambda t: t[0] + "\n\n" + "".join(t[1]))
TAGS = st.sampled_from(["div", "p", "span", "article", "main", "nav", "header", "footer", "script", "style", "table",
                        "td", "li", "h1", "title", "a", "br", "svg", "template", "pre", "html", "body"])
HTML = st.recursive(
    st.one_of(ARTICLE.map(lambda a: f"<p>{a}</p>"), st.sampled_from(
        ["&amp;", "&#0;", "&#xD800;", "&nbsp;", "<", ">", "<!--", "<![CDATA[", "<meta charset='utf-16'>",
         "<meta property='og:site_name' content='X'>"])),
    lambda kids: st.tuples(TAGS, st.lists(kids, max_size=5), st.booleans()).map(
        lambda t: f"<{t[0]}>" + "".join(t[1]) + (f"</{t[0]}>" if t[2] else "")),
    max_leaves=30,
)
HTML = st.one_of(
    HTML.map(lambda h: f"<html><body>{h}</body></html>"),
    st.tuples(st.lists(SENTENCE, min_size=3, max_size=8), HTML).map(  # an article first, then the noise
        lambda t: f"<html><body><article><h1>{t[0][0]}</h1><p>{' '.join(t[0][1:])}</p></article>{t[1]}</body></html>"),
)
CODECS = st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1", "utf-16-be"])
CONTENT = st.one_of(
    st.tuples(ARTICLE, CODECS).map(lambda t: t[0].encode(t[1], "replace")),  # mostly: something to index
    st.tuples(ARTICLE, CODECS).map(lambda t: t[0].encode(t[1], "replace")),
    st.tuples(ARTICLE, CODECS).map(lambda t: t[0].encode(t[1], "replace")),
    HTML.map(lambda h: h.encode("utf-8", "surrogatepass")),
    st.binary(max_size=4096),
    st.tuples(st.text(max_size=2000), CODECS).map(lambda t: t[0].encode(t[1], "replace")),
    st.sampled_from([b"", b" \n\t ", b"\xef\xbb\xbf", b"\xff\xfe", b"%PDF-1.7\n", b"PK\x03\x04"]),
)


# --- tests ---------------------------------------------------------------------------------------


@FUZZ
@given(items=st.lists(st.tuples(EXTS, CONTENT), min_size=1, max_size=4))
def test_random_files_are_ingested_or_skipped_and_the_store_stays_consistent(index, files, items):
    _run(index, files, items)


@settings(FUZZ, max_examples=5)
@given(unit=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"]),
                    min_size=1, max_size=8),
       sep=st.sampled_from(["", " ", "-", ", ", ". "]), n=st.integers(300, 1500), ext=st.sampled_from([".txt", ".md"]))
def test_long_single_lines_are_chunked_into_spans(index, files, unit, sep, n, ext):
    line = ((unit + sep) * n)[:5000]  # bounded: the embedder's time grows with the tokens
    _run(index, files, [(ext, line.encode())])


def test_a_half_megabyte_single_line_is_chunked_quickly(index, files):
    line = "Officials said the talks went well; " + "x" * 500_000
    started = time.monotonic()
    report, texts = _run(index, files, [(".txt", line.encode())], chunk_tokens=256, chunk_overlap=32)
    assert len(report.added) == 1 and texts[report.added[0]] == line
    assert index.documents()[report.added[0]].n_chunks > 200
    assert time.monotonic() - started < 60


@settings(FUZZ, max_examples=8)
@given(depth=st.sampled_from([5_000, 20_000]), tag=st.sampled_from(["div", "p", "span", "table", "b"]),
       closed=st.booleans(), inner=HTML)
def test_deeply_nested_html_is_ingested_or_skipped(index, files, depth, tag, closed, inner):
    article = "<p>" + "Officials said the talks in Oman were constructive. " * 4 + "</p>"
    html = "<html><body>" + f"<{tag}>" * depth + article + inner + (f"</{tag}>" * depth if closed else "")
    started = time.monotonic()
    _run(index, files, [(".html", html.encode("utf-8", "surrogatepass"))])
    assert time.monotonic() - started < 30


def test_empty_and_blank_files_are_skipped_as_empty(index, files):
    items = [(ext, data) for ext in SUPPORTED for data in (b"", b"  \n\n\t ")]
    report, _ = _run(index, files, items)
    assert [why for _, why in report.skipped] == ["empty file"] * len(items) and not report.added


def test_a_50_mb_file_is_skipped_by_its_size_without_being_read(index, tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    big = folder / "huge.txt"
    with big.open("wb") as f:  # real text first, then a sparse hole: 50 MB on paper, nothing on disk
        f.write(b"Officials said the talks in Oman were constructive.\n" * 100)
        f.truncate(50_000_000)
    FUZZED["50 MB"] += 1
    _ingest(index, [folder])  # warm up: open the collections, import the parsers
    read_before, started = _bytes_read(), time.monotonic()
    report = _ingest(index, [big])
    elapsed, read = time.monotonic() - started, _bytes_read() - read_before
    assert [(Path(p).name, why) for p, why in report.skipped] == [("huge.txt", "file is 50 MB, over the 20 MB limit")]
    assert not report.added and index.documents() == {}
    assert read < 5_000_000, f"ingest read {read} bytes to skip a 50 MB file"
    assert elapsed < 5, elapsed


def _bytes_read() -> int:
    """Bytes this process has read through read() calls so far (Linux /proc/self/io)."""
    try:
        lines = Path("/proc/self/io").read_text().splitlines()
    except OSError:
        pytest.skip("no /proc/self/io here")
    return int(next(line.split()[1] for line in lines if line.startswith("rchar:")))


def test_wrong_extensions_are_read_by_their_content_or_skipped(index, files):
    sentence = "Oman hosted indirect talks between Iran and the United States on Saturday."
    html = (f"<!DOCTYPE html><html><head><title>Talks in Oman</title></head><body><nav>Home | World</nav>"
            f"<article><h1>Talks in Oman</h1><p>{sentence}</p><p>{sentence.replace('Saturday', 'Sunday')}</p>"
            f"</article></body></html>")
    items = [
        (".txt", text_pdf([sentence, "Both sides called the meeting constructive."])),  # a PDF named .txt
        (".md", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),  # a broken PDF named .md
        (".pdf", f"Talks in Oman\n\n{sentence}\n".encode()),  # text named .pdf
        (".md", html.encode()),  # HTML named .md
        (".txt", html.encode("utf-16")),  # HTML named .txt, in UTF-16
        (".html", bytes(range(256)) * 8),  # binary named .html
    ]
    report, texts = _run(index, files, items)
    reasons = {Path(p).name: why for p, why in report.skipped}
    stems = [f"e{files.n}f{i}" for i in range(len(items))]
    assert sorted(report.added) == [stems[0], stems[3], stems[4]], reasons
    assert sentence in texts[stems[0]] and "obj" not in texts[stems[0]] and "%PDF" not in texts[stems[0]]
    for stem in stems[3:5]:
        assert sentence in texts[stem] and "<" not in texts[stem] and "Home | World" not in texts[stem]
    assert reasons[f"{stems[1]}.md"].startswith("cannot read PDF")
    assert reasons[f"{stems[2]}.pdf"] == "cannot read PDF: not a PDF file"
    assert reasons[f"{stems[5]}.html"] in ("binary file, not text", "cannot decode text")
