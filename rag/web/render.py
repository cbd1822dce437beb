"""HTML for the chat: the evidence shown while the model reads, a verified answer with its markers,
"checked: k of n" line, sources panel, badges and timing line, and the Stopped label.

Pure functions from our dataclasses to strings; no Gradio, no I/O. Every piece of text that came
from an article, a file name or the model is HTML-escaped here, and the output never contains a
newline, so the chat's Markdown renderer sees one raw HTML block and leaves it alone. It does not
decide what is verified (rag.answer.cite does); it only shows it.
"""
from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

from rag.answer import cite
from rag.core.types import Answer, Citation, DocRecord, Sentence, Source
from rag.text.mdsafe import md_escape, md_safe  # noqa: F401 - re-exported: the UI's escaping lives there

WINDOW = 320  # characters of context shown either side of a highlighted quote

CSS = """
.rag-answer { line-height: 1.5; }
.rag-cite { color: #2563eb; font-weight: 600; font-size: 0.85em; }
.rag-unverified { text-decoration: underline wavy #d97706; color: #6b7280; }
.rag-badge { display: inline-block; font-size: 0.72em; padding: 0 6px; margin-left: 4px; border-radius: 8px;
             background: #fef3c7; color: #92400e; border: 1px solid #f59e0b; vertical-align: middle; }
.rag-abstain { border-left: 4px solid #64748b; background: rgba(100,116,139,0.08); padding: 6px 10px; }
.rag-abstain-label { font-weight: 600; color: #475569; margin-right: 6px; }
.rag-source { border: 1px solid rgba(128,128,128,0.35); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.rag-source-meta { font-size: 0.85em; color: #6b7280; }
.rag-passage { font-size: 0.9em; margin: 4px 0 0 0; }
.rag-passage mark { background: #fde68a; color: inherit; padding: 0 2px; }
.rag-notice, .rag-timing, .rag-checked { font-size: 0.8em; color: #6b7280; margin-top: 6px; }
.rag-evidence { font-size: 0.85em; color: #475569; border-left: 3px solid #93c5fd; padding: 2px 8px;
                margin-bottom: 6px; }
.rag-evidence ol { margin: 2px 0 0 1.2em; padding: 0; }
.rag-stopped-label { display: inline-block; font-size: 0.75em; font-weight: 600; padding: 0 6px; margin-right: 6px;
                     border-radius: 8px; background: #fee2e2; color: #991b1b; border: 1px solid #f87171; }
:focus-visible { outline: 3px solid #2563eb !important; outline-offset: 2px; }
#rag-docs td, #rag-docs th, #rag-docs td *, #rag-docs th * { word-break: keep-all !important;
  overflow-wrap: normal !important; hyphens: none; }
#rag-chat-col { flex-grow: 3 !important; }
@media (max-width: 640px) {
  #rag-layout { flex-direction: column; }
  #rag-layout > div { min-width: 0 !important; width: 100% !important; max-width: 100% !important; }
  #rag-layout .row { flex-wrap: wrap !important; }
  #rag-layout .row > * { min-width: min(140px, 100%) !important; }
  #rag-chat { height: 60vh !important; }
}
"""


def esc(text: str | None) -> str:
    """Escape untrusted text for HTML and keep line breaks without emitting a newline."""
    text = re.sub(r"\n\s*\n", "\n", (text or "").replace("\r", ""))  # blank lines would end the HTML block
    return html.escape(text, quote=True).replace("\n", "<br>")


def user_html(question: str, limit: int) -> str:
    shown = question if len(question) <= limit else question[:limit] + " …"
    return f'<div class="rag-question">{esc(shown)}</div>'


def evidence_html(sources: Sequence[Source]) -> str:
    """What the answer will be drawn from: each source's title, outlet and date (shown before the first token)."""
    items = "".join(f"<li>{esc(s.title)}{_meta(s.publisher, s.date)}</li>" for s in sources)
    return f'<div class="rag-evidence">Reading {len(sources)} article{"s" * (len(sources) != 1)}:<ol>{items}</ol></div>'


def _meta(*parts: str | None) -> str:
    shown = " · ".join(esc(p) for p in parts if p)
    return f' <span class="rag-source-meta">— {shown}</span>' if shown else ""


def streaming_html(text: str, evidence: str = "") -> str:
    """The model's raw text while it streams, before verification, under the evidence it reads."""
    return f'{evidence}<div class="rag-answer rag-streaming">{esc(text)}<span class="rag-cursor">▍</span></div>'


def error_html(message: str) -> str:
    return f'<div class="rag-error"><b>Error:</b> {esc(message)}</div>'


def highlight(passage: str, quote: str, window: int = WINDOW) -> str:
    """The passage around `quote`, escaped, with the quote in <mark>; whitespace may differ."""
    words = quote.split()
    match = re.search(r"\s+".join(map(re.escape, words)), passage) if words else None
    if match is None:
        return f"<mark>{esc(quote)}</mark>" if quote else esc(_clip(passage, 0, 2 * window))
    start, end = match.span()
    lo, hi = max(0, start - window), min(len(passage), end + window)
    before = ("… " if lo else "") + passage[lo:start]
    after = passage[end:hi] + (" …" if hi < len(passage) else "")
    return f"{esc(before)}<mark>{esc(passage[start:end])}</mark>{esc(after)}"


def _clip(text: str, lo: int, hi: int) -> str:
    return text[lo:hi] + (" …" if hi < len(text) else "")


