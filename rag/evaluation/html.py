"""`rag eval --html`: one self-contained HTML file that shows an eval report to a person.

Does: turn `rag eval --json` data (and, with a baseline, a `rag.evaluation.diff.RunDiff`) into a single
page that opens offline: what changed since the baseline (flipped cases first, metric deltas,
configuration and prompt-hash differences), the summary (each metric with its threshold and
pass/fail, an inline SVG chart per metric group), outcomes per case type, a latency and
prompt-token chart per case, and the filterable case table (`rag.evaluation.html_cases`). The page loads
nothing: no CDN, fonts, images or remote scripts; a Content-Security-Policy allows only its own
inline script (by hash) and blocks every network request, as a second guard behind escaping.
Does not: run or score an eval, compute the diff (`rag.evaluation.diff`), or write files.
"""
from __future__ import annotations

import base64
import hashlib
from collections import Counter
from typing import Any, Mapping, Sequence

from rag.evaluation import svg
from rag.evaluation.cases import LOWER_IS_BETTER, UNBOUNDED
from rag.evaluation.diff import OUTCOMES, RunDiff, outcome
from rag.evaluation.evaluate import check_thresholds
from rag.evaluation.html_assets import CSS, JS
from rag.evaluation.html_cases import case_anchor, case_table, e, outcome_badge

GROUPS: dict[str, tuple[str, ...]] = {
    "retrieval": ("hit_at_k", "recall_at_k", "mrr_at_k"),
    "answers": ("answer_accuracy", "answer_f1", "forbidden_rate"),
    "abstention": ("abstention_rate", "false_abstention_rate"),
    "citations": ("citation_validity", "citation_coverage", "gold_cite_hit", "citation_support"),
    "time": ("ttft_ms_p50", "ttft_ms_p90", "total_ms_p50", "total_ms_p90", "prompt_tokens_mean"),
    "briefs": ("brief_mention_rate", "brief_cite_rate", "brief_coverage", "brief_length_ok"),
}
OUTCOME_COLOURS = {"right": "#2f855a", "wrong": "#c53030", "false abstention": "#dd6b20",
                   "rightly abstained": "#2c7a7b", "answered but unanswerable": "#97266d",
                   "retrieved": "#4a6fa5", "missed": "#744210", "unscored": "#718096"}
_PER_TYPE = ("hit_at_k", "answer_accuracy", "abstention_rate", "false_abstention_rate", "citation_support")


def fmt(name: str, value: Any) -> str:
    """A metric value as a person reads it: seconds for times, whole tokens, three decimals for rates."""
    if value is None:
        return "—"
    if name.startswith(("ttft_ms", "total_ms")) or name.endswith("_ms"):
        return f"{value / 1000:.1f} s"
    return f"{value:.0f}" if name in UNBOUNDED or name == "prompt_tokens" else f"{value:.3f}"


def passes(name: str, value: float | None, level: float | None) -> bool | None:
    """Whether the value meets its threshold (None: no threshold or no value)."""
    if value is None or level is None:
        return None
    return not check_thresholds({name: value}, {name: level})


def _group_chart(group: str, names: Sequence[str], summary: Mapping[str, Any], thresholds: Mapping[str, Any]) -> str:
    if group == "time":
        names = [n for n in names if n != "prompt_tokens_mean" and summary.get(n) is not None]
        top = max([summary[n] for n in names] + [thresholds.get(n) or 0 for n in names], default=0) / 1000
        bars = [svg.Bar(n, summary[n] / 1000, fmt(n, summary[n]), passes(n, summary[n], thresholds.get(n)),
                        (thresholds[n] / 1000) if n in thresholds else None) for n in names]
        return svg.hbars(bars, "time, seconds", scale=top or 1.0) if bars else ""
    bars = [svg.Bar(n, summary.get(n), fmt(n, summary.get(n)) if summary.get(n) is not None else "not measured",
                    passes(n, summary.get(n), thresholds.get(n)), thresholds.get(n)) for n in names]
    return svg.hbars(bars, f"{group} metrics, 0 to 1")


