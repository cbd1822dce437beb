"""The JSON shapes front ends hand out: an answer (`rag ask --json`, the chat's `/ask` API).

Plain data in, plain dicts out; shared by cli.py and ui.py so the two front ends never import each
other. It formats nothing for humans.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rag.core.types import Answer


def answer_json(a: Answer) -> dict[str, Any]:
    """The documented JSON shape of `rag ask --json`, also used by the chat's API."""
    return {
        "question": a.question,
        "answer": a.answer,
        "abstained": a.abstained,
        "citations": [asdict(c) for c in a.citations],
        "sentences": [{"text": s.text, "citations": list(s.citations), "supported": s.supported, "dropped": s.dropped}
                      for s in a.sentences],
        "sources": [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "score": round(h.score, 6)}
                    for h in a.hits],
        "timings": asdict(a.timings),
        "notice": a.notice,
        "stopped": a.stopped,
    }
