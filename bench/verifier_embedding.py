"""Does an embedding fallback help the citation checker? (issue #16, item 5) Measured, not used.

For every pair of tests/verify/pairs.yaml and heldout.yaml: the lexical checker's verdict and score,
and the cosine similarity (the retrieval embedder, minilm-l6-int8) of the claim and its best source
sentence. Prints how many rejected `supported` items a rule "lexical score in [lo, 0.6) and similarity
>= t => supported" would rescue, and how many wrong claims it would pass. Measured 2026-11-29: at no
(t, lo) does it rescue more than it breaks (t=0.75, lo=0.3: +3 TP, +28 FP on the pairs; lo=0.5:
+0 TP); a negation flip or a role swap is as similar to its source as a paraphrase. So the checker
stays pure (no model).

Usage: PYTHONPATH=$PWD python bench/verifier_embedding.py
"""
from __future__ import annotations

import time

import numpy as np

from rag.answer import support as S
from rag.core.config import Settings
from rag.desk import load_embedder
from rag.evaluation.verifier_bench import cite_checker, load_pairs
from rag.text.markers import strip_markers

FILES = ("tests/verify/pairs.yaml", "tests/verify/heldout.yaml")


def main() -> None:
    emb = load_embedder(Settings())
    rows = []
    for f in FILES:
        for it in load_pairs(f).items:
            claim = strip_markers(it.claim)
            a = S.assess(claim, it.evidence, it.question, S.metadata(it.title, it.publisher, it.date))
            rows.append((f, it, cite_checker(it), a.score, a.quote or it.evidence, claim))
    t0 = time.perf_counter()
    vc = np.asarray(emb.embed([r[5] for r in rows]))
    vq = np.asarray(emb.embed([r[4] for r in rows]))
    print(f"embedding ms per pair (2 texts): {(time.perf_counter() - t0) / len(rows) * 1000:.1f}")
    sims = (vc * vq).sum(1)
    for t in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        for lo in (0.3, 0.5):
            for f in FILES:
                hit = [it.label == "supported" for (ff, it, p, sc, _, _), s in zip(rows, sims)
                       if ff == f and not p and lo <= sc < S.SUPPORT_THRESHOLD and s >= t]
                print(f"t={t} lexical>={lo} {f.split('/')[-1]}: rescued TP +{sum(hit)}, new FP +{len(hit) - sum(hit)}")
    print("rejected supported items (id, similarity, lexical score):",
          [(it.id, round(float(s), 3), sc) for (_, it, p, sc, _, _), s in zip(rows, sims)
           if not p and it.label == "supported"])


if __name__ == "__main__":
    main()