def _summary_rows(names: Sequence[str], summary: Mapping[str, Any], thresholds: Mapping[str, Any],
                  deltas: Mapping[str, Any]) -> str:
    rows = []
    for n in names:
        value, level = summary.get(n), thresholds.get(n)
        ok = passes(n, value, level)
        verdict = "" if ok is None else '<span class="pass">pass</span>' if ok else '<span class="fail">FAIL</span>'
        bound = "" if level is None else f"{'≤' if n in LOWER_IS_BETTER else '≥'} {fmt(n, level)}"
        change = deltas.get(n)
        delta = "" if change is None or change.delta is None else \
            f"{'+' if change.delta >= 0 else '−'}{fmt(n, abs(change.delta))}" + (" <b class=fail>worse</b>" if change.regressed else "")
        rows.append(f"<tr><td>{e(n)}</td><td class=num>{e(fmt(n, value))}</td><td class=num>{e(bound)}</td>"
                    f"<td>{verdict}</td>" + (f"<td class=num>{delta}</td>" if deltas else "") + "</tr>")
    return "".join(rows)


def summary_section(run: Mapping[str, Any], diff: RunDiff | None) -> str:
    """Each metric group: a table (value, threshold, pass/fail, change) beside its chart."""
    summary, thresholds = run.get("summary") or {}, run.get("thresholds") or {}
    deltas = {c.metric: c for c in diff.metrics} if diff else {}
    head = "<tr><th>metric</th><th>value</th><th>threshold</th><th></th>" + ("<th>change</th>" if diff else "") + "</tr>"
    blocks = []
    for group, names in GROUPS.items():
        if all(summary.get(n) is None for n in names):
            continue
        blocks.append(f'<div class="group"><h3>{e(group)}</h3><table>{head}'
                      f"{_summary_rows(names, summary, thresholds, deltas)}</table>"
                      f"{_group_chart(group, names, summary, thresholds)}</div>")
    return '<h2 id="summary">Summary</h2><div class="groups">' + "".join(blocks) + "</div>"


def _mean(cases: Sequence[Mapping[str, Any]], key: str) -> float | None:
    xs = [float(c["metrics"][key]) for c in cases if (c.get("metrics") or {}).get(key) is not None]
    return sum(xs) / len(xs) if xs else None


def by_type_section(cases: Sequence[Mapping[str, Any]]) -> str:
    """Outcomes per case type (a stacked chart) and the main rates per type."""
    types = sorted({str(c.get("type")) for c in cases})
    counts = {t: Counter(outcome(c) for c in cases if str(c.get("type")) == t) for t in types}
    rows = [(t, [(o, counts[t][o]) for o in OUTCOMES if counts[t][o]]) for t in types]
    used = {o for t in types for o in counts[t]}
    chart = svg.stacked(rows, {o: c for o, c in OUTCOME_COLOURS.items() if o in used}, "outcomes per case type")
    keys = [k for k in _PER_TYPE if _mean(cases, k) is not None]  # a column no case measured is left out
    head = "<tr><th>type</th><th>cases</th>" + "".join(f"<th>{e(k)}</th>" for k in keys) + "</tr>"
    body = "".join(f"<tr><td>{e(t)}</td><td class=num>{sum(counts[t].values())}</td>" + "".join(
        f"<td class=num>{e(fmt(k, _mean([c for c in cases if str(c.get('type')) == t], k)))}</td>" for k in keys)
        + "</tr>" for t in types)
    return f'<h2 id="types">By case type</h2><div class="scroll">{chart}<table>{head}{body}</table></div>'


def latency_section(cases: Sequence[Mapping[str, Any]]) -> str:
    """Time to first token inside total time, and prompt tokens, per case."""
    timed = [c for c in cases if (c.get("metrics") or {}).get("total_ms") is not None]
    if not timed:
        return '<h2 id="latency">Latency</h2><p class="muted">No case recorded timings (retrieval only, or not recorded).</p>'
    cols = [svg.Column(str(c.get("id")), c["metrics"]["total_ms"] / 1000,
                       None if c["metrics"].get("ttft_ms") is None else c["metrics"]["ttft_ms"] / 1000) for c in timed]
    tokens = [svg.Column(str(c.get("id")), (c.get("metrics") or {}).get("prompt_tokens")) for c in timed]
    return ('<h2 id="latency">Latency and prompt tokens per case</h2><div class="scroll">'
            + svg.columns(cols, "time to first token and total time per case", "s", ("time to first token", "total"))
            + svg.columns(tokens, "prompt tokens per case", "tokens", height=120) + "</div>")


