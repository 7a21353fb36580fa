"""Posts from Markdown to safe HTML (issue 6 point 1; SECURITY.md Input): rendered by markdown-it-py (CommonMark,
raw HTML off), then cleaned by nh3 (the ammonia allow-list sanitiser) so that whatever the renderer lets through, no
script, event handler, style, frame, image or dangerous URL survives. Links get rel="nofollow ugc noopener".

Images are not allowed at all: a remote image is a tracking pixel that tells its owner who read the post and when.
Quotes nest at most MAX_QUOTE_DEPTH deep, so a nested-quote bomb cannot blow up a page.
"""

from __future__ import annotations

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

MAX_QUOTE_DEPTH = 3
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
# People write "# My story" meaning a heading inside a post, not the page's h1: headings start at h3.
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _shift_headings(html: str) -> str:
    return _HEADING.sub(lambda match: f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}>", html)


def _limit_quote_depth(markdown: str) -> str:
    """Deeper quote markers than MAX_QUOTE_DEPTH are flattened to that depth before rendering."""
    pattern = re.compile(r"^((?:[ \t]{0,3}>[ \t]?){" + str(MAX_QUOTE_DEPTH + 1) + r",})", re.MULTILINE)
    return pattern.sub("> " * MAX_QUOTE_DEPTH, markdown)


def render(markdown: str) -> str:
    """Safe HTML for a post body."""
    html = _markdown.render(_limit_quote_depth(markdown))
    return sanitise(_shift_headings(html))


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def plain_text(markdown: str) -> str:
    """The words of a post without markup, for search documents, screening and snippets."""
    html = _markdown.render(_limit_quote_depth(markdown))
    return re.sub(r"\s+", " ", unescape(nh3.clean(html, tags=set(), attributes={}))).strip()


def quote_of(author_handle: str, body: str, *, limit: int = 600) -> str:
    """The Markdown a reply starts with when it quotes a post: the quoted post's own quotes are dropped, so quotes
    of quotes do not pile up."""
    lines = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    text = "\n".join(lines).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"> **{author_handle}** wrote:\n>\n{quoted}\n\n"
