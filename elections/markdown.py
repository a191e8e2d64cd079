"""Platforms and descriptions: Markdown rendered to HTML that is safe to show as it is.

Two layers: Markdown is told to treat raw HTML as text (so ``<b>`` in a platform shows as
``<b>``, never as markup), and nh3 then keeps only an allow-list of tags, attributes and URL
schemes, so even markup Markdown itself produces cannot carry a script or an event handler.
"""

from __future__ import annotations

import functools
import re

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "abbr",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


# After nh3, an <a> without an href is a link whose address nh3 refused (``javascript:``,
# ``data:``, any scheme not allowed): nothing to follow, so its text is shown as plain text
# rather than as a dead link. nh3's output is well-formed and has no nested links.
_LINK_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)(?:\s[^>]*)?>(.*?)</a>", re.DOTALL)


class _NoRawHtml(Extension):
    """Drop Markdown's raw-HTML handling so HTML in the source is escaped as text."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_markdown(source: str) -> str:
    """Markdown → sanitised HTML fragment (no script, no raw HTML, no event handlers).

    The same source gives the same fragment, so each process keeps the last
    ``RENDERED_KEPT`` fragments: a ballot page shows every option's description on every
    view, and parsing and sanitising each took about 1 ms a kilobyte."""
    return _rendered(source)


# Fragments kept per process (bounded: a few megabytes at most for descriptions of pages).
RENDERED_KEPT = 256


@functools.lru_cache(maxsize=RENDERED_KEPT)
def _rendered(source: str) -> str:
    html = markdown_lib.markdown(
        source,
        extensions=[_NoRawHtml(), "tables", "fenced_code", "sane_lists"],
        output_format="html",
    )
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return _LINK_WITHOUT_HREF.sub(r"\1", cleaned)
