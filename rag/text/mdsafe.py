"""Untrusted text (articles, titles, file names, model output) made safe to put in Markdown.

One home for the escaping that the chat, the API and the downloadable brief share: no HTML tag or
entity can form, Markdown formatting is kept. It does not render Markdown or HTML.
"""
from __future__ import annotations


def md_safe(markdown: str) -> str:
    """Markdown with untrusted parts: keep its formatting, but no HTML tag or entity can form."""
    return markdown.replace("&", "&amp;").replace("<", "&lt;")


def md_escape(text: str) -> str:
    """Untrusted text to put in Markdown, also inside `code`: md_safe, and no backticks."""
    return md_safe(text).replace("`", "'")
