"""An event's description as plain text: many calendars (Google, Outlook) write HTML.

Our descriptions are plain text, shown with their line breaks. So HTML keeps its shape in
text form: paragraphs and headings become blocks separated by an empty line, line breaks
stay line breaks, list items become lines starting with "- ", and the contents of script,
style and similar elements are dropped entirely (not only their tags: the text inside a
<script> is code, never words for residents). Links keep their words, not their address.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Looks like HTML: a tag of an element calendar programs write ("3 <5 and 6> 2" is not).
_TAG = re.compile(
    r"</?(p|br|div|span|b|i|u|s|em|strong|a|ul|ol|li|h[1-6]|table|tr|td|th|tbody|thead|"
    r"font|img|hr|blockquote|pre|sup|sub|small|big|code|html|head|body|title|meta|style|"
    r"script|section|article|header|footer|dl|dt|dd|center)(\s[^<>]*)?/?>",
    re.IGNORECASE,
)
#: Elements whose contents are not text for people.
_DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"}
#: Elements that stand on their own lines, separated by an empty line.
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
#: Elements that start a new line of their own.
_LINES = {"li", "tr", "dt", "dd", "hr"}


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _DROPPED:
            self.dropping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in _DROPPED:  # <br/>, <hr/>; an empty <script/> has nothing to drop
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            if tag in self.dropping:
                while self.dropping.pop() != tag:
                    pass
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        # A line (<li>, <tr>) ends where the next one or its block starts.

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            # Whitespace in HTML is only a separator; line breaks come from the tags.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The HTML as plain text with its paragraphs, line breaks and list items kept."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines: list[str] = []
    bullet = False  # an item whose words start on a later line (<li><p>...)
    for line in "".join(maker.parts).split("\n"):
        line = re.sub(r"^-\s+", "- ", line.strip())
        if line == "-":
            bullet = True
            continue
        if bullet and line:
            line, bullet = "- " + line, False
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_description(text: str) -> str:
    """A DESCRIPTION as we keep it: plain text as it is, HTML turned into text."""
    text = text.strip()
    return html_to_text(text) if looks_like_html(text) else text
