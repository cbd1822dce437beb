"""The style sheet and the one small script of the HTML eval report, inlined into every file.

Does: hold the CSS and the filter/expand script as text. The script reads only the page's own
elements and `data-` attributes; it never writes HTML (no innerHTML), so text from a report cannot
become markup through it.
Does not: build the page (`rag.evaluation.html`) or load anything from the network.
"""
from __future__ import annotations

CSS = """
:root { --ok: #2f855a; --bad: #c53030; --warn: #c05621; --muted: #5a6472; --line: #d9dde3; --bg: #f7f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c; margin: 0; background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 18px 22px 60px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 6px; } .meta, .muted { color: var(--muted); } .meta code { font-size: 12px; }
.status { display: inline-block; padding: 3px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
.status.ok { background: var(--ok); } .status.bad { background: var(--bad); }
table { border-collapse: collapse; background: #fff; } th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: var(--ok); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; }
.groups { display: flex; flex-wrap: wrap; gap: 14px; } .group { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.group h3 { margin: 0 0 6px; text-transform: capitalize; }
.chart { display: block; max-width: 100%; height: auto; } .scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
.changes { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.flips { display: flex; gap: 24px; flex-wrap: wrap; } .flips ul { margin: 4px 0; padding-left: 18px; }
.fixed { color: var(--ok); } .broken { color: var(--bad); }
.filters { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
.filters select, .filters input { font: inherit; padding: 3px 6px; }
details.case { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 4px 0; }
details.case[hidden] { display: none; }
details.case > summary { display: grid; grid-template-columns: 170px 96px 250px 1fr 64px; gap: 10px; padding: 6px 10px; cursor: pointer; align-items: baseline; }
details.case > summary > * { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
details.case > summary > .outcome { white-space: normal; }
details.case[open] > summary { border-bottom: 1px solid var(--line); background: #f3f5f8; }
.body { padding: 8px 14px 14px; } .body pre { white-space: pre-wrap; background: #f3f5f8; padding: 6px 8px; border-radius: 4px; margin: 4px 0; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.o-right { background: #2f855a; } .o-wrong { background: #c53030; } .o-false-abstention { background: #dd6b20; }
.o-rightly-abstained { background: #2c7a7b; } .o-answered-but-unanswerable { background: #97266d; }
.o-retrieved { background: #4a6fa5; } .o-missed { background: #744210; } .o-unscored { background: #718096; }
.was { font-size: 12px; color: var(--muted); }
ol.sentences { padding-left: 20px; } ol.sentences li { margin: 6px 0; }
.sent.ok > .text { border-left: 4px solid var(--ok); padding-left: 6px; } .sent.bad > .text { border-left: 4px solid var(--bad); padding-left: 6px; }
.quote { margin: 3px 0 3px 14px; font-size: 13px; } .quote blockquote { margin: 2px 0 0 0; }
mark { background: #fdf2a8; padding: 0 1px; } mark.rejected { background: #fed7d7; }
.passage { border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; margin: 4px 0; }
.passage .text { max-height: 160px; overflow-y: auto; font-size: 13px; white-space: pre-wrap; }
.gold-doc { color: var(--ok); font-weight: 600; } .kv td:first-child { color: var(--muted); }
.nr { color: var(--muted); font-style: italic; }
"""

JS = """
(function () {
  var type = document.getElementById('f-type'), out = document.getElementById('f-outcome');
  var text = document.getElementById('f-text'), count = document.getElementById('f-count');
  var cases = Array.prototype.slice.call(document.querySelectorAll('details.case'));
  function apply() {
    var term = text.value.toLowerCase(), shown = 0;
    cases.forEach(function (c) {
      var ok = (!type.value || c.dataset.type === type.value) &&
               (!out.value || c.dataset.outcome === out.value || (out.value === '*flipped' && c.dataset.flip)) &&
               (!term || c.textContent.toLowerCase().indexOf(term) >= 0);
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + ' of ' + cases.length + ' cases';
  }
  function openTarget() {
    var el = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (el && el.tagName === 'DETAILS') { el.hidden = false; el.open = true; }
  }
  function setAll(open) { cases.forEach(function (c) { if (!c.hidden) { c.open = open; } }); }
  type.addEventListener('change', apply); out.addEventListener('change', apply); text.addEventListener('input', apply);
  document.getElementById('expand-all').addEventListener('click', function () { setAll(true); });
  document.getElementById('collapse-all').addEventListener('click', function () { setAll(false); });
  window.addEventListener('hashchange', openTarget);
  apply(); openTarget();
})();
"""
