"""Spot republished copies of an article (the same wire story on several sites).

A MinHash signature over word 5-gram shingles estimates the Jaccard overlap of two texts. Shingles
are hashed with BLAKE2b and permuted by a fixed family of (a*x + b) mod (2^61 - 1) functions, so a
signature is the same in every process (no salted `hash()`) and can be stored with the document.

Does not decide what to do with a duplicate, and does not read the store; `pipeline.py` does.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import re
from typing import Mapping

import numpy as np

from rag.core.errors import StoreError
from rag.ingest.clean import normalize

# Copies with a new header, footer and a couple of edited sentences score about 0.7-0.95 (0.69 for
# the shortest seed, a 190-word story, where one edit touches many shingles); different articles
# on the same story score 0.0. 0.5 leaves room for the +-0.06 noise of a 64-value estimate.
THRESHOLD = 0.5
SHINGLE_WORDS = 5
_MAX_WORDS = 200_000  # longer texts are fingerprinted by their first 200,000 words
_PRIME = (1 << 61) - 1
_EMPTY = (1 << 32) - 1
_PREFIX = "mh1:"


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed coefficients a, b < 2^32 (so a*x + b fits in 64 bits for 32-bit x)."""
    seeds = [hashlib.blake2b(f"rag-minhash-{i}".encode(), digest_size=8).digest() for i in range(num_perm)]
    a = np.array([int.from_bytes(s[:4], "big") | 1 for s in seeds], dtype=np.uint64)
    b = np.array([int.from_bytes(s[4:], "big") for s in seeds], dtype=np.uint64)
    return a[:, None], b[:, None]


def _shingles(text: str) -> np.ndarray:
    words = re.findall(r"\w+", normalize(text).lower())[:_MAX_WORDS]
    n = min(SHINGLE_WORDS, len(words))
    grams = {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)} if words else set()
    hashes = [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "big") for g in grams]
    return np.array(sorted(hashes), dtype=np.uint64)


def signature(text: str, num_perm: int = 64) -> tuple[int, ...]:
    """MinHash signature of `text`: `num_perm` integers below 2^32."""
    shingles = _shingles(text)
    if shingles.size == 0:
        return (_EMPTY,) * num_perm
    a, b = _permutations(num_perm)
    mins = np.full(num_perm, _EMPTY, dtype=np.uint64)
    for i in range(0, shingles.size, 8192):
        batch = shingles[None, i : i + 8192]
        values = ((a * batch + b) % np.uint64(_PRIME)) & np.uint64(_EMPTY)
        mins = np.minimum(mins, values.min(axis=1))
    return tuple(int(v) for v in mins)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity; 0.0 for signatures of different lengths."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)


def encode(sig: tuple[int, ...]) -> str:
    """A compact ASCII form of a signature for store metadata."""
    raw = b"".join(int(v).to_bytes(4, "big") for v in sig)
    return _PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(s: str) -> tuple[int, ...]:
    """The signature `encode` wrote; StoreError if the stored string is damaged."""
    try:
        if not s.startswith(_PREFIX):
            raise ValueError("unknown prefix")
        body = s[len(_PREFIX) :]
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        if not raw or len(raw) % 4:
            raise ValueError("bad length")
    except ValueError as e:  # binascii.Error is a ValueError
        raise StoreError("a stored article fingerprint is damaged; re-ingest that article") from e
    return tuple(int.from_bytes(raw[i : i + 4], "big") for i in range(0, len(raw), 4))


def find_duplicate(
    sig: tuple[int, ...], others: Mapping[str, tuple[int, ...]], threshold: float = THRESHOLD
) -> str | None:
    """The doc id of the most similar signature at or above `threshold` (ties: smallest id)."""
    best_id, best = None, threshold
    for doc_id in sorted(others):
        score = similarity(sig, others[doc_id])
        if score > best or (score == best and best_id is None):
            best_id, best = doc_id, score
    return best_id
