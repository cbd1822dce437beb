"""The HTML eval report in a real headless Chromium (Debian's; nothing downloads a browser), with every
non-file request blocked: the summary, a chart, an expanded case with a highlighted quote, and the
"false abstention" filter showing the rejected sentence. Saves test-artifacts/eval-report.png."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_browser import CHROMIUM, FLAGS
from test_eval_report import REAL, hostile_run

from rag.core.config import PROJECT_ROOT
from rag.evaluation.diff import diff_runs
from rag.evaluation.html import render_html

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SHORTCUT = REAL.with_name("eval-seeds-shortcut-2026-11-21.json")  # the ALCE baseline on the same suite

pytestmark = pytest.mark.slow


def test_report_opens_offline_shows_evidence_and_filters(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    run = hostile_run(pad=False)
    real = json.loads(REAL.read_text())
    run["config"], run["warnings"] = real["config"], real["warnings"]  # hostile text stays in one case: a readable screenshot
    report = tmp_path / "eval-report.html"
    report.write_text(render_html(run, diff_runs(json.loads(SHORTCUT.read_text()), run, SHORTCUT.name, REAL.name)))
    ARTIFACTS.mkdir(exist_ok=True)
    attempted: list[str] = []
    dialogs: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 1000})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            assert page.locator("#summary").is_visible() and page.locator("#changes").is_visible()
            assert page.locator("svg.chart rect.bar").first.is_visible()
            broken = page.locator(".flips > div", has=page.locator("h3.broken")).locator("a").first
            target = broken.get_attribute("href")
            broken.click()  # a flipped case links to its row, which opens
            page.locator(f"details.case{target}[open]").wait_for(state="visible", timeout=5_000)
            page.locator(f"details.case{target} > summary").click()
            first = page.locator("details.case").first  # envoy-us: the real run's answer, cited and verified
            first.locator("summary").click()
            mark = first.locator("mark").first
            mark.wait_for(state="visible", timeout=5_000)
            assert "Witkoff" in mark.inner_text()
            page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
            page.select_option("#f-outcome", "false abstention")
            shown = page.locator("details.case:visible")
            assert shown.count() >= 2
            assert {shown.nth(i).get_attribute("data-outcome") for i in range(shown.count())} == {"false abstention"}
            moon = page.locator("details.case:visible", has_text="Moon in 1850")
            moon.locator("summary").click()
            rejected = moon.locator(".sent.bad", has_text="The talks were held on the Moon in 1850")
            rejected.wait_for(state="visible", timeout=5_000)
            assert rejected.locator("mark.rejected").count() == 1
            moon.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "eval-report-false-abstention.png"), full_page=False)
            assert page.evaluate("window.__xss") is None and not dialogs
        finally:
            browser.close()
    assert attempted == []
