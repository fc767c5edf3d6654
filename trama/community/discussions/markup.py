"""Posts' Markdown: rendered once, when saved, and sanitised; links counted; mentions found."""

import re

import nh3
from markdown_it import MarkdownIt

# Raw HTML is shown as typed (html=False); nh3 then keeps only the tags below. No images: a
# post can't make readers' browsers fetch from elsewhere, nor carry huge pictures.
_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_markdown.disable("image")

TAGS = {
    "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "s", "a", "code", "pre",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_LINK = re.compile(r"<a\s[^>]*href=", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@/])@([^\W_][\w.'’-]{0,59})", re.UNICODE)
_NOT_HANDLE = re.compile(r"[\W_]+", re.UNICODE)


def render(source: str) -> str:
    """Sanitised HTML of a post's Markdown (headings start at level 3, under the page's)."""
    html = _markdown.render(source or "")
    # A post's headings sit below the thread's title: # becomes h3, ## h4, and so on.
    html = re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", html)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        link_rel="noopener noreferrer nofollow ugc",
        url_schemes={"http", "https", "mailto"},
    )


def count_links(html: str) -> int:
    return len(_LINK.findall(html))


def handle(text: str) -> str:
    """A name as typed after @: lower case, letters and digits only ("Anna Bianchi" and
    "@anna.bianchi" are both "annabianchi")."""
    return _NOT_HANDLE.sub("", text).lower()


def mentioned_handles(source: str, limit: int = 10) -> list[str]:
    """The handles mentioned in `source` (outside code), at most `limit`, in order."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", source or "", flags=re.DOTALL)
    seen = []
    for match in _MENTION.finditer(text):
        value = handle(match[1])
        if value and value not in seen:
            seen.append(value)
        if len(seen) == limit:
            break
    return seen


def quote(source: str, name: str) -> str:
    """The Markdown that quotes a post: its author's name, then its text as a blockquote."""
    lines = (source or "").strip().splitlines() or [""]
    return f"**{name}:**\n\n" + "\n".join(f"> {line}" if line else ">" for line in lines) + "\n\n"
