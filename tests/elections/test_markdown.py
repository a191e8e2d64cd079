"""Platforms are Markdown rendered to HTML with no script, no raw HTML, no event handlers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from elections.markdown import render_markdown


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def test_markdown_formatting_is_kept() -> None:
    html = render_markdown("# Why me\n\n- **reviews**\n- [blog](https://example.org/a)\n")
    assert "<h1>Why me</h1>" in html
    assert "<strong>reviews</strong>" in html
    assert '<a href="https://example.org/a" rel="nofollow noopener noreferrer">blog</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "Hello <script src='https://evil.example/x.js'></script>",
        "<div>\n<script>alert(1)</script>\n</div>",
        "```\n</code></pre><script>alert(1)</script>\n```",
    ],
)
def test_script_elements_never_survive(source: str) -> None:
    assert "script" not in elements(render_markdown(source)).tags


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x" onerror="alert(1)">',
        '<b onclick="steal()">bold</b>',
        '<a href="https://example.org" onmouseover="x()">link</a>',
        "<svg onload=alert(1)>",
        '[a](https://example.org "title" onclick="x")',
    ],
)
def test_event_handler_attributes_are_stripped(source: str) -> None:
    built = elements(render_markdown(source))
    assert not [name for name, _ in built.attributes if name.startswith("on")]
    assert not {"img", "svg", "b"} & set(built.tags)


def test_raw_html_is_shown_as_text_not_markup() -> None:
    html = render_markdown("I like <b>bold</b> claims")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert elements(html).tags == ["p"]


def test_javascript_links_lose_their_href() -> None:
    html = render_markdown("[click](javascript:alert(1)) and ![x](javascript:alert(2))")
    assert "javascript:" not in html
    assert "img" not in elements(html).tags


def test_a_description_shown_on_every_ballot_page_is_parsed_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uuid

    from elections import markdown

    parsed: list[str] = []
    real = markdown.markdown_lib.markdown

    def counting(source: str, **options: object) -> str:
        parsed.append(source)
        return real(source, **options)

    monkeypatch.setattr(markdown.markdown_lib, "markdown", counting)
    source = f"**Ada** <script>alert(1)</script> [home](javascript:x) {uuid.uuid4()}"
    first = render_markdown(source)
    assert render_markdown(source) == first
    assert parsed == [source]
    # What is kept is the sanitised fragment.
    assert "<script" not in first and "javascript:" not in first and "<strong>Ada</strong>" in first
