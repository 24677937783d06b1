"""Search in Chromium with JavaScript off: from the header's link to an update's own page."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("search")).start()
    live.new_session("live-talk")
    live.post("live-talk", "Query counts are the usual **bottleneck**.")
    live.post("live-talk", "Caching comes after measuring.")
    live.new_session("old-talk", status="ended")
    live.post("old-talk", "A bottleneck of another kind.")
    yield live
    live.close()


def test_a_reader_without_javascript_searches_and_opens_a_result(server, contexts):
    page = contexts(java_script_enabled=False, viewport={"width": 1000, "height": 900}).new_page()
    page.goto(server.url + "/")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Words in an update, a session's title or its speakers").fill("bottleneck")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=bottleneck")
    results = page.locator(".results > li")
    assert results.count() == 2 and page.locator("#results-title").inner_text() == "2 updates"
    assert results.nth(0).locator("p mark").inner_text() == "bottleneck"  # newest first
    assert "another kind" in results.nth(0).inner_text()
    assert page.get_by_role("searchbox").input_value() == "bottleneck"  # the query stays in the box
    results.nth(1).locator("a time").click()
    page.wait_for_url("**/sessions/live-talk/updates/*/")
    assert "Query counts are the usual" in page.locator("main").inner_text()
