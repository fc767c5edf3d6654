"""Texts people write for documents: Markdown shown safely, and a Word reading copy.

:func:`render_markdown` turns the Markdown an officer writes (an agreement's articles, a
call's notes) into HTML that is safe to put in a page; :func:`docx_from_html_parts` writes a
simple .docx of a document's sections, from that HTML or from plain text, for people who
want to read or annotate it in a word processor.
"""

import io
import re
from html.parser import HTMLParser

import nh3
from django.utils.safestring import SafeString, mark_safe
from docx import Document
from docx.shared import Cm, Pt
from markdown_it import MarkdownIt

# Raw HTML is not passed through (html=False): what a person typed between angle brackets
# is shown as typed, never run. nh3 then keeps only the tags below, as a second line.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    # A table column's alignment, which markdown-it writes as a style: only text-align is kept.
    "th": {"style"},
    "td": {"style"},
}


def render_markdown(text: str) -> SafeString:
    """The HTML of `text` (CommonMark with tables), sanitised for a page."""
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer nofollow",
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


# --- Word reading copy --------------------------------------------------------------------

_TAG = re.compile(r"<[a-zA-Z/!]")
_SPACES = re.compile(r"\s+")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "tr"}


def docx_from_html_parts(title: str, sections: list[tuple[str, str]]) -> bytes:
    """A .docx with `title` and, for each `(heading, body)`, a heading and its text.

    A body is either HTML (as :func:`render_markdown` gives: paragraphs, headings, lists,
    tables, bold and italic) or plain text (paragraphs split at blank lines).
    """
    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "it-IT"
    document.add_heading(title, level=0)
    for heading, body in sections:
        document.add_heading(heading, level=1)
        if _TAG.search(body or ""):
            writer = _DocxWriter(document)
            writer.feed(body)
            writer.close()
        else:
            _add_plain_text(document, body or "")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_plain_text(document, text: str) -> None:
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not any(lines):
            continue
        paragraph = document.add_paragraph()
        for number, line in enumerate(lines):
            if number:
                paragraph.add_run().add_break()
            paragraph.add_run(line)


class _DocxWriter(HTMLParser):
    """Writes the tags :func:`render_markdown` lets through as Word paragraphs and runs."""

    def __init__(self, document):
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = None
        self.bold = 0
        self.italic = 0
        self.code = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list] = []  # [kind, next number] per open list
        self.href: str | None = None
        self.table: list[list[tuple[str, bool]]] | None = None
        self.cell: list[str] | None = None
        self.cell_is_header = False

    # Paragraphs --------------------------------------------------------------------------

    def _new_paragraph(self, tag: str):
        if tag.startswith("h") and tag[1:].isdigit():
            # Section headings are level 1: a heading inside a section goes one below.
            self.paragraph = self.document.add_heading(level=min(int(tag[1:]) + 1, 9))
            return
        self.paragraph = self.document.add_paragraph()
        if tag == "li" and self.lists:
            kind = self.lists[-1]
            if kind[0] == "ol":
                marker = f"{kind[1]}. "
                kind[1] += 1
            else:
                marker = "• "
            self.paragraph.paragraph_format.left_indent = Cm(0.75 * len(self.lists))
            self.paragraph.paragraph_format.first_line_indent = Cm(-0.5)
            self.paragraph.add_run(marker)
        elif self.quote:
            self.paragraph.paragraph_format.left_indent = Cm(1)

    def _text(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
            return
        if not self.pre:
            text = _SPACES.sub(" ", text)
            if self.paragraph is None or not self.paragraph.text:
                text = text.lstrip()
            if not text:
                return
        if self.paragraph is None:
            self._new_paragraph("p")
        run = self.paragraph.add_run(text)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
        if self.code or self.pre:
            run.font.name = "Courier New"
            run.font.size = Pt(10)

    # Parser callbacks --------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("ul", "ol"):
            start = attributes.get("start") or "1"
            self.lists.append([tag, int(start) if start.isdigit() else 1])
            self.paragraph = None
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
            self.cell_is_header = tag == "th"
        elif tag in _BLOCKS:
            if tag == "pre":
                self.pre += 1
            if tag == "blockquote":
                self.quote += 1
                self.paragraph = None
                return
            if self.cell is None:
                self._new_paragraph(tag)
        elif tag == "strong":
            self.bold += 1
        elif tag == "em":
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.href = attributes.get("href")
        elif tag == "br":
            if self.cell is not None:
                self.cell.append("\n")
            elif self.paragraph is not None:
                self.paragraph.add_run().add_break()
        elif tag == "hr":
            self.paragraph = None
            self.document.add_paragraph("―" * 10)

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.paragraph = None
        elif tag in ("td", "th") and self.cell is not None and self.table:
            text = _SPACES.sub(" ", "".join(self.cell)).strip()
            self.table[-1].append((text, self.cell_is_header))
            self.cell = None
        elif tag == "table" and self.table is not None:
            self._write_table(self.table)
            self.table = None
            self.paragraph = None
        elif tag == "strong":
            self.bold = max(self.bold - 1, 0)
        elif tag == "em":
            self.italic = max(self.italic - 1, 0)
        elif tag == "code":
            self.code = max(self.code - 1, 0)
        elif tag == "a":
            href, self.href = self.href, None
            if href and href.startswith(("http://", "https://", "mailto:")):
                self._text(f" ({href.removeprefix('mailto:')})")
        elif tag in _BLOCKS:
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)
            if tag != "li" or not self.lists:
                self.paragraph = None

    def handle_data(self, data):
        if self.pre and self.paragraph is not None and not self.paragraph.text:
            data = data.lstrip("\n")
        if self.pre:
            data = data.rstrip("\n") if data.endswith("\n") else data
        self._text(data)

    def _write_table(self, rows: list[list[tuple[str, bool]]]) -> None:
        rows = [row for row in rows if row]
        if not rows:
            return
        columns = max(len(row) for row in rows)
        table = self.document.add_table(rows=len(rows), cols=columns)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, (text, header) in enumerate(row):
                cell = table.cell(r, c)
                cell.text = ""
                run = cell.paragraphs[0].add_run(text)
                run.bold = header or None
