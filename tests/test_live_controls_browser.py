"""The live page a reader controls, in Chromium: its status says it is live and when it last
heard from the server; Pause holds every change behind the count until Resume (WCAG 2.2.2),
remembered in the browser; key moments notify while the tab is hidden, once asked for."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

POLL = 1
SEEN = (POLL + 5) * 1000

# The page's notifications, kept where the test can read and click them; and the tab hidden
# or shown at will (headless Chromium keeps every tab visible).
RECORD_NOTIFICATIONS = """
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
Object.defineProperty(document, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
window.__setHidden = (hidden) => {
  window.__hidden = hidden;
  document.dispatchEvent(new Event("visibilitychange"));
};
window.__notes = [];
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.__notes.push({ title, body: options.body, note: this });
  }
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("controls"), poll_seconds=POLL).start()
    yield live
    live.close()


def texts(page):
    return page.locator("#updates > li .body").all_inner_texts()


def polled(page):
    """Wait for the next answer from the server (the status line says when it came)."""
    before = page.locator("#last-heard").inner_text()
    page.wait_for_function("(t) => document.getElementById('last-heard').textContent !== t", arg=before, timeout=SEEN)


def test_pause_holds_new_edited_and_deleted_updates_until_resume(server, contexts):
    server.new_session("pause")
    first = server.post("pause", "Before the pause")["id"]
    second = server.post("pause", "To be deleted")["id"]
    page = contexts().new_page()
    page.goto(server.url + "/sessions/pause/")
    status = page.locator("#live-state")
    status.get_by_text("last heard from the server at").wait_for(timeout=SEEN)
    assert status.inner_text().strip().startswith("Live ·")
    page.locator("#pause-toggle").focus()
    page.keyboard.press("Enter")  # by keyboard
    assert page.locator("#pause-toggle").get_attribute("aria-pressed") == "true"
    assert page.locator("#pause-toggle").inner_text() == "Resume updates"
    assert page.locator("#live-notice").inner_text() == "Updates paused: new ones wait until you resume."
    assert status.inner_text().strip().startswith("Live, paused ·")
    server.post("pause", "Posted while paused")
    server.api("PATCH", f"/updates/{first}", {"body": "Before the pause, edited"})
    server.api("DELETE", f"/updates/{second}")
    page.locator("#new-updates").get_by_text("1 new update").wait_for(timeout=SEEN)
    polled(page)
    assert texts(page) == ["To be deleted", "Before the pause"]  # nothing in the list moved
    page.reload()  # the choice is remembered
    assert page.locator("#pause-toggle").get_attribute("aria-pressed") == "true"
    assert texts(page) == ["Posted while paused", "Before the pause, edited"]  # a new page is current
    server.post("pause", "Held after the reload")
    page.locator("#new-updates").get_by_text("1 new update").wait_for(timeout=SEEN)
    page.get_by_role("button", name="Resume updates").click()
    assert texts(page) == ["Held after the reload", "Posted while paused", "Before the pause, edited"]
    assert page.locator("#new-updates").is_hidden()
    assert page.locator("#live-notice").inner_text() == "Updates resumed."
    page.evaluate("localStorage.clear()")


def test_a_key_moment_pinned_while_the_tab_is_hidden_notifies_and_the_click_shows_it(server, contexts):
    server.new_session("notify")
    context = contexts()
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    page.add_init_script(RECORD_NOTIFICATIONS)
    page.goto(server.url + "/sessions/notify/")
    button = page.get_by_role("button", name="Notify me of key moments")
    button.click()  # permission is asked on this click
    assert page.get_by_role("button", name="Notifying you of key moments").get_attribute("aria-pressed") == "true"
    page.evaluate("window.__setHidden(true)")
    server.post("notify", "Not a key moment")
    pinned = server.post("notify", "The **release date**: May", pinned=True)["id"]
    page.wait_for_function("() => window.__notes.length > 0", timeout=SEEN)
    polled(page)
    assert page.evaluate("window.__notes.map(n => [n.title, n.body])") == [["Session notify", "The release date: May"]]
    page.evaluate("window.__setHidden(false)")
    page.evaluate("window.__notes[0].note.onclick()")
    page.wait_for_function(f"() => location.hash === '#update-{pinned}'")
    assert page.locator(f"#update-{pinned}").is_visible()
    page.reload()
    assert page.get_by_role("button", name="Notifying you of key moments").is_visible()  # remembered


def test_the_notify_button_is_hidden_where_permission_was_denied(server, contexts):
    server.new_session("denied")
    page = contexts().new_page()
    page.add_init_script("Object.defineProperty(Notification, 'permission', { get: () => 'denied' })")
    page.goto(server.url + "/sessions/denied/")
    page.locator("#live-state").get_by_text("last heard").wait_for(timeout=SEEN)
    assert page.locator("#notify-toggle").is_hidden() and page.locator("#pause-toggle").is_visible()


def test_without_javascript_the_page_needs_no_controls(server, contexts):
    server.new_session("static")
    page = contexts(java_script_enabled=False).new_page()
    page.goto(server.url + "/sessions/static/")
    assert page.locator("#live-controls").is_hidden()
