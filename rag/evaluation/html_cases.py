"""The case table of the HTML eval report: one expandable row per case, with its evidence.

Does: render each case of a `rag eval --json` report as a `<details>` row (filterable by its
`data-type` and `data-outcome`) that expands to the question, the verdict and its reason, the gold
labels, the shown answer, each sentence of the model's text marked supported or not with its
quotes, the model's raw text, the retrieved passages (quotes highlighted) and the case's metrics.
Everything taken from a report is HTML-escaped; a field older reports lack is "not recorded".
Does not: compute outcomes or reasons (`rag.evaluation.diff`), or draw the page around the table.
"""
from __future__ import annotations

from html import escape
from typing import Any, Mapping, Sequence

from rag.evaluation.diff import NOT_RECORDED, OUTCOMES, Flip, outcome, reason

_NR = f'<span class="nr">{NOT_RECORDED}</span>'


def e(value: Any) -> str:
    """HTML-escaped text of any value, quotes included (safe inside attributes too)."""
    return escape("" if value is None else str(value), quote=True)


def outcome_badge(name: str) -> str:
    return f'<span class="badge o-{e(name.replace(" ", "-"))}">{e(name)}</span>'


def case_anchor(index: int) -> str:
    """The element id of the index-th case row (case ids from question files are not safe ids)."""
    return f"case-{index}"


def _items(values: Sequence[Any] | None) -> str:
    if values is None:
        return _NR
    if not values:
        return '<span class="muted">none</span>'
    return ", ".join(f"<code>{e(' / '.join(map(str, v)) if isinstance(v, list) else v)}</code>" for v in values)


def _gold(case: Mapping[str, Any]) -> str:
    gold = (case.get("details") or {}).get("gold")
    if gold is None:
        return f"<p>Gold labels: {_NR}</p>"
    names = {"answers": "answers (any of)", "must_include": "must include (one of each group)",
             "must_not_include": "must not include", "sources": "gold sources", "topic": "topic",
             "must_mention": "must mention", "must_cite": "must cite", "max_words": "max words", "notes": "notes"}
    rows = []
    for key, label in names.items():
        if key not in gold or gold[key] in (None, [], ""):
            continue
        value = gold[key]
        shown = _items(value) if isinstance(value, list) else e(value)
        rows.append(f"<tr><td>{e(label)}</td><td>{shown}</td></tr>")
    return '<table class="kv">' + "".join(rows) + "</table>" if rows else '<p class="muted">no gold labels</p>'


def marked(text: str, quotes: Sequence[tuple[str, bool]]) -> str:
    """`text` escaped, with every occurrence of each quote wrapped in <mark> (rejected: class 'rejected')."""
    spans: list[tuple[int, int, bool]] = []
    for quote, kept in quotes:
        q = quote.strip()
        start = text.find(q) if len(q) >= 8 else -1
        while start >= 0:
            spans.append((start, start + len(q), kept))
            start = text.find(q, start + len(q))
    out, pos = [], 0
    for start, end, kept in sorted(spans, key=lambda s: (s[0], -s[1], not s[2])):  # a kept quote wins a tie
        if start < pos:
            continue  # overlaps a quote already marked
        cls = "" if kept else ' class="rejected"'
        out += [e(text[pos:start]), f"<mark{cls}>", e(text[start:end]), "</mark>"]
        pos = end
    return "".join(out) + e(text[pos:])


def _quote_line(q: Mapping[str, Any]) -> str:
    verdict = ("accepted" if q.get("by_model") else "added by the verifier") if q.get("kept") else \
        ("rejected" if q.get("by_model") else "closest source, not enough to support")
    cls = "" if q.get("kept") else ' class="rejected"'
    quote = f"<blockquote><mark{cls}>{e(q.get('quote'))}</mark></blockquote>" if q.get("quote") else \
        '<blockquote class="muted">no sentence of the source matches</blockquote>'
    return (f'<div class="quote">[{e(q.get("n"))}] <code>{e(q.get("doc_id"))}</code> · support {e(q.get("score"))} · '
            f"{e(verdict)}{quote}</div>")


def _sentences(d: Mapping[str, Any]) -> str:
    if "sentences" not in d:
        return f"<p>Sentences as verified: {_NR}</p>"
    said = d["sentences"]
    if not said:
        return '<p class="muted">The model wrote nothing the verifier could check.</p>'
    level = d.get("support_threshold")
    head = f'<p class="muted">A citation is kept when its support is at least {e(level)}.</p>' if level else ""
    items = []
    for s in said:
        ok = bool(s.get("supported"))
        tag = '<span class="pass">supported</span>' if ok else '<span class="fail">not supported</span>'
        quotes = "".join(_quote_line(q) for q in s.get("quotes") or [])
        items.append(f'<li class="sent {"ok" if ok else "bad"}"><div class="text">{tag} {e(s.get("text"))}</div>{quotes}</li>')
    return head + '<ol class="sentences">' + "".join(items) + "</ol>"


def _citations(case: Mapping[str, Any]) -> str:
    """The report's citations, for reports that predate per-sentence evidence."""
    cites = case.get("citations") or []
    if not cites:
        return ""
    rows = "".join(f'<div class="quote">[{e(c.get("n"))}] <code>{e(c.get("doc_id"))}</code> · '
                   f'{"verified" if c.get("verified") else "rejected"}<blockquote><mark'
                   f'{"" if c.get("verified") else " class=rejected"}>{e(c.get("quote"))}</mark></blockquote></div>'
                   for c in cites)
    return "<h3>Citations</h3>" + rows


