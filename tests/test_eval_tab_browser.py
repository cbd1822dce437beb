"""The chat's Eval tab in a real headless Chromium (the system one): run the seed suite retrieval-only
(no chat model is asked), then see the verdict, the metric table and a case row, and the report
offered for download; then open a saved JSON report. Saves test-artifacts/eval-tab.png."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import serve_seeds

from rag.core.config import PROJECT_ROOT
from rag.evaluation.cases import load_suite

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SEEDS_SUITE = PROJECT_ROOT / "tests" / "eval" / "seeds.yaml"

pytestmark = pytest.mark.slow


def test_eval_tab_runs_the_seed_suite_and_shows_summary_and_cases(tmp_path: Path, embedder, tiny_llm):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    first = next(c for c in load_suite(SEEDS_SUITE).cases if c.type != "briefing")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve_seeds(tmp_path / "ws", embedder, tiny_llm, k=4) as (demo, _, _), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(demo.local_url)
            page.get_by_role("tab", name="Eval").click()
            page.click("#rag-eval-suite input")
            page.click("li[role=option]:has-text('seeds.yaml')")
            page.get_by_role("radio", name="retrieval-only", exact=True).check()
            page.click("#rag-eval-run")
            summary = page.wait_for_selector("#rag-eval-summary h3", timeout=120_000)
            assert summary.inner_text().startswith(("PASS", "FAIL"))
            assert page.locator("#rag-eval-summary td", has_text="hit_at_k").first.is_visible()
            cell = page.locator("#rag-eval-cases").get_by_text(first.id, exact=True).last
            cell.wait_for(state="visible", timeout=10_000)
            rows = page.locator("#rag-eval-cases").inner_text()  # the rendered text, cell by cell
            assert re.search(rf"{re.escape(first.id)}\s+{first.type}\s+(retrieved|missed)\s", rows)
            page.wait_for_selector("#rag-eval-downloads >> text=.html", timeout=10_000)
            page.wait_for_selector("#rag-eval-downloads >> text=.json", timeout=10_000)
            page.screenshot(path=str(ARTIFACTS / "eval-tab.png"), full_page=True)
            saved = tmp_path / "saved.json"  # open a saved report: its own cases replace the run's
            saved.write_text(json.dumps({"suite": "old.yaml", "summary": {"hit_at_k": 0.5}, "thresholds": {"hit_at_k": 0.9},
                                         "failed": ["hit_at_k 0.500 < 0.900"], "cases": [
                {"id": "saved-case-1", "type": "factual", "answer": "<b>Oman</b>", "abstained": False,
                 "metrics": {"answer_accuracy": False}}]}), encoding="utf-8")
            page.click("#rag-eval-tab button:has-text('Open a saved report')")
            page.set_input_files("#rag-eval-open input[type=file]", str(saved))
            page.locator("#rag-eval-cases").get_by_text("saved-case-1", exact=True).last.wait_for(timeout=30_000)
            assert page.locator("#rag-eval-summary h3").inner_text().startswith("FAIL")
            assert page.locator("#rag-eval-cases").get_by_text("<b>Oman</b>", exact=True).last.is_visible()  # as text
        finally:
            browser.close()
