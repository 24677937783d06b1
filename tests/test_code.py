"""Code in updates: fenced blocks with a known language highlighted on the server with
Pygments' classes (never a style attribute), the classes alone admitted, and colours that
read in light and dark."""

import re
from pathlib import Path

import pytest
from conftest import post
from pygments.formatters import HtmlFormatter
from pygments.styles import get_style_by_name

from liveblog import render_markdown

CSS = Path(__file__).resolve().parent.parent / "static" / "liveblog" / "code.css"
LIGHT, DARK = "xcode", "lightbulb"


def code_css():
    """static/liveblog/code.css as Pygments makes it: the light style, then the dark one."""

    def rules(style):
        lines = HtmlFormatter(style=style).get_style_defs(".body pre").splitlines()
        return "\n".join(line for line in lines if line.startswith(".body pre"))

    header = CSS.read_text().split("*/\n", 1)[0] + "*/\n"
    return header + rules(LIGHT) + "\n@media (prefers-color-scheme: dark) {\n" + rules(DARK) + "\n}\n"


def test_a_fenced_block_with_a_language_is_highlighted_with_classes_and_no_style(client, session):
    post(session, "```python\ndef f(x):\n    return x  # the same\n```")
    html = client.get("/sessions/keynote/").content.decode()
    update = html[html.index('<li class="update') :]
    assert '<span class="k">def</span>' in update and '<span class="c1"># the same</span>' in update
    assert "style=" not in update


@pytest.mark.parametrize("fence", ["```", "```nosuchlanguage"])
def test_a_block_without_a_known_language_stays_plain(fence):
    html = render_markdown(f"{fence}\ndef f(x): <b>\n```")
    assert html == "<pre><span></span><code>def f(x): &lt;b&gt;\n</code></pre>"


def test_only_pygments_classes_are_admitted_and_never_a_style():
    html = render_markdown(
        '<span class="k" style="color:red">kept</span> <span class="status-live">dropped</span> '
        '<pre class="new-updates">x</pre> <span class="k mi">both</span> <p class="k">no</p>'
    )
    assert 'class="k"' in html and 'class="k mi"' in html
    assert "status-live" not in html and "new-updates" not in html and "style" not in html
    assert '<p class="k">' not in html


def test_the_style_sheet_is_what_pygments_makes():
    assert CSS.read_text() == code_css()


def contrast(foreground, background):
    def luminance(colour):
        colour = colour.lstrip("#")
        colour = "".join(c * 2 for c in colour) if len(colour) == 3 else colour
        channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("style", [LIGHT, DARK])
def test_every_token_colour_reads_on_its_background(style):
    chosen = get_style_by_name(style)
    colours = {"#" + s["color"] for _, s in chosen if s["color"]}
    assert colours and min(contrast(c, chosen.background_color) for c in colours) >= 4.5
    assert re.search(rf"\.body pre {{ background: {chosen.background_color}", CSS.read_text(), re.I)
