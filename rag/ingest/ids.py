"""Document ids: unique per source, stable across re-ingests, readable.

- A file's id is its path relative to the folder that was ingested, without its extension, with
  path separators written as "__" (`politics/index.html` under `corpus/` -> `politics__index`). A
  file at the root of what was ingested (or a file named on its own) keeps its bare stem, exactly
  the id earlier versions gave every file, so existing workspaces and question suites keep working
  without migration.
- When that id already belongs to another source that still exists (another folder's `index.html`
  ingested earlier, a `story.html` next to `story.txt`), the file takes the first free alternative:
  the stem with its extension (`story.txt`) for a neighbour in the same folder, else the id
  qualified by its parent folders (`b__index`), else the id with a short hash of its path.
- A record in a dump (JSON, JSONL, feed) uses its own id (news-please `id`, a feed entry's guid),
  else a hash of its url, else a hash of its title and text; the same record in a re-crawled dump
  keeps its id.

Does not look at the store; `pipeline.py` decides which candidate is free.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Mapping

SEP = "__"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")
MAX_ID = 200


def file_id(path: Path, root: Path) -> str:
    """The id of a file found under `root` (see the module docstring)."""
    parts = _relative_parts(path, root)
    return SEP.join([*parts[:-1], Path(parts[-1]).stem or parts[-1]])


def alternatives(path: Path, root: Path, owner: str | None) -> list[str]:
    """Ids to try, in order, when `file_id` belongs to `owner` (the path of its current source)."""
    base = file_id(path, root)
    with_ext = f"{base}{path.suffix.lower()}" if path.suffix else None
    resolved = path.resolve()
    qualified = [SEP.join([*resolved.parent.parts[-up:], resolved.stem]) for up in (1, 2, 3)
                 if len(resolved.parent.parts) > up]
    hashed = f"{base}-{hashlib.sha1(str(resolved).encode()).hexdigest()[:8]}"
    neighbour = owner is not None and Path(owner).resolve().parent == resolved.parent
    first = [with_ext, *qualified] if neighbour else [*qualified, with_ext]
    out: list[str] = []
    for cand in (*first, hashed):
        cand = _safe(cand) if cand else None
        if cand and cand != base and cand not in out:
            out.append(cand)
    return out


def record_id(record: Mapping[str, Any], title: str, text: str) -> str:
    """A dump record's id: its own `id`, else a hash of its url, else of its title and text."""
    own = record.get("id")
    if isinstance(own, (str, int)) and not isinstance(own, bool) and str(own).strip():
        return _safe(str(own).strip())
    url = record.get("url") or record.get("link")
    if isinstance(url, str) and url.strip():
        return "url-" + hashlib.sha1(url.strip().encode()).hexdigest()[:12]
    return "sha-" + hashlib.sha1(f"{title}\n{text}".encode("utf-8", "replace")).hexdigest()[:12]


def _relative_parts(path: Path, root: Path) -> list[str]:
    try:
        parts = list(path.relative_to(root).parts)
    except ValueError:
        parts = [path.name]
    return [p.replace(SEP, "_") if i < len(parts) - 1 else p for i, p in enumerate(parts)] or [path.name]


def _safe(value: str) -> str:
    return _UNSAFE.sub(SEP, value)[:MAX_ID]
