"""The interface in German and in Arabic, in Chromium: axe finds nothing, the scripts speak the
language too, and the Arabic page mirrors at phone width with nothing overlapping."""

import pytest
from conftest import signed_in_author
from liveserver import LiveServer
from test_accessibility_browser import violations
from test_interface_language import catalog

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module", params=["de", "ar"])
def server(request, tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp(request.param), env={"LIVEBLOG_LANGUAGE": request.param}).start()
    live.language = request.param
    live.new_session("talk")
    live.post("talk", "Ω **α** https://youtu.be/dQw4w9WgXcQ", pinned=True)
    live.post("talk", "β\n\n```python\ndef f(x):\n    return x\n```")
    live.new_session("later", status="upcoming")
    yield live
    live.close()


def test_axe_finds_nothing_on_the_readers_and_the_authors_pages(server, contexts, axe_script):
    page = contexts(bypass_csp=True).new_page()
    found = {}
    for path in ["/", "/sessions/talk/", "/search/?q=β"]:
        page.goto(server.url + path)
        page.wait_for_load_state("load")
        found[path] = violations(page, axe_script)
    author = signed_in_author(server, lambda **options: contexts(bypass_csp=True, **options), "talk")
    author.wait_for_function("() => document.querySelector('#updates .author-tools')")
    found["author's page"] = violations(author, axe_script)
    assert found == {path: [] for path in found}


def test_the_scripts_words_are_in_the_language_too(server, contexts):
    page = contexts().new_page()
    page.goto(server.url + "/sessions/talk/")
    page.locator("#last-heard").filter(has_text=":").wait_for(timeout=10000)  # a time: the first poll came
    text = page.locator("body").inner_text()
    entries = catalog(server.language, "djangojs")
    english = [entry.msgid for entry in entries if "%" not in entry.msgid and entry.msgid not in entry.msgstr]
    assert [msgid for msgid in english if msgid in text] == []
    expected = {
        "de": ["Updates pausieren", "Neueste zuerst", "zuletzt vom Server gehört"],
        "ar": ["أوقف التحديثات مؤقتًا"],
    }
    assert all(words in text for words in expected[server.language])


@pytest.mark.parametrize("server", ["ar"], indirect=True)
def test_the_arabic_page_mirrors_at_phone_width_and_nothing_overlaps(server, contexts):
    page = contexts(viewport={"width": 390, "height": 844}).new_page()
    page.goto(server.url + "/sessions/talk/")
    page.locator("#last-heard").filter(has_text=":").wait_for(timeout=10000)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    brand, nav = (page.locator(selector).bounding_box() for selector in ["header.site .brand", "header.site nav"])
    assert brand["x"] > nav["x"]  # the name on the right, the links on the left
    pinned = page.locator("#updates .update.pinned")
    borders = pinned.evaluate("li => [getComputedStyle(li).borderRightWidth, getComputedStyle(li).borderLeftWidth]")
    assert borders[0] == "4px" and borders[1] != "4px"  # the key moment's mark on the reading side
    code = page.locator("#updates pre").evaluate("pre => getComputedStyle(pre).direction")
    assert code == "ltr"  # code reads left to right still
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing runs off
    overlaps = page.evaluate(
        """() => {
            const boxes = [...document.querySelectorAll(
                'header.site > *, .toolbar > *:not([hidden]), .live-controls > *:not([hidden]), .update header > *')]
                .map(e => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width && r.height);
            const hit = [];
            for (const [a, ra] of boxes) for (const [b, rb] of boxes) {
                if (a !== b && a.parentNode === b.parentNode && ra.left < rb.right - 1 && rb.left < ra.right - 1
                    && ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1) hit.push(a.className + ' / ' + b.className);
            }
            return hit;
        }"""
    )
    assert overlaps == []
