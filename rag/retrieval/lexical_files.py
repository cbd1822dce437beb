"""The lexical index on disk, in the workspace's cache: an immutable base segment (`base-<id>.npz`,
plain arrays, no pickles) and `head.json`, which names the current base and holds what changed since
(articles added, with their term counts, and base articles removed).

Every file is written to a temporary name and renamed, under an exclusive lock (`lock`); readers
take a shared lock, so several processes on one workspace never see half a file or a head whose base
is gone. What is on disk may lag the store (another process wrote last, or a write came from a
process on another workspace): the reader's `Lexical.sync` brings it up to date from the store.

Does not decide what goes in the index (rag.retrieval.lexical).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import zipfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from rag.retrieval.lexical import Lexical, Segment

log = logging.getLogger(__name__)

HEAD, LOCK, FORMAT = "head.json", "lock", 1
_SEP = "\0"  # no term, chunk id, doc id or version holds a NUL (file names cannot)


def load(directory: Path) -> Lexical | None:
    """The saved index, or None when there is none (or it cannot be read: the caller rebuilds)."""
    try:
        with _locked(directory, exclusive=False):
            head = json.loads((directory / HEAD).read_text())
            if head.get("format") != FORMAT:
                return None
            base = _read_segment(directory / head["base"]) if head.get("base") else None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:  # damaged or foreign files
        if not isinstance(e, FileNotFoundError):
            log.warning("cannot read the lexical index in %s (%s); rebuilding it from the store", directory, e)
        return None
    lex = Lexical(base)
    for doc_id in head["removed"]:
        lex.remove(doc_id)
    for doc_id, version, rows in head["added"]:
        lex.add(doc_id, version, [(cid, int(n), tf) for cid, n, tf in rows])
    return lex


def save(directory: Path, lex: Lexical) -> None:
    """Write the index: its base when that file is not there yet, then the head; old bases go."""
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory, exclusive=True):
        if lex.base is not None and not (directory / lex.base.name).exists():
            _write_segment(directory / lex.base.name, lex.base)
        head = {"format": FORMAT, "base": lex.base.name if lex.base else None, "removed": sorted(lex.removed),
                "added": [[d, v, rows] for d, (v, rows) in lex.added.items()]}
        _atomic(directory / HEAD, json.dumps(head, separators=(",", ":")).encode())
        for old in directory.glob("base-*.npz"):
            if lex.base is None or old.name != lex.base.name:
                old.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(directory: Path, exclusive: bool) -> Iterator[None]:
    try:
        fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if exclusive:
            raise
        yield  # a read-only workspace: nobody writes there, reading without the lock is safe
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _strings(a: np.ndarray) -> list[str]:
    text = a.tobytes().decode()
    return text.split(_SEP) if text else []


def _blob(items: list[str]) -> np.ndarray:
    return np.frombuffer(_SEP.join(items).encode(), np.uint8)


def _read_segment(path: Path) -> Segment:
    with np.load(path, allow_pickle=False) as z:
        a: dict[str, Any] = {k: z[k] for k in z.files}
    spans = a["doc_rows"].reshape(-1, 2).tolist()
    docs = [(d, v, int(s), int(n)) for d, v, (s, n) in zip(_strings(a["docs"]), _strings(a["versions"]), spans)]
    # an empty version is a document fetched incomplete, written as "-": the split needs a non-empty field
    docs = [(d, "" if v == "-" else v, s, n) for d, v, s, n in docs]
    return Segment(path.name, _strings(a["terms"]), a["ptr"], a["rows"], a["tf"], _strings(a["ids"]),
                   a["lengths"], docs)


def _write_segment(path: Path, seg: Segment) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, terms=_blob(seg.terms), ptr=seg.ptr, rows=seg.rows, tf=seg.tf, ids=_blob(seg.ids),
             lengths=seg.lengths, docs=_blob([d for d, _, _, _ in seg.docs]),
             versions=_blob([v or "-" for _, v, _, _ in seg.docs]),
             doc_rows=np.array([(s, n) for _, _, s, n in seg.docs], np.int64).reshape(-1, 2))
    tmp.replace(path)
