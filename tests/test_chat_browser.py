"""The chat a user keeps open, in a real headless Chromium (one app for the module): evidence shows
before the answer, Esc stops a long answer, the conversation survives a reload and can be reopened
and downloaded, settings in one browser leave another alone, and the page reads at 1400 px and at
390 px (screenshots in test-artifacts/chat-1400.png, chat-390.png, chat-stopped.png)."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import serve_seeds
from test_browser import ARTIFACTS, CHROMIUM, FLAGS

pytestmark = pytest.mark.slow

QUESTION = "Which country mediated the indirect talks between Iran and the US?"
LONG = ("Write a very long detailed essay about everything the articles say about the talks, Iran, Oman and the "
        "United States.")  # ~120 tokens from the tiny model at temperature 0: time to press Esc
WAIT = 300_000  # ms: an answer on 2 busy cores


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, embedder, tiny_llm):
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve_seeds(tmp_path_factory.mktemp("chatui") / "ws", embedder, tiny_llm, max_tokens=128, k=4) as (demo, *_):
        with sync_api.sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
            try:
                yield chromium, demo.local_url
            finally:
                chromium.close()


def _open(browser, width: int = 1400):
    chromium, url = browser
    context = chromium.new_context(viewport={"width": width, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.locator("#rag-docs >> text=DailyBeat >> visible=true").first.wait_for(timeout=60_000)
    return context, page


def _ask(page, question: str) -> None:
    page.fill("#rag-question textarea", question)
    page.press("#rag-question textarea", "Enter")  # Enter sends


def test_ask_stop_reload_reopen_and_download(browser, tmp_path: Path):
    context, page = _open(browser)
    try:
        _ask(page, QUESTION)
        page.wait_for_selector("#rag-chat .rag-evidence >> text=Reading", timeout=WAIT)  # evidence first
        page.wait_for_selector("#rag-chat .rag-timing", timeout=WAIT)  # then the verified answer
        assert page.locator("#rag-chat .rag-evidence").count() == 0  # replaced by the answer
        page.screenshot(path=str(ARTIFACTS / "chat-1400.png"), full_page=True)
        header = page.locator("#rag-docs >> text=Outlet >> visible=true").first.bounding_box()
        row = page.locator("#rag-docs >> text=DailyBeat >> visible=true").first.bounding_box()
        assert header["height"] < 60 and row["height"] < 45  # one line each, no "publish/er"

        page.click("#rag-new-chat")  # a fresh conversation: no follow-up rewrite before the long answer
        page.wait_for_selector(f"#rag-chat >> text={QUESTION}", state="detached", timeout=30_000)
        _ask(page, LONG)
        page.wait_for_function("() => { const s = document.querySelectorAll('#rag-chat .rag-streaming');"
                               " return s.length > 0 && /\\w{3}/.test(s[s.length - 1].innerText); }", timeout=WAIT)
        page.keyboard.press("Escape")  # Esc stops
        page.wait_for_selector("#rag-chat .rag-stopped-label", timeout=30_000)
        assert page.locator("#rag-chat .rag-streaming").count() == 0 and page.locator("#rag-ask").is_enabled()
        page.screenshot(path=str(ARTIFACTS / "chat-stopped.png"), full_page=True)

        page.reload()
        page.wait_for_selector("#rag-chat .rag-stopped-label", timeout=60_000)  # kept in the browser
        assert page.locator(f"#rag-chat >> text={LONG}").count() == 1

        page.click("#rag-export-chat")
        link = page.wait_for_selector("#rag-download a[href]", timeout=30_000)
        md = httpx.get(httpx.URL(page.url).join(link.get_attribute("href")), timeout=60).text
        assert f"## {LONG}" in md and "**Sources**" in md and "Stopped" in md

        page.click("#rag-conversations input")  # the first conversation, from the list of past ones
        page.click(f"li[role=option]:has-text('{QUESTION[:40]}')")
        page.wait_for_selector(f"#rag-chat >> text={QUESTION}", timeout=30_000)
        assert page.locator("#rag-chat .rag-checked, #rag-chat .rag-abstain").count() == 1
    finally:
        context.close()


def test_settings_in_one_browser_leave_another_alone(browser):
    (ctx_a, a), (ctx_b, b) = _open(browser), _open(browser)
    try:
        a.click("text=Settings (this browser only)")
        k = a.locator("#rag-k input[type=number]")
        k.wait_for(state="visible", timeout=WAIT)
        synced = "document.querySelector('#rag-k input[type=range]').value === '1'"
        for _ in range(5):  # on a loaded machine the accordion may still be opening when the first fill lands
            k.fill("1")
            k.press("Tab")
            if a.evaluate(f"() => new Promise(r => setTimeout(() => r({synced}), 2000))"):
                break
        a.wait_for_function(synced, timeout=10_000)
        for page in (a, b):
            _ask(page, QUESTION)
        for page in (a, b):
            page.wait_for_selector("#rag-chat .rag-timing", timeout=2 * WAIT)
        assert "retrieval" in a.locator("#rag-chat .rag-timing").inner_text()
        assert "1 passage ·" in a.locator("#rag-chat .rag-timing").inner_text()  # k = 1 here
        assert "1 passage ·" not in b.locator("#rag-chat .rag-timing").inner_text()  # the default k there
        b.click("text=Settings (this browser only)")
        assert b.locator("#rag-k input[type=number]").input_value() == "4"
    finally:
        ctx_a.close()
        ctx_b.close()


def test_phone_width_and_keyboard(browser):
    context, page = _open(browser, width=390)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, width  # nothing wider than the phone
        for sel in ("#rag-question textarea", "#rag-ask", "#rag-stop", "#rag-chat"):
            box = page.locator(sel).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 392, (sel, box)
        page.focus("#rag-question textarea")
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none")  # focus is visible
        page.screenshot(path=str(ARTIFACTS / "chat-390.png"), full_page=True)
    finally:
        context.close()
