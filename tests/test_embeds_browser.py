"""Click-to-load embeds in Chromium: a session page asks nothing of any other host until the
reader presses a card's button; then the provider's privacy-respecting frame loads (every
provider's host answered here, so nothing leaves the machine). Without JavaScript, links."""

import re
from urllib.parse import urlsplit

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

FRAMES = {  # the card's provider: the frame its button loads
    "YouTube": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=12",
    "Vimeo": "https://player.vimeo.com/video/76979871?dnt=1",
    "PeerTube": "https://tube.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv",
    "Mastodon": "https://social.example.org/@ada/113507720612345678/embed",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(
        tmp_path_factory.mktemp("embeds"), env={"LIVEBLOG_EMBED_INSTANCES": "tube.example.org social.example.org"}
    ).start()
    live.new_session("talk")
    live.post("talk", "The demo, from minute 0:12:\nhttps://youtu.be/dQw4w9WgXcQ?t=12")
    live.post("talk", "https://vimeo.com/76979871")
    live.post("talk", "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv")
    live.post("talk", "The speaker's thread:\n\nhttps://social.example.org/@ada/113507720612345678")
    live.post("talk", "![The roadmap slide](https://slides.example.org/roadmap.png) and https://example.org/notes")
    recording = {"kind": "recording", "title": "Recording", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}
    live.api("PATCH", "/sessions/talk", {"links": [recording]})
    yield live
    live.close()


def outside(requests):
    return sorted({url for url in requests if urlsplit(url).hostname != "127.0.0.1"})


def open_page(server, contexts, **options):
    """The session page, every request it makes recorded; any request to another host is
    answered here with a small page of its own."""
    context = contexts(**options)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    context.route(
        re.compile(r"^(?!http://127\.0\.0\.1:)"),
        lambda route: route.fulfill(content_type="text/html", body="<!doctype html><title>player</title><p>player"),
    )
    page = context.new_page()
    page.goto(f"{server.url}/sessions/talk/")
    page.wait_for_load_state("networkidle")
    return page, requests


def test_nothing_leaves_the_machine_before_a_click_then_each_button_loads_its_private_frame(server, contexts):
    page, requests = open_page(server, contexts)
    page.mouse.wheel(0, 5000)  # lazy things would load now
    page.wait_for_timeout(2500)  # and a poll or two come and go
    assert page.locator(".embed-card .embed-load").count() == 5  # four updates and the recording
    assert outside(requests) == []
    for provider, frame in FRAMES.items():
        card = page.locator("#updates .embed-card", has_text=provider)
        card.get_by_role("button", name="Load the").click()
        iframe = card.locator("iframe")
        assert iframe.get_attribute("src") == frame
        assert (
            iframe.get_attribute("sandbox")
            == "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        )
        assert iframe.get_attribute("referrerpolicy") == "strict-origin-when-cross-origin"
        assert iframe.get_attribute("loading") == "lazy" and iframe.get_attribute("title").startswith(provider)
        card.frame_locator("iframe").get_by_text("player").wait_for(timeout=10000)  # answered here
        assert frame in requests, provider
        assert card.locator(".embed-load").count() == 0 and card.get_by_role("link").count() == 1
    assert outside(requests) == sorted(FRAMES.values())  # the frames asked for, and nothing else
    assert page.locator("img[src^='https://slides.example.org']").count() == 0
    assert page.get_by_role("link", name="The roadmap slide").get_attribute("href") == (
        "https://slides.example.org/roadmap.png"
    )


def test_the_recording_is_a_card_too(server, contexts):
    page, requests = open_page(server, contexts)
    links = page.locator(".session-links")
    links.get_by_role("button", name="Load the video here").click()
    assert links.locator("iframe").get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    links.frame_locator("iframe").get_by_text("player").wait_for(timeout=10000)
    assert outside(requests) == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]


def test_without_javascript_a_card_is_its_link(server, contexts):
    page, requests = open_page(server, contexts, java_script_enabled=False)
    assert page.locator(".embed-load").count() == 5 and page.locator(".embed-load:visible").count() == 0
    assert page.locator(".embed-provider:visible").count() == 1  # the image's "Image on ..." alone
    link = page.get_by_role("link", name="https://vimeo.com/76979871")
    assert link.is_visible() and link.get_attribute("href") == "https://vimeo.com/76979871"
    assert outside(requests) == [] and page.locator("iframe").count() == 0
