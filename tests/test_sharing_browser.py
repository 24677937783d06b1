"""Sharing in a real Chromium: the Share control by keyboard, and the embed framed by a page
on another origin, which sees updates arrive, while the session page refuses to be framed."""

import subprocess
import sys

import pytest
from liveserver import free_port, start_process, stop_process, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.server]

WAIT = 15_000


@pytest.fixture(scope="module")
def conference_site(tmp_path_factory):
    """Another origin: a plain static server on a port of its own, for pages that frame the live blog."""
    root = tmp_path_factory.mktemp("conference-site")
    port = free_port()
    process = start_process(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}/", process=process)
    yield root, port
    stop_process(process)


@pytest.fixture(scope="module")
def server(tmp_path_factory, conference_site):
    from liveserver import LiveServer

    _, port = conference_site
    live = LiveServer(
        tmp_path_factory.mktemp("sharing"), poll_seconds=1, env={"LIVEBLOG_EMBED_ORIGINS": f"http://127.0.0.1:{port}"}
    ).start()
    live.new_session("live-talk")
    yield live
    live.close()


def test_the_card_image_a_preview_fetches_is_served(server, browser):
    page = browser.new_page()
    try:
        page.goto(f"{server.url}/sessions/live-talk/")
        image = page.locator('meta[property="og:image"]').get_attribute("content")
        assert image.startswith(f"{server.url}/static/liveblog/card.")
        response = page.request.get(image)
        assert response.status == 200 and response.headers["content-type"] == "image/png"
    finally:
        page.close()


def test_share_copies_the_update_address_by_keyboard_and_says_so(server, browser):
    update = server.post("live-talk", "Worth sharing")
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{server.url}/sessions/live-talk/")
        assert page.evaluate("() => 'share' in navigator") is False  # desktop Linux: no share sheet, so it copies
        button = page.get_by_role("button", name=f"Share this update ({page.locator('.permalink time').inner_text()})")
        button.focus()
        page.keyboard.press("Enter")
        page.get_by_role("status").filter(has_text="Link copied").wait_for(timeout=WAIT)
        assert button.inner_text() == "Link copied"
        assert (
            page.evaluate("() => navigator.clipboard.readText()")
            == f"{server.url}/sessions/live-talk/updates/{update['id']}/"
        )
        page.wait_for_function("() => document.querySelector('.update .share').textContent === 'Share'", timeout=WAIT)
    finally:
        context.close()


def test_share_hands_the_address_to_the_share_sheet_where_there_is_one(server, browser):
    update = server.post("live-talk", "Shared from a phone")
    context = browser.new_context()
    context.add_init_script("navigator.share = async (data) => { window.__shared = data; };")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/sessions/live-talk/")
        page.locator(f"#update-{update['id']} .share").press("Enter")
        page.wait_for_function("() => window.__shared", timeout=WAIT)
        assert page.evaluate("() => window.__shared") == {
            "title": "Session live-talk",
            "url": f"{server.url}/sessions/live-talk/updates/{update['id']}/",
        }
    finally:
        context.close()


def test_another_origin_frames_the_embed_and_sees_updates_arrive_but_not_the_page(server, browser, conference_site):
    root, port = conference_site
    (root / "index.html").write_text(
        "<!doctype html><title>Conference</title>"
        f'<iframe id="embed" src="{server.url}/sessions/live-talk/embed/" width="600" height="500"></iframe>'
        f'<iframe id="page" src="{server.url}/sessions/live-talk/" width="600" height="500"></iframe>'
    )
    context = browser.new_context()
    refused = []
    try:
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text) if "frame-ancestors" in message.text else None)
        page.goto(f"http://127.0.0.1:{port}/index.html")
        embed = page.frame_locator("#embed")
        embed.locator("#updates").wait_for(state="attached", timeout=WAIT)
        embed.locator("#live-poller[data-hx-get]").wait_for(state="attached", timeout=WAIT)
        page.wait_for_timeout(1500)  # the embed's first poll is under way: what comes next arrives by polling
        update = server.post("live-talk", "Arrived in the frame")
        embed.locator(f"#update-{update['id']}").get_by_text("Arrived in the frame").wait_for(timeout=WAIT)
        # The session page's frame holds Chromium's error page instead.
        assert [frame.url for frame in page.frames[1:]] == [
            f"{server.url}/sessions/live-talk/embed/",
            "chrome-error://chromewebdata/",
        ]
        assert any("frame-ancestors 'none'" in text for text in refused)

        refused.clear()  # the same page on an origin that is not listed (localhost, not 127.0.0.1)
        page.goto(f"http://localhost:{port}/index.html")
        page.wait_for_timeout(2000)
        assert [frame.url for frame in page.frames[1:]] == ["chrome-error://chromewebdata/"] * 2
        assert any(f"frame-ancestors http://127.0.0.1:{port}" in text for text in refused)
    finally:
        context.close()
