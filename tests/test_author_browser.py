"""The author's desk in a real headless Chromium: an author posts and manages updates by
keyboard on the session page while a reader, in a browser context of their own, follows."""

import pytest
from conftest import jpeg_with_gps, signed_in_author
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

POLL = 1  # seconds between the reader's polls
SEEN = (POLL + 5) * 1000  # how long a reader may take to see a change, in ms


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("author"), poll_seconds=POLL).start()
    yield live
    live.close()


def reader_page(server, contexts, slug):
    page = contexts().new_page()
    page.goto(f"{server.url}/sessions/{slug}/")
    page.wait_for_function("() => window.liveblog !== undefined")
    return page


def texts(page):
    return page.locator("#updates > li .body").all_inner_texts()


def type_and_send(page, text):
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")


def test_an_author_posts_edits_pins_deletes_and_undoes_while_a_reader_follows(server, contexts):
    server.new_session("desk")
    author = signed_in_author(server, contexts, "desk")
    reader = reader_page(server, contexts, "desk")
    assert reader.locator("#compose").count() == 0

    box = author.locator("#compose-body")
    assert author.evaluate("document.activeElement.id") == "compose-body"  # ready to type at once
    for text in ["First: the keynote starts", "Second: hypermedia", "Third: questions"]:
        type_and_send(author, text)
        author.locator("#updates").get_by_text(text).wait_for(timeout=5000)  # at once, no poll needed
        assert box.input_value() == ""
        assert author.evaluate("document.activeElement.id") == "compose-body"
    reader.locator("#updates").get_by_text("Third: questions").wait_for(timeout=SEEN)
    assert texts(reader) == ["Third: questions", "Second: hypermedia", "First: the keynote starts"]

    second = author.locator("#updates > li", has_text="Second: hypermedia")
    second.get_by_role("button", name="Edit").click()
    editor = second.locator(".edit-form textarea")
    editor.wait_for()
    editor.fill("Second: hypermedia, corrected")
    editor.press("Control+Enter")
    reader.locator("#updates").get_by_text("Second: hypermedia, corrected").wait_for(timeout=SEEN)
    assert reader.locator("#updates > li", has_text="corrected").get_by_text("edited").is_visible()

    author.locator("#updates > li", has_text="First: the keynote").get_by_role("button", name="Pin").click()
    reader.locator("#key-moments li", has_text="First: the keynote starts").wait_for(timeout=SEEN)
    author.locator("#updates > li", has_text="First: the keynote").get_by_role("button", name="Unpin").wait_for()

    author.locator("#updates > li", has_text="Third: questions").get_by_role("button", name="Delete").click()
    author.locator("#updates > li", has_text="Third: questions").wait_for(state="detached")
    reader.locator("#updates > li", has_text="Third: questions").wait_for(state="detached", timeout=SEEN)
    author.locator("#author-notice").get_by_role("button", name="Undo").click()
    reader.locator("#updates").get_by_text("Third: questions").wait_for(timeout=SEEN)
    assert texts(reader) == ["Third: questions", "Second: hypermedia, corrected", "First: the keynote starts"]
    author.locator("#updates").get_by_text("Third: questions").wait_for()
    assert texts(author) == texts(reader)


def test_a_double_ctrl_enter_posts_once(server, contexts):
    server.new_session("double")
    author = signed_in_author(server, contexts, "double")
    author.keyboard.type("Only once, please")
    author.keyboard.press("Control+Enter")
    author.keyboard.press("Control+Enter")
    author.locator("#updates").get_by_text("Only once, please").wait_for(timeout=5000)
    author.keyboard.press("Control+Enter")  # the box is empty now: nothing to send
    author.wait_for_timeout(1000)
    assert len(server.get("/api/sessions/double/updates")["updates"]) == 1


def test_ctrl_enter_on_an_empty_box_says_why_and_sends_nothing(server, contexts):
    server.new_session("empty")
    author = signed_in_author(server, contexts, "empty")
    author.keyboard.type("   ")
    author.keyboard.press("Control+Enter")
    error = author.locator("#compose-error")
    error.get_by_text("Write something or add a slide photo.").wait_for(timeout=5000)
    assert error.is_visible()
    author.keyboard.type("Now there is something")
    assert not error.is_visible()  # typing clears the complaint
    assert server.get("/api/sessions/empty/updates")["updates"] == []


def test_a_draft_survives_a_reload(server, contexts):
    server.new_session("draft")
    author = signed_in_author(server, contexts, "draft")
    author.keyboard.type("Half-written thought about")
    author.reload()
    author.wait_for_function("() => document.getElementById('compose-body').value !== ''")
    assert author.locator("#compose-body").input_value() == "Half-written thought about"
    author.locator("#compose-body").press("End")
    type_and_send(author, " caching")
    author.locator("#updates").get_by_text("Half-written thought about caching").wait_for(timeout=5000)
    author.reload()
    author.wait_for_function("() => window.LiveblogOutbox !== undefined")
    assert author.locator("#compose-body").input_value() == ""


def test_a_slide_photo_and_a_preview(server, contexts, tmp_path):
    server.new_session("photo")
    author = signed_in_author(server, contexts, "photo")
    reader = reader_page(server, contexts, "photo")
    author.keyboard.type("The *architecture* slide")
    author.get_by_role("button", name="Preview").click()
    author.locator("#compose-preview em").get_by_text("architecture").wait_for(timeout=5000)
    assert server.get("/api/sessions/photo/updates")["updates"] == []  # a preview posts nothing
    photo = tmp_path / "slide.jpg"
    photo.write_bytes(jpeg_with_gps())
    author.set_input_files("#compose-image", str(photo))
    author.fill("#compose-alt", "Boxes and arrows")
    author.locator("#compose-body").press("Control+Enter")
    image = reader.locator("#updates figure.photo img")
    image.wait_for(timeout=SEEN)
    assert image.get_attribute("alt") == "Boxes and arrows"
    assert reader.evaluate("() => document.querySelector('#updates figure img').naturalWidth") == 1600
    assert author.locator("#compose-image").input_value() == ""


def test_go_live_and_end_from_the_page(server, contexts):
    server.new_session("status", status="upcoming")
    author = signed_in_author(server, contexts, "status")
    reader = reader_page(server, contexts, "status")
    author.get_by_role("button", name="Go live now").click()
    author.wait_for_function("() => document.querySelector('.session-header .status').textContent === 'Live'")
    author.get_by_role("button", name="End session").click()
    author.get_by_role("button", name="Go live now").wait_for()
    assert author.locator(".session-header .status").text_content() == "Ended"
    reader.get_by_text("This session has ended.").wait_for(timeout=(POLL * 6 + 5) * 1000)


def test_a_contributor_gets_tools_only_on_their_own_updates(server, contexts):
    server.new_session("shared-room")
    server.post("shared-room", "The editor's note")
    server.assign("cora", "shared-room")
    cora = signed_in_author(server, contexts, "shared-room", username="cora")
    assert cora.locator(".session-controls button").count() == 0  # the status is an editor's
    type_and_send(cora, "Cora's first note")
    mine = cora.locator("#updates > li", has_text="Cora's first note")
    mine.locator(".author-tools").wait_for(timeout=5000)
    assert mine.locator(".byline").inner_text() == "Cora Contributor"
    editors = cora.locator("#updates > li", has_text="The editor's note")
    assert editors.locator(".byline").inner_text() == "Ada Author"
    assert editors.locator(".author-tools").count() == 0
