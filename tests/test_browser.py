"""The chat in a real headless Chromium (the system one; nothing downloads a browser): ask a question,
see the verified answer's source card with its highlighted quote, and no script from an article runs.
Saves test-artifacts/chat.png."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, serve_seeds
from gradio_client import Client, handle_file

from rag.core.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# The title of seed 000, asked verbatim: retrieval puts that article's first chunk on top with a high
# similarity, so the tiny model's answer either verifies against it (a cited source card) or abstains
# with that passage as the closest one (a "Closest passage" card). Either way a card with <mark> shows.
QUESTION = "Iran's Foreign Minister Says Omani-Mediated Talks with US Were a 'Good Start'"
HOSTILE = ('<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> Atlantis harbour\n'
           'The harbour of Atlantis reopened <b onmouseover="window.__xss = 3">after repairs</b>, officials said.\n')

pytestmark = pytest.mark.slow



@pytest.fixture()
def chat_url(tmp_path: Path, embedder, tiny_llm):
    with serve_seeds(tmp_path / "ws", embedder, tiny_llm, max_tokens=48, k=4) as (demo, _, _):
        hostile = tmp_path / "atlantis.txt"
        hostile.write_text(HOSTILE, encoding="utf-8")
        Client(demo.local_url, verbose=False).predict([handle_file(str(hostile))], api_name="/upload")
        yield demo.local_url


def test_answer_shows_a_source_card_with_the_quote_highlighted(chat_url: str):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(chat_url)
            page.locator("#rag-docs >> text=Atlantis harbour >> visible=true").first.wait_for(timeout=30_000)  # the hostile title, as text
            page.fill("#rag-question textarea", QUESTION)
            page.click("#rag-ask")
            page.wait_for_selector("#rag-chat .rag-timing", timeout=300_000)  # the verified answer is in
            for details in page.query_selector_all("#rag-chat details.rag-sources"):
                details.evaluate("d => d.open = true")
            mark = page.wait_for_selector("#rag-chat .rag-source mark", state="visible", timeout=10_000)
            assert mark.inner_text().strip()
            card = page.query_selector("#rag-chat .rag-source")
            assert card.query_selector("code").inner_text() in {f.stem for f in SEEDS.iterdir()}
            page.query_selector("#rag-chat .rag-answer").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
            assert page.evaluate("window.__xss") is None and not dialogs
            assert page.query_selector_all("#rag-chat script, #rag-docs script, #rag-filter script") == []
        finally:
            browser.close()


def test_choosing_a_story_shows_only_its_articles(chat_url: str):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(chat_url)
            page.locator("#rag-docs >> text=Atlantis harbour >> visible=true").first.wait_for(timeout=30_000)
            page.click("#rag-story input")
            page.click("li[role=option]:has-text('3 articles')")  # the seeds' story; Atlantis is a story of its own
            page.locator("#rag-docs >> text=Atlantis harbour").first.wait_for(state="detached", timeout=30_000)
            assert len(page.query_selector_all("#rag-filter input[type=checkbox]")) == 3
        finally:
            browser.close()
