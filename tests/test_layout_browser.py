"""Meta lines in Chromium at phone and laptop widths: each separator stays with what it
follows, so no wrapped line starts with one, and the time zone stays with the end time."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

LONG = "Ada Lovelace, Grace Hopper, Katherine Johnson, Margaret Hamilton and Radia Perlman"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("layout")).start()
    data = {"title": "A talk with many speakers", "slug": "many", "room": "The Very Long Room Name Hall B"}
    live.api("POST", "/sessions", {**data, "speakers": LONG, "minutes": 45, "starts_at": "2026-05-04T09:00:00-05:00",
                                   "time_zone": "America/Chicago"})  # fmt: skip
    live.post("many", "One update")
    yield live
    live.close()


SEPARATORS = """() => [...document.querySelectorAll('.meta')].map(meta => {
    const items = [...meta.querySelectorAll(':scope > .item')];
    return items.map(item => getComputedStyle(item, '::after').content);
}).filter(list => list.length)"""

# Every line box of a meta line, as (top, first characters): a line that starts with "·" would show.
LINES = """() => [...document.querySelectorAll('.meta')].flatMap(meta => {
    const tops = new Map();
    const walk = document.createTreeWalker(meta, NodeFilter.SHOW_TEXT);
    for (let node; (node = walk.nextNode());) {
        for (let i = 0; i < node.length; i++) {
            const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
            const rect = range.getBoundingClientRect();
            if (!rect.width) continue;
            const top = Math.round(rect.top);
            if (!tops.has(top)) tops.set(top, node.data[i]);
        }
    }
    return [...tops.values()];
})"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["/", "/sessions/many/"])
def test_separators_follow_what_they_separate(server, browser, width, path):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(server.url + path)
        separated = page.evaluate(SEPARATORS)
        assert separated  # meta lines made of items
        for contents in separated:
            assert contents[:-1] == ['"\xa0·"'] * (len(contents) - 1), contents
            assert contents[-1] == "none"
        first_characters = page.evaluate(LINES)
        assert first_characters and "·" not in first_characters, first_characters
        zone = page.locator(".meta abbr").first.bounding_box()
        end = page.locator(".meta abbr").first.locator("xpath=preceding-sibling::time[1]").bounding_box()
        assert abs(zone["y"] - end["y"]) < 4  # the zone on the end time's line
    finally:
        page.close()
