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

import numpy as np

from rag.core.errors import StoreError
from rag.ingest.clean import normalize

# Copies with a new header, footer and a couple of edited sentences score about 0.7-0.95 (0.69 for
# the shortest seed, a 190-word story, where one edit touches many shingles); different articles
# on the same story score 0.0. 0.5 leaves room for the +-0.06 noise of a 64-value estimate.
THRESHOLD = 0.5
SHINGLE_WORDS = 5
NUM_PERM = 64  # values in a signature
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


def signature(text: str, num_perm: int = NUM_PERM) -> tuple[int, ...]:
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


class Signatures:
    """The signatures of the indexed articles, compared with a new one in one vectorised step.

    A loop over every signature in Python cost ~25-45 ms per ingested article at 10,000 articles (a
    quarter of ingest time there); one array comparison costs well under a millisecond. A signature of
    another length than `width` scores 0.0 against every kept one (`similarity`), so it is not kept."""

    def __init__(self, width: int = NUM_PERM) -> None:
        self._row: dict[str, int] = {}
        self._ids: list[str] = []
        self._rows = np.zeros((0, width), dtype=np.uint32)

    def put(self, doc_id: str, sig: tuple[int, ...]) -> None:
        """Add `doc_id`'s signature, or replace the one it had."""
        if len(sig) != self._rows.shape[1]:
            return
        row = self._row.get(doc_id)
        if row is None:
            row = len(self._ids)
            if row == len(self._rows):  # grow by doubling: amortised constant per put
                grown = np.zeros((max(16, 2 * row), len(sig)), dtype=np.uint32)
                grown[:row] = self._rows[:row]
                self._rows = grown
            self._row[doc_id] = row
            self._ids.append(doc_id)
        self._rows[row] = sig

    def find(self, sig: tuple[int, ...], exclude: str | None = None, threshold: float = THRESHOLD) -> str | None:
        """The doc id (other than `exclude`) of the most similar signature at or above `threshold`
        (ties: smallest id), as `similarity` scores it; None when there is none."""
        if not self._ids or len(sig) != self._rows.shape[1]:
            return None
        scores = (self._rows[: len(self._ids)] == np.asarray(sig, dtype=np.uint32)).sum(axis=1) / len(sig)
        if exclude in self._row:
            scores[self._row[exclude]] = -1.0
        best = float(scores.max())
        if best < threshold:
            return None
        return min(self._ids[i] for i in np.flatnonzero(scores == best))
