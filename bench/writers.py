"""Concurrent writers: one `rag ingest` of many small files while uploader processes ingest single
files into the same workspace at random moments (as chat uploads do); afterwards every document
must hold exactly the chunks its record counts.

    python -m bench.writers [--trials 20] [--files 300] [--uploaders 3] [--uploads 4] [--server] [--seed 1]

prints one line per trial and a total: writers, files, uploads that overlapped the bulk ingest's
writing, documents checked, chunks lost (must be 0). `--server` puts the store on a `chroma run`
server (several app processes on one server). tests/test_writers.py runs one short trial. This
measures correctness under concurrency, not speed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INGEST = [sys.executable, "-c", "from rag.cli import main; main()", "ingest"]
UPLOAD = [sys.executable, "-m", "bench.writers", "--upload"]
WORDS = ["harbour", "railway", "vaccine", "election", "drought", "festival", "bridge", "satellite", "museum"]


@dataclass(frozen=True)
class Trial:
    writers: int
    files: int
    uploads: int
    overlaps: int  # uploads whose ingest ran while the bulk ingest was writing
    documents: int  # documents checked
    missing_documents: int
    chunks_lost: int  # recorded chunks not present at the document's current version
    seconds: float


def article(tag: str, rnd: random.Random) -> str:
    word = rnd.choice(WORDS)
    paras = [f"The {word} report {tag}"] + [
        " ".join(f"The {word} project {tag}-{p}-{s} cost {rnd.randrange(10, 999)} million in year {rnd.randrange(1990, 2030)}."
                 for s in range(3)) for p in range(3)]
    return "\n\n".join(paras) + "\n"


def run_trial(root: Path, rng: random.Random, files: int, uploaders: int, uploads: int,
              spread_s: float, chroma_url: str | None = None) -> Trial:
    """One trial in `root` (a fresh directory): returns what was checked."""
    bulk, single, ws = root / "bulk", root / "single", root / "ws"
    bulk.mkdir(parents=True)
    single.mkdir()
    for i in range(files):
        (bulk / f"b{i:04d}.txt").write_text(article(f"b{i}", rng))
    batches = [[single / f"u{w}_{j}.txt" for j in range(uploads)] for w in range(uploaders)]
    for path in (p for b in batches for p in b):
        path.write_text(article(path.stem, rng))
    env = {**os.environ, "RAG_WORKSPACE": str(ws), "RAG_CHUNK_TOKENS": "32", "RAG_CHUNK_OVERLAP": "4",
           "PYTHONPATH": str(ROOT), "RAG_CONFIG": str(root / "none.toml")}
    if chroma_url:
        env["RAG_CHROMA_URL"] = chroma_url
    t0 = time.monotonic()
    procs = [subprocess.Popen(INGEST + [str(bulk)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
    for batch in batches:
        args = ["--seed", str(rng.randrange(1 << 30)), "--spread", f"{spread_s:.2f}"] + [str(p) for p in batch]
        procs.append(subprocess.Popen(UPLOAD + args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, outs):
        if p.returncode != 0:
            raise RuntimeError(f"a writer failed ({p.returncode}): {err.decode()[-1500:]}")
    intervals = [json.loads(line) for out, _ in outs[1:] for line in out.decode().splitlines() if line.startswith("{")]
    return _check(ws, chroma_url, [p.stem for p in bulk.iterdir()], [p.stem for b in batches for p in b],
                  intervals, len(procs), time.monotonic() - t0)


def _check(ws: Path, chroma_url: str | None, bulk_ids: list[str], upload_ids: list[str],
           intervals: list[dict], writers: int, seconds: float) -> Trial:
    from rag.backends.chroma import Store, open_client

    store = Store(open_client(ws / "store", chroma_url), "minilm-l6-int8")
    docs, census = store.documents(), store.chunk_census()
    lost = sum(max(0, r.n_chunks - census[(d, r.version)]) for d, r in docs.items())
    missing = len(set(bulk_ids + upload_ids) - set(docs))
    stamps = [datetime.fromisoformat(docs[d].ingested_at).timestamp() for d in bulk_ids if d in docs]
    first, last = (min(stamps), max(stamps) + 1) if stamps else (0.0, 0.0)
    overlaps = sum(1 for x in intervals if x["start"] < last and x["end"] > first)
    return Trial(writers, len(bulk_ids), len(upload_ids), overlaps, len(docs), missing, lost, round(seconds, 1))


def upload_main(paths: list[Path], seed: int, spread_s: float) -> None:
    """An uploader: ingest each file alone after a random pause, printing when each ingest ran."""
    from rag import desk as app
    from rag.core.config import load_settings
    from rag.ingest.pipeline import ingest

    s = load_settings()
    index = app.open_index(s)
    rnd = random.Random(seed)
    for path in paths:
        time.sleep(rnd.uniform(0, spread_s / len(paths)))
        start = time.time()
        report = ingest([path], index.store, index.embedder, chunk_tokens=s.chunk_tokens,
                        chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 1e6))
        if report.failed or report.skipped:
            raise SystemExit(f"upload of {path} failed: {report.failed or report.skipped}")
        print(json.dumps({"start": start, "end": time.time()}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upload", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--spread", type=float, default=0.0, help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--uploaders", type=int, default=3)
    ap.add_argument("--uploads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--server", action="store_true", help="share a `chroma run` server instead of a folder")
    a = ap.parse_args()
    if a.upload:
        return upload_main(a.paths, a.seed, a.spread)
    rng, spread, total = random.Random(a.seed), a.files * 0.06, []
    for t in range(a.trials):
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            url = _server(stack, Path(tmp)) if a.server else None
            # spread the uploads over 0.3x-1.3x the last bulk ingest's duration: random timing
            res = run_trial(Path(tmp), rng, a.files, a.uploaders, a.uploads, spread * rng.uniform(0.3, 1.3), url)
        spread = res.seconds
        total.append(res)
        print(f"trial {t + 1}: {res}", flush=True)
    keys = ["writers", "files", "uploads", "overlaps", "documents", "missing_documents", "chunks_lost"]
    print("total:", {k: sum(getattr(r, k) for r in total) for k in keys}, f"trials={len(total)}")


def _server(stack: ExitStack, tmp: Path) -> str:
    from bench.servers import chroma_cmd, free_port, server

    port = free_port()
    stack.enter_context(server(chroma_cmd(tmp / "chroma", port), f"http://127.0.0.1:{port}/api/v2/heartbeat",
                               tmp / "chroma.log"))
    return f"http://127.0.0.1:{port}"


if __name__ == "__main__":
    main()
