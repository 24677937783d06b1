"""Markdown becomes sanitised HTML once, at save time; script never reaches a page."""

import pytest
from conftest import post

from liveblog import render_markdown


def test_markdown_features_survive():
    html = render_markdown(
        "## Heading\n\n*em* **strong** `code` [link](https://djangoproject.com)\n\n"
        "- a\n- b\n\n> quoted\n\n![alt](https://example.com/s.png)\n\n```\nx = 1\n```"
    )
    for fragment in [
        "<h2>Heading</h2>",
        "<em>em</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
        "<li>a</li>",
        "<blockquote>",
        'src="https://example.com/s.png"',
        "<pre><span></span><code>x = 1",
    ]:
        assert fragment in html


def test_links_get_nofollow_noopener():
    assert 'rel="nofollow noopener"' in render_markdown("[x](https://example.com)")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<object data="data:text/html,<script>alert(1)</script>"></object>',
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<form action="https://evil.example"><input name=x></form>',
        '<div onmouseover="alert(1)">hover</div>',
        "<style>body{display:none}</style>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ],
)
def test_script_never_survives(payload):
    html = render_markdown(payload).lower()
    for bad in [
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onmouseover",
        "<iframe",
        "<svg",
        "<object",
        "<form",
        "<style",
        "<meta",
        "style=",
        "data:text",
    ]:
        assert bad not in html


def test_html_is_rendered_at_save_time(session):
    update = post(session, "<script>alert(1)</script>**bold**")
    assert update.html == "<p><strong>bold</strong></p>" or "<script" not in update.html
    assert "<strong>bold</strong>" in update.html
