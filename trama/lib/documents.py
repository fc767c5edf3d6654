"""Documents people write in Markdown, shown as safe HTML."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# CommonMark with tables; raw HTML in the text is escaped, and nh3 cleans what is left.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """The Markdown `text` as sanitised HTML, safe to put in a page."""
    return mark_safe(nh3.clean(_markdown.render(text or "")))  # noqa: S308 — cleaned by nh3
