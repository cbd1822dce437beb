"""Where an uploaded file is kept: a client's file name reduced to a safe basename, and a free path in
the uploads folder that keeps two different files of one name apart.

Does not read or ingest the file (see rag.ingest.pipeline) or decide what may be uploaded (rag.desk).
"""
from __future__ import annotations

import filecmp
import re
from pathlib import Path


def free_upload_path(folder: Path, name: str, upload: Path) -> Path:
    """Where to keep an upload: its safe name, or `name-2.ext`, `name-3.ext`... when a different file
    already has that name (two uploads named `same_name.txt` stay two documents); the same bytes
    again reuse their copy, so re-uploading a file updates nothing."""
    dest, n = folder / name, 1
    while dest.exists() and not filecmp.cmp(dest, upload, shallow=False):
        n += 1
        dest = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
    return dest


def safe_name(name: str) -> str:
    """A client's file name reduced to a safe basename: `../../etc/passwd.txt` -> `passwd.txt`."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.-]+", "_", base).lstrip("._-")  # letters (any script), digits, _ . -
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-")[:100] or "upload"
    return f"{stem}.{suffix.lower()[:8]}" if suffix else stem
