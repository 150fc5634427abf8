"""Shared by the employer tests: the text of a page as a person reads it, and its parts."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed (entities left as the browser shows them)."""
    import html as entities
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


class _Items(HTMLParser):
    """The text of each element with a given class (nested elements of that class not expected)."""

    def __init__(self, cls: str):
        super().__init__()
        self.cls, self.depth, self.items, self.attrs = cls, 0, [], []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in ("br", "input", "img", "meta", "link", "hr")
        elif self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.items.append("")
            self.attrs.append(dict(attrs))

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.items[-1] += " " + data


def items(html: str, cls: str) -> list[tuple[dict, str]]:
    """(attributes, words) of each element of class `cls`, in page order."""
    parser = _Items(cls)
    parser.feed(html)
    return [(a, re.sub(r"\s+", " ", t).strip()) for a, t in zip(parser.attrs, parser.items)]
