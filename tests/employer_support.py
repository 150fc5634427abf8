"""Shared by the employer tests: the text of a page as a person reads it, and its parts."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed (entities left as the browser shows them)."""
    import html as entities
    return re.sub(r"\s+", " ", entities.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


VOID = ("br", "input", "img", "meta", "link", "hr", "col", "source", "wbr")


class _Items(HTMLParser):
    """The text of each element with a given class; an element of that class inside another is
    an item of its own, and its words count for both."""

    def __init__(self, cls: str):
        super().__init__()
        self.cls, self.open, self.items, self.attrs = cls, [], [], []   # open: [index, depth]

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        for entry in self.open:
            entry[1] += 1
        if self.cls in (dict(attrs).get("class") or "").split():
            self.open.append([len(self.items), 1])
            self.items.append("")
            self.attrs.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for entry in self.open:
            entry[1] -= 1
        self.open = [entry for entry in self.open if entry[1] > 0]

    def handle_data(self, data):
        for index, _ in self.open:
            self.items[index] += " " + data


def items(html: str, cls: str) -> list[tuple[dict, str]]:
    """(attributes, words) of each element of class `cls`, in page order."""
    parser = _Items(cls)
    parser.feed(html)
    return [(a, re.sub(r"\s+", " ", t).strip()) for a, t in zip(parser.attrs, parser.items)]
