"""Answers and conversations as Markdown, for download: the answer with its [n] markers, each verified
citation's quote, and the list of sources (title, outlet, date, id).

Pure functions over the JSON of `rag ask --json` (rag.answer.report.answer_json): that is what the
chat keeps per turn in the browser and what API scripts hold, so both export the same way. All
article and model text is escaped (rag.text.mdsafe). It does not decide what is verified.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from rag.core.types import DocRecord
from rag.text.mdsafe import md_escape


def answer_markdown(a: Mapping[str, Any], docs: Mapping[str, DocRecord], heading: str = "##") -> str:
    """One question and its answer: the text, the quotes behind its citations, its sources."""
    lines = [f"{heading} {md_escape(str(a.get('question', '')))}", ""]
    status = "Stopped: the part written so far. " if a.get("stopped") else ""
    status += "Not in the articles. " if a.get("abstained") else ""
    if status:
        lines += [f"*{status.strip()}*", ""]
    lines += [md_escape(str(a.get("answer", ""))), ""]
    sentences = a.get("sentences") or []
    if sentences:
        k = sum(bool(s.get("supported")) for s in sentences)
        lines += [f"checked: {k} of {len(sentences)} sentences supported", ""]
    cited = [c for c in a.get("citations") or [] if c.get("verified")]
    if cited:
        lines += ["**Quotes**", ""]
        for c in cited:
            quote = md_escape(str(c.get("quote", "")).strip())
            lines.append(f"- [{c['n']}] \"{quote}\" — {_source(c['doc_id'], c.get('title'), docs)}")
        lines.append("")
    ids = list(dict.fromkeys(s["doc_id"] for s in a.get("sources") or []))
    if ids:
        lines += ["**Sources**", ""] + [f"- {_source(d, None, docs)}" for d in ids] + [""]
    if a.get("notice"):
        lines += [f"Note: {md_escape(str(a['notice']))}", ""]
    return "\n".join(lines)


def conversation_markdown(answers: Sequence[Mapping[str, Any]], docs: Mapping[str, DocRecord],
                          title: str = "Conversation") -> str:
    """A whole conversation: each answer as `answer_markdown`, in order."""
    parts = [f"# {md_escape(title)}", ""] + [answer_markdown(a, docs) for a in answers]
    return "\n".join(parts).rstrip() + "\n"


def _source(doc_id: str, title: str | None, docs: Mapping[str, DocRecord]) -> str:
    rec = docs.get(doc_id)
    name = title or (rec.title if rec else doc_id)
    meta = [m for m in ((rec.publisher, rec.date) if rec else ()) if m]
    return f"*{md_escape(name)}*" + "".join(f", {md_escape(m)}" for m in meta) + f" (`{md_escape(doc_id)}`)"
