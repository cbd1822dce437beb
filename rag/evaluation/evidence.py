"""What an eval report keeps of each case so a person can read it: gold labels, passages, sentences.

Does: turn one case's gold labels, retrieved hits and answer into plain JSON data — the passages
with their scores and text, the numbered sources the model saw, and each sentence of the model's
own text as the verifier judges it (supported or not, with the quote each cited source offers).
Re-running the verifier is how an abstained answer keeps its rejected sentences: `Answer.sentences`
is empty once the system abstains.
Does not: score anything (`rag.evaluation.evaluate`), decide a case's outcome (`rag.evaluation.diff`) or render.
"""
from __future__ import annotations

from typing import Any, Sequence

from rag.answer import cite
from rag.core.types import Answer, Hit, Source
from rag.evaluation.cases import Case
from rag.text.markers import parse_markers
from rag.text.sentences import split_sentences


def gold_labels(case: Case) -> dict[str, Any]:
    """The case's gold labels as written in the question file."""
    if case.type == "briefing":
        return {"topic": case.topic, "must_mention": case.must_mention, "must_cite": case.must_cite,
                "max_words": case.max_words}
    return {"answers": case.answers, "must_include": case.must_include, "must_not_include": case.must_not_include,
            "sources": case.sources, "notes": case.notes}


def passages(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """The retrieved chunks in rank order, with their fused score, ranks, similarity and text."""
    return [{"rank": i, "doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "title": h.chunk.title,
             "score": round(h.score, 6), "similarity": None if h.similarity is None else round(h.similarity, 4),
             "dense_rank": h.dense_rank, "lexical_rank": h.lexical_rank, "text": h.chunk.text}
            for i, h in enumerate(hits, 1)]


def _quote(n: int, src: Source, sentence: str, question: str, kept: bool, by_model: bool) -> dict[str, Any]:
    """Source n's best quote for the sentence; `kept`: the verifier accepted it; `by_model`: the model cited it."""
    score, quote = cite.support(sentence, src.text, question)
    return {"n": n, "doc_id": src.doc_id, "title": src.title, "quote": quote, "score": round(score, 3),
            "kept": kept, "by_model": by_model}


def sentences(raw: str, sources: Sequence[Source], question: str) -> tuple[list[dict[str, Any]], float | None]:
    """Each sentence of the model's text as verified, and the share of sentences supported.

    A sentence lists a quote for every source it cited and every source the verifier added; a
    sentence with neither lists the closest source's quote (kept False), so a reader sees why it failed.
    """
    if not raw.strip() or not sources:
        return [], None
    by_n = {s.n: s for s in sources}
    checked = cite.verify(raw, sources, question)
    out = []
    for raw_sentence, s in zip(split_sentences(raw), checked.sentences):
        marked = [n for n in parse_markers(raw_sentence) if n in by_n]
        numbers = list(dict.fromkeys(marked + list(s.citations)))
        quotes = [_quote(n, by_n[n], s.text, question, n in s.citations, n in marked) for n in numbers]
        if not quotes and s.text.strip():
            closest = [_quote(n, src, s.text, question, False, False) for n, src in sorted(by_n.items())]
            quotes = [max(closest, key=lambda q: q["score"])]
        out.append({"text": s.text, "supported": s.supported, "citations": list(s.citations), "quotes": quotes})
    return out, round(checked.supported_share, 4)


def answer_evidence(case: Case, answer: Answer | None, hits: Sequence[Hit]) -> dict[str, Any]:
    """The `details` entries a readable report needs, for one question case."""
    out: dict[str, Any] = {"gold": gold_labels(case), "passages": passages(hits)}
    if answer is None:
        return out
    said, share = sentences(answer.raw, answer.sources, case.question or "")
    out.update(sources=[{"n": s.n, "doc_id": s.doc_id, "title": s.title} for s in answer.sources],
               sentences=said, supported_share=share, support_threshold=cite.SUPPORT_THRESHOLD,
               best_similarity=max((h.similarity or 0.0 for h in hits), default=None))
    return out
