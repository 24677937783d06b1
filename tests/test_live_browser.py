"""Following a live session in a real headless Chromium against a real server process."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

POLL = 1  # seconds between polls on the test server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("live"), poll_seconds=POLL).start()
    yield live
    live.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    yield context.new_page()
    context.close()


def texts(page, selector="#updates > li .body"):
    return page.locator(selector).all_inner_texts()


def test_a_posted_update_appears_without_a_reload(server, page):
    server.new_session("appears")
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.goto(server.url + "/sessions/appears/")
    page.wait_for_function("() => window.htmx !== undefined")
    server.post("appears", "Hypermedia as the engine of application state")
    page.locator("#updates").get_by_text("Hypermedia as the engine").wait_for(timeout=(POLL + 3) * 1000)
    assert texts(page) == ["Hypermedia as the engine of application state"]
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    assert refused == []  # the page's own scripts live within its Content-Security-Policy


def test_a_selection_survives_new_updates(server, page):
    server.new_session("select")
    old = server.post("select", "Select this sentence to quote it later")
    page.goto(server.url + "/sessions/select/")
    page.evaluate(
        """id => {
        const p = document.querySelector('#update-' + id + ' .body p');
        const range = document.createRange(); range.selectNodeContents(p);
        getSelection().removeAllRanges(); getSelection().addRange(range);
    }""",
        old["id"],
    )
    for n in range(3):
        server.post("select", f"New update {n}")
    page.wait_for_function("() => document.querySelectorAll('#updates > li').length === 4", timeout=(POLL + 5) * 1000)
    assert page.evaluate("getSelection().toString()") == "Select this sentence to quote it later"
    assert page.evaluate("getSelection().anchorNode.parentElement.closest('li').id") == f"update-{old['id']}"


def test_edit_delete_and_pin_reach_an_open_page(server, page):
    server.new_session("edits")
    first, second = server.post("edits", "Speling mistake"), server.post("edits", "Soon gone")
    page.goto(server.url + "/sessions/edits/")
    wait = (POLL + 4) * 1000
    server.api("PATCH", f"/updates/{first['id']}", {"body": "Spelling fixed"})
    page.locator(f"#update-{first['id']}").get_by_text("Spelling fixed").wait_for(timeout=wait)
    server.api("DELETE", f"/updates/{second['id']}")
    page.locator(f"#update-{second['id']}").wait_for(state="detached", timeout=wait)
    server.api("PATCH", f"/updates/{first['id']}", {"pinned": True})
    page.locator(f"#key-moments #pinned-{first['id']}").wait_for(timeout=wait)
    assert page.locator("#key-moments").is_visible()
    assert texts(page) == ["Spelling fixed"]


def test_sort_toggle_flips_the_order_and_a_reload_keeps_it(server, page):
    server.new_session("order")
    for body in ["first", "second", "third"]:
        server.post("order", body)
    page.goto(server.url + "/sessions/order/")
    assert texts(page) == ["third", "second", "first"]
    page.get_by_role("button", name="Showing newest first").click()
    assert texts(page) == ["first", "second", "third"]
    page.reload()
    assert texts(page) == ["first", "second", "third"]
    server.post("order", "fourth")
    page.locator("#updates").get_by_text("fourth").wait_for(timeout=(POLL + 3) * 1000)
    assert texts(page) == ["first", "second", "third", "fourth"]


def test_reconnects_after_the_server_was_down_and_catches_up_in_one_request(server, page):
    server.new_session("outage")
    server.post("outage", "before the outage")
    page.goto(server.url + "/sessions/outage/")
    page.evaluate("""() => {
        window.insertions = 0;  // how many answers inserted updates
        new MutationObserver(records => { if (records.some(r => r.addedNodes.length)) window.insertions++; })
            .observe(document.getElementById('updates'), {childList: true});
    }""")
    server.stop()
    author = server.sibling()  # the author keeps posting through another app server
    try:
        page.get_by_text("Reconnecting").wait_for(timeout=(POLL + 5) * 1000)
        bodies = [f"posted during the outage {n}" for n in range(5)]
        for body in bodies:
            author.post("outage", body)
    finally:
        server.start()
    page.locator("#updates").get_by_text(bodies[-1]).wait_for(timeout=30_000)
    assert page.evaluate("window.insertions") == 1  # everything missed came in one answer
    assert texts(page) == list(reversed(bodies)) + ["before the outage"]  # all, once, in order
    page.get_by_text("Reconnecting").wait_for(state="hidden", timeout=5000)
    author.stop()


def test_scrolled_away_new_updates_wait_behind_a_button(server, page):
    server.new_session("scroll")
    for n in range(30):
        server.post("scroll", f"Update number {n}\n\nwith a second paragraph to take some room")
    page.goto(server.url + "/sessions/scroll/")
    page.evaluate("window.scrollTo(0, 1500)")
    anchor_before = page.evaluate("document.querySelector('#updates > li:nth-child(12)').getBoundingClientRect().top")
    server.post("scroll", "Arrived while scrolled away")
    server.post("scroll", "And another")
    button = page.get_by_role("button", name="2 new updates")
    button.wait_for(timeout=(POLL + 5) * 1000)
    assert page.evaluate("window.scrollY") == 1500
    anchor_after = page.evaluate("document.querySelector('#updates > li:nth-child(12)').getBoundingClientRect().top")
    assert anchor_after == anchor_before
    button.click()
    assert texts(page)[:2] == ["And another", "Arrived while scrolled away"]
    assert page.evaluate("window.scrollY") < 1500 and button.is_hidden()


def test_ending_the_session_stops_polling_and_says_so(server, page):
    server.new_session("ending")
    polls = []
    page.on("request", lambda r: "/changes/" in r.url and polls.append(r.url))
    page.goto(server.url + "/sessions/ending/")
    page.wait_for_timeout(POLL * 1000 * 2.5)
    assert len(polls) >= 2
    server.api("PATCH", "/sessions/ending", {"status": "ended"})
    page.get_by_text("This session has ended.").wait_for(timeout=(POLL + 5) * 1000)
    assert page.locator(".session-header .status").inner_text() == "ENDED"
    count = len(polls)
    page.wait_for_timeout(POLL * 1000 * 4)
    assert len(polls) == count


def test_tab_title_counts_updates_while_hidden(server, page):
    server.new_session("hidden")
    page.goto(server.url + "/sessions/hidden/")
    title = page.title()
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    for n in range(3):
        server.post("hidden", f"while away {n}")
    page.wait_for_function(f"() => document.title === '(3) ' + {title!r}", timeout=(POLL * 4 + 6) * 1000)
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    assert page.title() == title


def test_without_javascript_every_update_shows_and_the_order_parameter_works(server, browser):
    server.new_session("nojs")
    for body in ["one", "two", "three"]:
        server.post("nojs", body)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/sessions/nojs/")
    assert texts(page) == ["three", "two", "one"]
    page.get_by_role("link", name="Oldest first").click()
    page.wait_for_url("**/sessions/nojs/?order=oldest")  # and for the new page to load
    assert texts(page) == ["one", "two", "three"]
    context.close()


def test_a_503_shows_reconnecting_and_waits_as_long_as_retry_after_says(server, page):
    server.new_session("busy")
    times = []
    page.route(
        "**/changes/**",
        lambda route: (
            times.append(page.evaluate("performance.now()")),
            route.fulfill(status=503, headers={"Retry-After": "3"}, body="busy"),
        ),
    )
    page.goto(server.url + "/sessions/busy/")
    page.get_by_text("Reconnecting").wait_for(timeout=(POLL + 5) * 1000)
    page.wait_for_timeout(7000)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(times) >= 2 and all(2900 <= gap <= 4600 for gap in gaps), gaps  # 3 s, not a doubling backoff
    page.unroute("**/changes/**")
    server.post("busy", "back again")
    page.locator("#updates").get_by_text("back again").wait_for(timeout=8000)
    page.get_by_text("Reconnecting").wait_for(state="hidden", timeout=3000)
