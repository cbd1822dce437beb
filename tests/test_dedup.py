"""Near-duplicate articles: republished copies are found, different articles on one story are not."""
from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rag.core.errors import StoreError
from rag.ingest import dedup
from rag.ingest.clean import clean_article
from rag.ingest.load import read_article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
IDS = ["000", "003", "004"]


def seed_texts() -> dict[str, str]:
    texts = {}
    for doc_id in IDS:
        path = next(SEEDS.glob(f"{doc_id}_*.txt"))
        texts[doc_id] = clean_article(read_article(path, 20_000_000), path.stem).text
    return texts


def republished(text: str) -> str:
    """The same story on another site: new header and footer, two sentences edited."""
    paragraphs = text.split("\n\n")
    body = paragraphs[1:]
    body[1] = body[1].replace("However,", "Still,").replace("high", "very high")
    body[-1] += " Analysts expect more talks in the coming weeks."
    header = f"Wire Service Daily\n\n{paragraphs[0]} - updated"
    footer = "Copyright 2025 Wire Service. Share this story with friends on every platform."
    return "\n\n".join([header, *body, footer])


def test_seeds_on_the_same_story_are_not_duplicates():
    sigs = {doc_id: dedup.signature(text) for doc_id, text in seed_texts().items()}
    for doc_id, sig in sigs.items():
        others = {o: s for o, s in sigs.items() if o != doc_id}
        assert max(dedup.similarity(sig, s) for s in others.values()) < 0.1
        assert index(sigs).find(sig, exclude=doc_id) is None


@pytest.mark.parametrize("doc_id", IDS)
def test_republished_copy_is_found(doc_id):
    texts = seed_texts()
    sigs = {d: dedup.signature(t) for d, t in texts.items()}
    copy = dedup.signature(republished(texts[doc_id]))
    assert dedup.similarity(copy, sigs[doc_id]) >= dedup.THRESHOLD + 0.1
    assert index(sigs).find(copy) == doc_id


def test_signature_is_the_same_in_another_process():
    text = seed_texts()["000"]
    code = (
        "import sys; from rag.ingest import dedup; "
        "print(dedup.encode(dedup.signature(sys.stdin.read())))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True,
                         env=env, check=True, cwd=Path(__file__).resolve().parent.parent)
    assert dedup.decode(out.stdout.strip()) == dedup.signature(text)


def test_signature_shape_and_normalisation():
    sig = dedup.signature("Oman hosted talks between Iran and the United States on Saturday.")
    assert len(sig) == 64 and all(0 <= v < 2**32 for v in sig)
    assert len(dedup.signature("a b c", num_perm=128)) == 128
    # case, curly quotes and spacing do not change the shingles
    assert dedup.signature("Iran\u2019s  TALKS went well today, officials said") == dedup.signature(
        "iran's talks went well today officials said"
    )


def test_encode_decode_round_trip_and_damage():
    sig = dedup.signature(seed_texts()["004"])
    encoded = dedup.encode(sig)
    assert encoded.isascii() and len(encoded) < 400
    assert dedup.decode(encoded) == sig
    for damaged in ["", "xyz", encoded[:-3] + "!!!", "mh1:"]:
        with pytest.raises(StoreError):
            dedup.decode(damaged)


def test_similarity_and_ties():
    assert dedup.similarity((1, 2, 3, 4), (1, 2, 0, 0)) == 0.5
    assert dedup.similarity((1, 2), (1, 2, 3)) == 0.0
    sig = (1, 2, 3, 4)
    others = {"b": (1, 2, 3, 0), "a": (1, 2, 3, 9), "c": (1, 0, 0, 0)}
    assert index(others, 4).find(sig, threshold=0.5) == "a"  # tie at 0.75: smallest id
    assert index({**others, "z": sig}, 4).find(sig, threshold=0.5) == "z"
    assert index({**others, "z": sig}, 4).find(sig, exclude="z", threshold=0.5) == "a"
    assert index(others, 4).find(sig, threshold=0.8) is None
    assert index({}, 4).find(sig, threshold=0.0) is None
    assert index({"x": (1, 2, 3)}, 4).find(sig, threshold=0.0) is None  # another length: never a copy


def test_signatures_find_what_similarity_ranks_first_and_put_replaces():
    rng = random.Random(7)
    sigs = {f"d{i:03d}": tuple(rng.randrange(4) for _ in range(16)) for i in range(300)}  # many ties
    idx = index(sigs, 16)
    for probe in list(sigs.values())[:40]:
        scores = {d: dedup.similarity(probe, s) for d, s in sigs.items()}
        best = max(scores.values())
        assert idx.find(probe, threshold=0.3) == min(d for d, v in scores.items() if v == best)
    idx.put("d000", tuple(9 for _ in range(16)))  # replaced, not added
    assert idx.find(tuple(9 for _ in range(16)), threshold=1.0) == "d000"
    assert idx.find(sigs["d000"], exclude="d000", threshold=1.0) is None


def index(sigs: dict, width: int = dedup.NUM_PERM) -> dedup.Signatures:
    out = dedup.Signatures(width)
    for doc_id, sig in sigs.items():
        out.put(doc_id, sig)
    return out