def _sentence(s: Sentence) -> str:
    if s.supported:
        marks = "".join(f'<span class="rag-cite">[{n}]</span>' for n in s.citations)
        removed = (f' <span class="rag-badge" title="{esc(s.dropped)}">removed as unsupported: {esc(s.dropped)}</span>'
                   if s.dropped else "")
        return f"{esc(s.text)} {marks}{removed}"
    return (f'<span class="rag-unverified" title="no source supports this sentence">{esc(s.text)}</span>'
            '<span class="rag-badge">unverified</span>')


def _card(label: str, title: str, meta: Sequence[str | None], doc_id: str, passage_html: str) -> str:
    details = " · ".join(esc(m) for m in meta if m)
    return (f'<div class="rag-source"><div><b>{esc(label)} {esc(title)}</b></div>'
            f'<div class="rag-source-meta">{details}{" · " if details else ""}<code>{esc(doc_id)}</code></div>'
            f'<blockquote class="rag-passage">{passage_html}</blockquote></div>')


def citation_card(c: Citation, source: Source | None) -> str:
    passage = highlight(source.text, c.quote) if source else f"<mark>{esc(c.quote)}</mark>"
    meta = [source.publisher, source.date] if source else []
    return _card(f"[{c.n}]", c.title, meta, c.doc_id, passage)


def _panel(summary: str, cards: Sequence[str], open_: bool = False) -> str:
    return (f'<details class="rag-sources"{" open" if open_ else ""}><summary>{esc(summary)}</summary>'
            + "".join(cards) + "</details>")


def closest_card(a: Answer, docs: Mapping[str, DocRecord], min_relevance: float) -> str:
    """For an abstention: the closest retrieved passage, as ask.abstain quotes it, or ""."""
    if not a.hits or (a.hits[0].similarity or 0.0) < min_relevance:
        return ""
    top = a.hits[0].chunk
    _, quote = cite.support(a.question, top.text, "")
    if not quote:
        return ""
    rec = docs.get(top.doc_id)
    meta = [rec.publisher, rec.date] if rec else []
    return _panel("Closest passage", [_card("", top.title, meta, top.doc_id, highlight(top.text, quote))])


def timing_html(a: Answer) -> str:
    t = a.timings
    parts = [f"{len(a.hits)} passage{'s' * (len(a.hits) != 1)}", f"retrieval {t.retrieve_ms:.0f} ms"]
    if t.completion_tokens:
        gen_s = max(t.total_ms - t.ttft_ms, 1.0) / 1000
        rate = max(t.completion_tokens - 1, 1) / gen_s
        parts += [f"first token {t.ttft_ms:.0f} ms", f"{rate:.1f} tokens/s", f"{t.completion_tokens} tokens"]
    else:
        parts.append("no generation")
    return f'<div class="rag-timing">{" · ".join(parts)}</div>'


def checked_html(a: Answer) -> str:
    """"checked: k of n sentences supported" (nothing for an abstention or an empty stopped answer)."""
    if not a.sentences:
        return ""
    k = sum(s.supported for s in a.sentences)
    return f'<div class="rag-checked">checked: {k} of {len(a.sentences)} sentences supported</div>'


def answer_html(a: Answer, docs: Mapping[str, DocRecord] | None = None, min_relevance: float = 0.0) -> str:
    """The whole chat message for a finished answer."""
    docs = docs or {}
    notice = f'<div class="rag-notice">Note: {esc(a.notice)}</div>' if a.notice else ""
    if a.stopped:
        return _stopped_html(a) + notice + timing_html(a)
    if a.abstained:
        body = (f'<div class="rag-answer rag-abstain"><span class="rag-abstain-label">Not in the articles</span>'
                f"{esc(a.answer)}</div>")
        return body + notice + closest_card(a, docs, min_relevance) + timing_html(a)
    sentences = " ".join(_sentence(s) for s in a.sentences) if a.sentences else esc(a.answer)
    by_n = {s.n: s for s in a.sources}
    cards = [citation_card(c, by_n.get(c.n)) for c in a.citations if c.verified]
    panel = _panel(f"Sources ({len(cards)})", cards) if cards else ""
    return f'<div class="rag-answer">{sentences}</div>' + checked_html(a) + notice + panel + timing_html(a)


def _stopped_html(a: Answer) -> str:
    """A stopped answer: the label, the part written so far with each sentence verified, its sources."""
    label = '<span class="rag-stopped-label">Stopped</span>'
    if not a.sentences:
        return f'<div class="rag-answer rag-stopped">{label}stopped before the answer began.</div>'
    body = " ".join(_sentence(s) for s in a.sentences)
    by_n = {s.n: s for s in a.sources}
    cards = [citation_card(c, by_n.get(c.n)) for c in a.citations if c.verified]
    panel = _panel(f"Sources ({len(cards)})", cards) if cards else ""
    return f'<div class="rag-answer rag-stopped">{label}{body}</div>' + checked_html(a) + panel


def stopped_early_html(evidence: str = "") -> str:
    """Stopped before the model began (during the rewrite of a follow-up, or while it read the sources)."""
    return f'{evidence}<div class="rag-answer rag-stopped"><span class="rag-stopped-label">Stopped</span>' \
           'stopped before the answer began.</div>'


def report_markdown(report: Mapping[str, Any]) -> str:
    """An upload report as Markdown with every file name and reason escaped."""
    lines = []
    for key in ("added", "updated", "unchanged"):
        if report.get(key):
            lines.append(f"**{key}**: " + ", ".join(f"`{md_escape(x)}`" for x in report[key]))
    for item in report.get("skipped", []):
        lines.append(f"**skipped** `{md_escape(item['file'])}`: {md_escape(item['reason'])}")
    for item in report.get("failed", []):
        lines.append(f"**not written** `{md_escape(item['doc_id'])}`: {md_escape(item['reason'])}")
    return "\n\n".join(lines) or "Nothing to ingest."
