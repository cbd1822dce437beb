"""The downloadable brief (.md) escapes raw HTML from article titles and text exactly as the chat
does (rag.text.mdsafe, one home), while the brief's own Markdown formatting stays."""
from __future__ import annotations

from rag.briefing.brief import Brief, BriefSource, Point, Said, render_markdown
from rag.text.mdsafe import md_safe
from rag.web.render import md_safe as ui_md_safe

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def _brief() -> Brief:
    src = BriefSource(1, "evil", f"Harbour {SCRIPT} reopens", f"Daily {IMG}", "2026-01-01", "evil.html")
    point = Point(f"The harbour {IMG} reopened & ships <b>docked</b>.", (1,), ("evil",))
    said = Said(f"Mayor {SCRIPT}", f"We are {IMG} back", "s", 1, "evil", "Daily")
    return Brief(f"Harbour {SCRIPT}", f"topic {IMG}", (point,), (point,), (point,), (), (said,), (point,), (src,))


def test_brief_markdown_holds_no_raw_html():
    md = render_markdown(_brief())
    assert "<script" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script>alert(1)&lt;/script>" in md and "&amp; ships" in md
    assert md.startswith("# Harbour") and "## Key points" in md and "**Mayor" in md  # formatting kept


def test_one_escaping_for_the_chat_and_the_download():
    assert ui_md_safe is md_safe
    raw = render_markdown(_brief(), safe=False)
    assert render_markdown(_brief()) == md_safe(raw)
