"""Peak memory of reading a large JSONL dump: `python -m bench.dump_stream OUT.jsonl --mb 200`.

Writes a JSONL file of about `--mb` megabytes (the wikinews-dev articles repeated under new ids,
with one bad line in every thousand), then reads it the way `rag ingest` does (`items.items_of`:
each line parsed into a record and its article) and prints how many records and bad lines it saw.
Run it under `/usr/bin/time -v` to see the peak RSS; it stays flat because the file is read a line
at a time. Does not clean, chunk or embed (those work on one article at a time after this step).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.ingest.items import items_of
from rag.ingest.records import Bad
from rag.ingest.walk import Found

WIKINEWS = Path(__file__).resolve().parents[3] / "shared/corpora/wikinews-dev/articles.jsonl"


def write_dump(out: Path, mb: float, source: Path = WIKINEWS) -> int:
    records = [json.loads(line) for line in source.read_text().splitlines()]
    n, size = 0, 0
    with out.open("w") as f:
        while size < mb * 1_000_000:
            rec = records[n % len(records)]
            line = "{broken json" if n % 1000 == 999 else json.dumps({**rec, "id": f"{rec['id']}-{n}"})
            f.write(line + "\n")
            size += len(line) + 1
            n += 1
    return n


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--mb", type=float, default=200)
    p.add_argument("--read-only", action="store_true", help="read an existing file, do not write it")
    a = p.parse_args()
    if not a.read_only:
        print(f"wrote {write_dump(a.out, a.mb)} lines, {a.out.stat().st_size / 1e6:.0f} MB")
    good = bad = chars = 0
    for item in items_of(Found(a.out, a.out.parent), max_bytes=20_000_000):
        if isinstance(item, Bad):
            bad += 1
        else:
            good += 1
            chars += len(item.read().text)
    print(f"read {good} records ({chars / 1e6:.0f} M characters of text) and {bad} bad lines")


if __name__ == "__main__":
    main()