def _flip_list(title: str, cls: str, flips: Sequence[Any], index: Mapping[str, int]) -> str:
    if not flips:
        return f'<div><h3 class="{cls}">{e(title)}: 0</h3></div>'
    items = "".join(f'<li><a href="#{case_anchor(index[f.case_id])}"><code>{e(f.case_id)}</code></a> '
                    f"<span class=muted>{e(f.type)}</span> {outcome_badge(f.old)} → {outcome_badge(f.new)}</li>"
                    for f in flips)
    return f'<div><h3 class="{cls}">{e(title)}: {len(flips)}</h3><ul>{items}</ul></div>'


def diff_section(diff: RunDiff, cases: Sequence[Mapping[str, Any]]) -> str:
    """Flipped cases first, then metric deltas and configuration differences."""
    index = {str(c.get("id")): i for i, c in enumerate(cases)}
    flips = (_flip_list("Fixed", "fixed", diff.fixed, index) + _flip_list("Broken", "broken", diff.broken, index)
             + (_flip_list("Changed", "", diff.changed, index) if diff.changed else ""))
    more = "".join(f"<p>{e(label)}: {', '.join(f'<code>{e(x)}</code>' for x in ids)}</p>"
                   for label, ids in (("Only in this run", diff.added), ("Only in the baseline", diff.removed)) if ids)
    moved = [c for c in diff.metrics if c.delta is None or abs(c.delta) > 1e-12]
    rows = "".join(f"<tr><td>{e(c.metric)}</td><td class=num>{e(fmt(c.metric, c.old))}</td>"
                   f"<td class=num>{e(fmt(c.metric, c.new))}</td><td class=num>"
                   + ("—" if c.delta is None else f"{'+' if c.delta >= 0 else '−'}{e(fmt(c.metric, abs(c.delta)))}")
                   + f"</td><td>{'<b class=fail>worse</b>' if c.regressed else ''}</td></tr>" for c in moved)
    metrics = (f"<table><tr><th>metric</th><th>baseline</th><th>this run</th><th>change</th><th></th></tr>{rows}</table>"
               if rows else '<p class="muted">No metric moved.</p>')
    config = ("<table><tr><th>setting</th><th>baseline</th><th>this run</th></tr>" + "".join(
        f"<tr><td>{e(c.key)}</td><td><code>{e(c.old)}</code></td><td><code>{e(c.new)}</code></td></tr>" for c in diff.config)
        + "</table>") if diff.config else '<p class="muted">Same configuration and prompt hash.</p>'
    return (f'<h2 id="changes">What changed since the baseline</h2><div class="changes">'
            f'<p class="muted">Baseline <code>{e(diff.old_name)}</code> → this run <code>{e(diff.new_name)}</code></p>'
            f'<div class="flips">{flips}</div>{more}<h3>Metrics that moved</h3>{metrics}'
            f"<h3>Configuration and prompts</h3>{config}</div>")


def _header(run: Mapping[str, Any], title: str) -> str:
    config = run.get("config") or {}
    failed, warnings = run.get("failed") or [], run.get("warnings") or []
    status = (f'<span class="status bad">{len(failed)} threshold(s) missed</span>' if failed
              else '<span class="status ok">all thresholds met</span>')
    meta = " · ".join(f"{e(k)} <code>{e(v)}</code>" for k, v in config.items()) or f"configuration {e('not recorded')}"
    lists = "".join(f"<li class=fail>{e(f)}</li>" for f in failed) + "".join(f"<li class=muted>{e(w)}</li>" for w in warnings)
    return (f"<h1>{e(title)}</h1><p class=meta>suite <code>{e(run.get('suite'))}</code> · "
            f"{len(run.get('cases') or [])} cases · {meta}</p><p>{status}</p>" + (f"<ul>{lists}</ul>" if lists else ""))


def render_html(run: Mapping[str, Any], diff: RunDiff | None = None, title: str | None = None) -> str:
    """The whole page for one `rag eval --json` report, with what changed when `diff` is given."""
    cases = list(run.get("cases") or [])
    model = (run.get("config") or {}).get("model")
    title = title or f"Eval report{f' · {model}' if model else ''}"
    flips = {f.case_id: f for f in (diff.fixed + diff.broken + diff.changed)} if diff else {}
    script_hash = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:"
    body = (_header(run, title) + (diff_section(diff, cases) if diff else "") + summary_section(run, diff)
            + by_type_section(cases) + latency_section(cases)
            + f'<h2 id="cases">Cases</h2>{case_table(cases, flips)}')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)}</title>'
            f"<style>{CSS}</style></head><body><main>{body}</main><script>{JS}</script></body></html>")
