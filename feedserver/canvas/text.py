"""Canvas rich-text HTML to plain text, for calendar descriptions.

Calendar apps show DESCRIPTION as plain text, and we keep no more of a
description than a student reads there. The stdlib HTML parser is lenient
with the broken markup rich-text editors produce; block elements become line
breaks, list items bullets, and script/style contents are dropped.

Every student of a course gets the same descriptions from Canvas, so a
process remembers the text of the last `CACHED_DESCRIPTIONS` descriptions
(up to `CACHED_HTML_LIMIT` characters of HTML each): the first student of a
course pays for the parsing, the others do not.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

__all__ = ["CACHED_DESCRIPTIONS", "CACHED_HTML_LIMIT", "html_to_text"]

#: Descriptions whose text a process keeps, and the longest HTML kept (memory: at most ~20 MiB).
CACHED_DESCRIPTIONS = 1024
CACHED_HTML_LIMIT = 16_384

_BLOCK = frozenset({
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
    "blockquote", "pre", "hr", "section", "article", "header", "footer",
})
_SKIP = frozenset({"script", "style", "head", "title"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str | None, limit: int | None = None) -> str:
    """Readable plain text of `html`, whitespace tidied; cut to `limit` characters with "…"."""
    if not html:
        return ""
    if len(html) <= CACHED_HTML_LIMIT:
        return _cached_text(html, limit)
    return _text(html, limit)


@functools.lru_cache(maxsize=CACHED_DESCRIPTIONS)
def _cached_text(html: str, limit: int | None) -> str:
    return _text(html, limit)


def _text(html: str, limit: int | None) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text