def _passages(case: Mapping[str, Any]) -> str:
    d = case.get("details") or {}
    gold = set(((d.get("gold") or {}).get("sources")) or [])
    if "passages" not in d:
        ids = ", ".join(f"<code>{e(x)}</code>" for x in case.get("retrieved") or []) or "none"
        return f"<p>Documents in rank order: {ids}. Passage text and scores: {_NR}.</p>"
    quotes = [(q.get("quote") or "", bool(q.get("kept"))) for s in d.get("sentences") or [] for q in s.get("quotes") or []]
    quotes += [(c.get("quote") or "", bool(c.get("verified"))) for c in case.get("citations") or []]
    out = []
    for p in d["passages"]:
        tag = ' <span class="gold-doc">gold</span>' if p.get("doc_id") in gold else ""
        sim = "" if p.get("similarity") is None else f" · similarity {e(p['similarity'])}"
        ranks = f" · dense #{e(p.get('dense_rank'))} · lexical #{e(p.get('lexical_rank'))}"
        out.append(f'<div class="passage"><div>#{e(p.get("rank"))} <code>{e(p.get("doc_id"))}</code>{tag} '
                   f'<b>{e(p.get("title"))}</b> · score {e(p.get("score"))}{sim}{ranks}</div>'
                   f'<div class="text">{marked(str(p.get("text") or ""), quotes)}</div></div>')
    return "".join(out) or '<p class="muted">nothing was retrieved</p>'


def _metrics(case: Mapping[str, Any]) -> str:
    rows = []
    for k, v in (case.get("metrics") or {}).items():
        if v is None:
            continue
        shown = ("yes" if v else "no") if isinstance(v, bool) else f"{v / 1000:.1f} s" if k.endswith("_ms") else \
            f"{v:.0f}" if k == "prompt_tokens" else f"{v:.3f}" if isinstance(v, float) else str(v)
        rows.append(f"<tr><td>{e(k)}</td><td class=num>{e(shown)}</td></tr>")
    return '<table class="kv">' + "".join(rows) + "</table>"


def case_body(case: Mapping[str, Any]) -> str:
    """The expanded part of one case row."""
    d = case.get("details") or {}
    notice = f'<p class="muted">Notice: {e(d["notice"])}</p>' if d.get("notice") else ""
    raw = f"<pre>{e(d['raw'])}</pre>" if d.get("raw") else \
        ('<p class="muted">(empty: the model was not asked, or wrote nothing)</p>' if "raw" in d else f"<p>{_NR}</p>")
    answer = f"<pre>{e(case.get('answer'))}</pre>" if case.get("answer") is not None else '<p class="muted">no answer (retrieval only)</p>'
    sentences = _sentences(d) + ("" if "sentences" in d else _citations(case))
    head = (f'<div class="body"><h3>{"Topic" if case.get("type") == "briefing" else "Question"}</h3>'
            f'<p>{e(case.get("question"))}</p><h3>Verdict</h3><p>{outcome_badge(outcome(case))} {e(reason(case))}</p>'
            f"<h3>Gold</h3>{_gold(case)}")
    if case.get("type") == "briefing":
        middle = f"<h3>The brief</h3>{answer}"
    elif case.get("abstained") is None:  # retrieval only: no answer was asked for
        middle = f"<h3>Retrieved passages</h3>{_passages(case)}"
    else:
        middle = (f"<h3>Shown answer</h3>{answer}{notice}"
                  f"<h3>The model's sentences, as the verifier judged them</h3>{sentences}"
                  f"<h3>The model's raw text</h3>{raw}<h3>Retrieved passages</h3>{_passages(case)}")
    return f"{head}{middle}<h3>Metrics</h3>{_metrics(case)}</div>"


def case_row(index: int, case: Mapping[str, Any], flip: Flip | None = None) -> str:
    """One case as a collapsible row."""
    name = outcome(case)
    total = (case.get("metrics") or {}).get("total_ms")
    was = f' <span class="was">was {e(flip.old)} ({e(flip.kind)})</span>' if flip else ""
    flip_attr = f' data-flip="{e(flip.kind)}"' if flip else ""
    return (f'<details class="case" id="{case_anchor(index)}" data-type="{e(case.get("type"))}" '
            f'data-outcome="{e(name)}"{flip_attr}><summary><code>{e(case.get("id"))}</code>'
            f'<span>{e(case.get("type"))}</span><span class="outcome">{outcome_badge(name)}{was}</span>'
            f'<span class="answer">{e(case.get("answer") or "")}</span>'
            f'<span class="num">{f"{total / 1000:.1f} s" if total else ""}</span></summary>{case_body(case)}</details>')


def case_table(cases: Sequence[Mapping[str, Any]], flips: Mapping[str, Flip]) -> str:
    """The filters and every case row."""
    types = sorted({str(c.get("type")) for c in cases})
    present = {outcome(c) for c in cases}
    type_opts = "".join(f'<option value="{e(t)}">{e(t)}</option>' for t in types)
    out_opts = "".join(f'<option value="{e(o)}">{e(o)}</option>' for o in OUTCOMES if o in present)
    if flips:
        out_opts += '<option value="*flipped">flipped since the baseline</option>'
    rows = "".join(case_row(i, c, flips.get(str(c.get("id")))) for i, c in enumerate(cases))
    return (f'<div class="filters"><label>type <select id="f-type"><option value="">all</option>{type_opts}</select></label>'
            f'<label>outcome <select id="f-outcome"><option value="">all</option>{out_opts}</select></label>'
            f'<label>search <input id="f-text" type="search" placeholder="text in a case"></label>'
            f'<button id="expand-all" type="button">expand all</button><button id="collapse-all" type="button">collapse all</button>'
            f'<span id="f-count" class="muted"></span></div>{rows}')
