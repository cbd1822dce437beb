"""Tell pages that are not articles from articles: what a crawler saved instead of the story.

`junk_reason(title, text)` names the kind of page — an error page ("page cannot be found",
"Unable to process request ... error 999"), access denied, a cookie/consent or JavaScript wall, a
paywall, a bot check, an empty template (placeholders, lorem ipsum) or a navigation-only page (many
short link lines and not one sentence) — or returns None for an article.

A phrase alone never condemns a page: real articles quote "access denied" or "subscribe". A page is
junk when its *short* text is dominated by such phrases (at least two different ones, or one in the
title), so a 1,000-word story that mentions an error message stays. Checked on the 103 real
articles of corpora/wikinews-dev (2 junk pages found, no real article flagged) and on the seeds.

Does not read files, clean text, or judge whether an article is on topic or well written.
"""
from __future__ import annotations

import re

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    ("an error page", r"\b(?:page|document|file|article|url)s?\b[^.\n]{0,60}\b(?:cannot|could not|can't|couldn't)"
                      r" be (?:found|displayed)|\b(?:page|document) not found\b|\bno longer (?:available|exists)\b"
                      r"|\b(?:temporarily )?unavailable\b|\bunable to process (?:your |the |this )?request\b"
                      r"|\berror (?:code:? )?(?:4\d\d|5\d\d|999)\b|\b(?:404|500|503) (?:error|not found)\b"
                      r"|\binternal server error\b|\bbad gateway\b|\bmight have been removed\b"
                      r"|\bmake sure that it is spelled correctly\b|\b(?:click|press) the back button\b"),
    ("an access-denied page", r"\baccess (?:is )?denied\b|\b403 forbidden\b|\byou (?:do not|don't) have permission to"
                              r" (?:access|view)\b|\byour (?:ip|access) (?:address )?has been blocked\b"),
    ("a cookie or consent wall", r"\b(?:enable|accept|allow) (?:all )?cookies\b|\bcookies? (?:are|is) (?:disabled|"
                                 r"required|blocked)\b|\bwe use cookies\b|\bmanage (?:your )?(?:cookie|consent|privacy)"
                                 r" (?:settings|preferences|choices)\b|\bconsent to (?:the use of|our use of) cookies\b"),
    ("a JavaScript or bot check", r"\b(?:enable|turn on) javascript\b|\bjavascript (?:is )?(?:disabled|required)\b"
                                  r"|\bare you a (?:robot|human)\b|\bverify (?:that )?you are (?:a )?human\b"
                                  r"|\bchecking your browser\b|\bcaptcha\b"),
    ("a paywall", r"\bsubscribe (?:now )?to (?:continue|read|view)\b|\bto continue reading\b|\bsubscribers? only\b"
                  r"|\b(?:purchase|buy) this article\b|\bfull[- ]text articles?\b|\balready a (?:personal )?"
                  r"subscriber\b|\b(?:log ?in|sign ?in|register) to (?:read|continue|view|access)\b|\bsite licen[cs]e\b"
                  r"|\binstitutional (?:customers|subscribers)\b|\bmust be a registered user\b"),
    ("an empty template", r"\{\{\s*[\w.]+\s*\}\}|\{%\s*\w+|\$\{\w+\}|%%\w+%%|\blorem ipsum\b|\[(?:insert|headline|title|"
                          r"body) [^\]]{0,30}\]"),
))
SHORT_WORDS = 400  # junk pages measured in wikinews-dev: 110 and 212 words; the shortest real article: 86
_SENTENCE = re.compile(r"\b\w+ \w+ \w+\b[^\n]*?[.!?][\"')\]]*(?:\s|$)")  # three words, then an end mark


def junk_reason(title: str, text: str) -> str | None:
    """Why this page is not an article ("an error page: 'cannot be found', ..."), or None."""
    words = len(text.split())
    if words > SHORT_WORDS:
        return None
    for kind, pattern in _KINDS:
        found = _distinct(pattern, text)
        in_title = pattern.search(title or "") is not None
        if len(found) >= 2 or (in_title and found) or (kind == "an empty template" and found):
            return f"{kind} ({', '.join(repr(f) for f in found[:2])})"
    if _navigation_only(text):
        return "a navigation-only page (short link lines, no sentences)"
    return None


def _distinct(pattern: re.Pattern[str], text: str) -> list[str]:
    seen: dict[str, None] = {}
    for m in pattern.finditer(text):
        seen.setdefault(" ".join(m.group(0).lower().split()), None)
    return list(seen)


def _navigation_only(text: str) -> bool:
    """At least 8 lines, nearly all of at most four words, and no sentence anywhere."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 8:
        return False
    short = sum(len(line.split()) <= 4 for line in lines)
    return short / len(lines) >= 0.9 and _SENTENCE.search(text) is None
