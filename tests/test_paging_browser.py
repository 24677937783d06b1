"""Paging a long session in Chromium: plain links without JavaScript, appended in place with
htmx, oldest first the other way, deep permalinks, and live changes on a paged page."""

import re

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

PAGE = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("paging"), poll_seconds=1, env={"LIVEBLOG_PAGE_SIZE": str(PAGE)})
    live.start()
    yield live
    live.close()


def long_session(server, slug):
    server.new_session(slug)
    return [server.post(slug, f"Update {n}")["id"] for n in range(1, 13)]


def shown(page):
    return [int(text.split()[-1]) for text in page.locator("#updates > li .body").all_inner_texts()]


def test_without_javascript_earlier_updates_are_plain_pages(server, contexts):
    long_session(server, "plain")
    page = contexts(java_script_enabled=False).new_page()
    page.goto(f"{server.url}/sessions/plain/")
    assert shown(page) == [12, 11, 10, 9, 8]
    page.get_by_role("link", name="Earlier updates").click()
    page.wait_for_url(re.compile(r"\?before=\d+$"))
    assert shown(page) == [7, 6, 5, 4, 3]


def test_htmx_appends_the_next_page_without_moving_what_the_reader_sees(server, contexts):
    long_session(server, "appended")
    page = contexts().new_page()
    page.goto(f"{server.url}/sessions/appended/")
    page.wait_for_function("() => window.liveblog !== undefined")
    top = page.locator("#updates > li").first.bounding_box()["y"]
    page.get_by_role("link", name="Earlier updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > li').length === 10")
    assert page.url == f"{server.url}/sessions/appended/"  # in place
    assert page.locator("#updates > li").first.bounding_box()["y"] == top
    page.get_by_role("link", name="Earlier updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > li').length === 12")
    assert shown(page) == list(range(12, 0, -1))
    assert page.get_by_role("link", name="Earlier updates").count() == 0  # the last page


def test_oldest_first_pages_the_other_way_and_the_toggle_asks_for_that_end(server, contexts):
    long_session(server, "oldest")
    page = contexts().new_page()
    page.goto(f"{server.url}/sessions/oldest/")
    page.wait_for_function("() => window.liveblog !== undefined")
    page.locator("#order-toggle").click()  # a paged page turned over would start at update 8
    page.wait_for_url(re.compile(r"\?order=oldest$"))
    page.wait_for_function("() => window.liveblog !== undefined")
    assert shown(page) == [1, 2, 3, 4, 5]
    page.get_by_role("link", name="Later updates").click()
    page.wait_for_function("() => document.querySelectorAll('#updates > li').length === 10")
    assert shown(page) == list(range(1, 11))


def test_a_permalink_to_an_update_deep_in_the_session_lands_on_a_page_that_holds_it(server, contexts):
    ids = long_session(server, "deep")
    page = contexts().new_page()
    page.goto(f"{server.url}/sessions/deep/#update-{ids[0]}")
    page.wait_for_url(f"{server.url}/sessions/deep/updates/{ids[0]}/")  # the update's own page
    page.get_by_role("link", name="Follow the session live").click()
    page.wait_for_url(re.compile(rf"\?before=\d+#update-{ids[0]}$"))
    assert page.locator(f"#update-{ids[0]}").is_visible()
    assert page.url.endswith(f"#update-{ids[0]}")  # it stayed: the update is on this page


def test_live_changes_on_a_paged_page(server, contexts):
    ids = long_session(server, "changing")
    page = contexts().new_page()
    page.goto(f"{server.url}/sessions/changing/")
    page.wait_for_function("() => window.liveblog !== undefined")
    server.api("PATCH", f"/updates/{ids[0]}", {"body": "Update 1, corrected", "pinned": True})  # not on the page
    server.api("DELETE", f"/updates/{ids[11]}")
    server.post("changing", "Update 13")
    page.locator("#updates").get_by_text("Update 13").wait_for(timeout=8000)
    assert shown(page) == [13, 11, 10, 9, 8]  # the deletion applied, the old edit not drawn here
    key_moment = page.locator(f"#pinned-{ids[0]}")
    assert "Update 1, corrected" in key_moment.inner_text()  # a new key moment still appears
    key_moment.get_by_role("link").click()  # and leads to where the update is
    page.wait_for_url(f"{server.url}/sessions/changing/updates/{ids[0]}/")
