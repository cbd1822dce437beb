"""Articles that come with their metadata: JSON and JSONL dumps and Markdown/text front matter.

- JSON/JSONL in the news-please crawler's field names (`title`, `maintext`, `date_publish`,
  `source_domain`, `url`, `authors`, `language`, and `id` when present); a `.json` file may hold
  one object, a list of objects, or one object a line. A `.jsonl`/`.ndjson` file is read a line at a
  time, so a dump of any size streams; a line over the size limit is skipped unread.
- A `.md`/`.txt` file that opens with a `---` YAML block (`title`, `publisher`/`source`, `date`,
  `url`, `author`/`authors`).

Every record becomes a `Record` (or a `Bad` with its line or item and the reason); one bad record
never stops the others. Metadata that is present but unusable (an impossible or future date) is
left unknown and noted on the article. Does not decide ids beyond `ids.record_id`, clean text or
find dates in the text.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

import yaml

from rag.core.errors import SkipFile
from rag.ingest import charset, dates, ids
from rag.ingest.load import RawArticle, read_bytes

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
TEXT_KEYS = ("maintext", "text", "content", "body", "article")
PUBLISHER_KEYS = ("publisher", "source", "source_domain", "site_name", "sitename")
DATE_KEYS = ("date_publish", "date", "published", "pubdate", "date_published")
MAX_FRONT_MATTER = 65_536  # bytes; a front matter block is a few lines of metadata


@dataclass(frozen=True)
class Record:
    """One article from a dump: its id, where it sits ("file:12"), its raw bytes' hash, the article."""

    doc_id: str
    where: str
    sha256: str
    article: RawArticle


@dataclass(frozen=True)
class Bad:
    """A record that cannot be used, with where it sits and why."""

    where: str
    reason: str


def json_records(path: Path, max_bytes: int, today: date | None = None) -> Iterator[Record | Bad]:
    """Records of a .json/.jsonl/.ndjson file; JSONL streams a line at a time."""
    if path.suffix.lower() == ".json":
        data = read_bytes(path, max_bytes)
        try:
            parsed = json.loads(charset.decode(data))
        except json.JSONDecodeError as e:
            if e.msg != "Extra data":
                raise SkipFile(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
            yield from _lines(path, open(path, "rb"), max_bytes, today)  # one object a line, named .json
            return
        objects = parsed if isinstance(parsed, list) else [parsed]
        for i, obj in enumerate(objects):
            yield record_of(obj, f"{path}[{i}]" if isinstance(parsed, list) else str(path),
                            _sha(json.dumps(obj, sort_keys=True).encode()), today)
        return
    try:
        handle = open(path, "rb")
    except OSError as e:
        raise SkipFile(f"cannot read file: {e.strerror or e}") from e
    yield from _lines(path, handle, max_bytes, today)


def _lines(path: Path, handle: BinaryIO, max_bytes: int, today: date | None) -> Iterator[Record | Bad]:
    with handle:
        n = 0
        while True:
            line = handle.readline(max_bytes + 1)
            if not line:
                return
            n += 1
            if len(line) > max_bytes:
                while not line.endswith(b"\n") and (line := handle.readline(1 << 20)):
                    pass  # skip the rest of the overlong line without holding it
                yield Bad(f"{path}:{n}", f"line is over the {max_bytes / 1e6:g} MB limit")
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line.decode("utf-8-sig"))
            except UnicodeDecodeError:
                yield Bad(f"{path}:{n}", "line is not UTF-8 text")
                continue
            except json.JSONDecodeError as e:
                yield Bad(f"{path}:{n}", f"not JSON: {e.msg} at column {e.colno}")
                continue
            yield record_of(obj, f"{path}:{n}", _sha(line.strip()), today)


def record_of(obj: Any, where: str, sha256: str, today: date | None = None) -> Record | Bad:
    """A news-please style object as a Record, or Bad when it is not an article with text."""
    if not isinstance(obj, Mapping):
        return Bad(where, f"not a JSON object but {type(obj).__name__}")
    text = next((obj[k] for k in TEXT_KEYS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    if text is None:
        return Bad(where, "record has no text (" + "/".join(TEXT_KEYS[:3]) + ")")
    article = article_of(obj, text, today)
    return Record(ids.record_id(obj, article.title or "", text), where, sha256, article)


def article_of(meta: Mapping[str, Any], text: str, today: date | None = None) -> RawArticle:
    """RawArticle from a metadata mapping (news-please, front matter or a feed entry) and its text."""
    notes = []
    raw_date = next((meta[k] for k in DATE_KEYS if meta.get(k) not in (None, "")), None)
    iso, problem = dates.from_metadata(raw_date, today)
    if problem:
        notes.append(f"{problem}: date left unknown")
    return RawArticle(text=text, title=_text(meta.get("title")), publisher=_first(meta, PUBLISHER_KEYS),
                      date=iso, url=_text(meta.get("url") or meta.get("link")),
                      authors=_authors(meta.get("authors", meta.get("author"))), notes=tuple(notes))


def front_matter(text: str, today: date | None = None) -> RawArticle | None:
    """The article of a text that opens with a `---` YAML block, or None when it has none."""
    if not text.startswith("---"):
        return None
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), None)
    if end is None:
        return None
    block, body = "".join(lines[1:end]), "".join(lines[end + 1:])
    meta, problem = _yaml_mapping(block)
    if meta is None:
        return RawArticle(text=body, notes=(f"front matter (lines 2-{end}) {problem}: metadata ignored",))
    return article_of(meta, body, today)


def _yaml_mapping(block: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a front matter block: strings only (no implicit dates), no aliases, a bounded size."""
    if len(block.encode()) > MAX_FRONT_MATTER:
        return None, f"is over {MAX_FRONT_MATTER // 1024} KB"
    try:
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(block, Loader=yaml.BaseLoader)):
            return None, "uses YAML aliases"
        meta = yaml.load(block, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return None, "is not valid YAML" + (f" (line {mark.line + 2})" if mark else "")
    if not isinstance(meta, dict):
        return None, "is not a YAML mapping"
    return meta, None


def _first(meta: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((v for k in keys if (v := _text(meta.get(k)))), None)


def _text(value: object) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _authors(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    names = [_text(v.get("name") if isinstance(v, Mapping) else v) for v in items]
    return tuple(dict.fromkeys(n for n in names if n))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
