"""The author's outbox in a real Chromium: posts written with no connection, answers lost on
the way back, a reload with posts still waiting and a refused post among good ones. Each
ends with the server holding every post once, in the order written."""

import time
from pathlib import Path

import pytest
from conftest import jpeg_with_gps, signed_in_author
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

OUTBOX_JS = Path(__file__).resolve().parent.parent / "static" / "liveblog" / "outbox.js"
WAIT = 20_000  # ms: a retry waits at most a few seconds of back-off


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("outbox"), poll_seconds=1).start()
    yield live
    live.close()


def posted(server, slug):
    return server.get(f"/api/sessions/{slug}/updates")["updates"]


def assert_posted(page, server, slug, expected):
    """Waits for the server to show `expected`: the outbox may still be sending (or backing
    off), and another server process may answer from its cache for VERSION_TTL (2 s). It
    waits through the page, so that Playwright goes on running the test's routes meanwhile."""
    deadline = time.monotonic() + WAIT / 1000
    while True:
        updates = posted(server, slug)
        if [u["body"] for u in updates] == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    assert [u["body"] for u in updates] == expected
    return updates


@pytest.fixture
def contexts(contexts):
    """conftest's contexts, whose pages must throw no uncaught JavaScript error."""
    errors = []

    def new_context():
        context = contexts()
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(error)))
        return context

    yield new_context
    assert errors == []


def queue(page, text):
    page.locator("#compose-body").fill(text)
    page.locator("#compose-body").press("Control+Enter")


def waiting(page, count):
    page.locator("#outbox-status").get_by_text(f"{count} waiting to send").wait_for(timeout=WAIT)
    assert page.locator("#outbox-posts > li").count() == count


def test_with_the_network_cut_posts_wait_in_order_and_go_when_it_returns(server, contexts, tmp_path):
    server.new_session("offline")
    author = signed_in_author(server, contexts, "offline")
    assert author.locator("#compose-image").get_attribute("capture") == "environment"  # a phone opens its camera
    author.context.set_offline(True)
    queue(author, "First, written offline")
    assert author.locator("#compose-body").input_value() == ""  # the box is free at once
    photo = tmp_path / "slide.jpg"
    photo.write_bytes(jpeg_with_gps(800, 600))
    author.set_input_files("#compose-image", str(photo))
    author.fill("#compose-alt", "The offline slide")
    queue(author, "Second, with a photo")
    queue(author, "Third")
    waiting(author, 3)
    assert author.locator("#outbox-posts > li .badge").all_inner_texts() == ["Not sent yet"] * 3
    assert author.locator("#outbox-posts > li p").all_inner_texts() == [
        "First, written offline",
        "Second, with a photo",
        "Third",
    ]
    author.wait_for_timeout(2500)  # a few failed attempts and their back-off
    assert posted(server, "offline") == []

    author.context.set_offline(False)
    author.locator("#outbox").wait_for(state="hidden", timeout=WAIT)
    updates = assert_posted(author, server, "offline", ["First, written offline", "Second, with a photo", "Third"])
    assert updates[1]["image"] and updates[1]["image_alt"] == "The offline slide"
    author.locator("#updates").get_by_text("Third").wait_for(timeout=WAIT)


def test_a_post_whose_answer_is_lost_is_sent_again_once_and_the_next_keeps_its_own_text(server, contexts):
    server.new_session("lost")
    author = signed_in_author(server, contexts, "lost")
    reached = []

    def drop_the_first_answer(route):
        if reached:
            return route.continue_()
        reached.append(route.fetch().status)  # the server takes the post...
        route.abort("connectionreset")  # ...and its answer never reaches the page

    author.route("**/sessions/lost/updates/", drop_the_first_answer)
    queue(author, "Taken, but the answer was lost")
    queue(author, "A different thought, typed next")  # the old bug: sent under the first key and dropped
    assert_posted(author, server, "lost", ["Taken, but the answer was lost", "A different thought, typed next"])
    assert reached == [201]
    author.locator("#updates").get_by_text("A different thought, typed next").wait_for(timeout=WAIT)
    assert author.locator("#updates > li").count() == 2 and author.locator("#outbox").is_hidden()


def test_posts_still_waiting_survive_a_reload_and_a_closed_tab(server, contexts):
    server.new_session("survive")
    server.new_session("elsewhere")
    author = signed_in_author(server, contexts, "survive")
    author.route("**/sessions/survive/updates/", lambda route: route.abort("internetdisconnected"))
    queue(author, "Queued before the reload")
    queue(author, "Also queued")
    waiting(author, 2)
    author.reload()
    waiting(author, 2)  # still there, still in order
    assert author.locator("#outbox-posts > li p").all_inner_texts() == ["Queued before the reload", "Also queued"]
    author.close()

    other = author.context.new_page()  # the author opens another session's page later
    other.goto(f"{server.url}/sessions/elsewhere/")
    assert_posted(other, server, "survive", ["Queued before the reload", "Also queued"])
    other.locator("#outbox").wait_for(state="hidden", timeout=WAIT)
    assert posted(server, "elsewhere") == []


def test_a_refused_post_waits_with_its_error_while_the_others_go_through(server, contexts):
    server.new_session("refused")
    author = signed_in_author(server, contexts, "refused")
    author.context.set_offline(True)
    queue(author, "One")
    author.evaluate("() => { document.getElementById('compose-body').value = 'ring the bell \\u0007'; }")
    author.locator("#compose-body").press("Control+Enter")
    queue(author, "Three")
    waiting(author, 3)
    author.context.set_offline(False)

    refused = author.locator("#outbox-posts > li.refused")
    refused.get_by_text("must not contain control characters").wait_for(timeout=WAIT)
    assert refused.locator(".badge").inner_text() == "Not posted"
    assert_posted(author, server, "refused", ["One", "Three"])
    # the refused post is named as refused, not counted as waiting to send
    assert author.locator("#outbox-status").inner_text() == "1 refused: edit or discard it"

    refused.get_by_role("button", name="Edit").click()  # back into the box, to fix and post again
    author.locator("#outbox").wait_for(state="hidden")
    assert author.locator("#compose-body").input_value() == "ring the bell \x07"
    queue(author, "ring the bell")
    author.locator("#updates").get_by_text("ring the bell").wait_for(timeout=WAIT)
    assert_posted(author, server, "refused", ["One", "Three", "ring the bell"])

    author.evaluate("() => { document.getElementById('compose-body').value = 'again \\u0007'; }")
    author.locator("#compose-body").press("Control+Enter")
    refused.get_by_role("button", name="Discard").click(timeout=WAIT)
    author.locator("#outbox").wait_for(state="hidden")
    assert_posted(author, server, "refused", ["One", "Three", "ring the bell"])


def test_the_outbox_sends_in_the_order_written_one_at_a_time_with_a_key_each(browser):
    """outbox.js alone, with a store in memory and a server that fails in scripted ways."""
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><title>outbox</title>")
        page.add_script_tag(path=str(OUTBOX_JS))
        result = page.evaluate("""async () => {
            const posts = [], attempts = [];
            let nextId = 1, inFlight = 0, mostAtOnce = 0, lostAnswers = 2, unavailable = 1;
            const store = {
                all: async () => posts.map((p) => ({ ...p })),
                add: async (p) => { posts.push({ ...p, id: nextId++ }); },
                put: async (p) => { posts[posts.findIndex((q) => q.id === p.id)] = p; },
                remove: async (id) => { posts.splice(posts.findIndex((q) => q.id === id), 1); },
            };
            const send = async (post) => {
                inFlight += 1;
                mostAtOnce = Math.max(mostAtOnce, inFlight);
                await new Promise((resolve) => setTimeout(resolve, 5));
                inFlight -= 1;
                attempts.push([post.body, post.key]);
                if (post.body === "two" && lostAnswers-- > 0) throw new TypeError("Failed to fetch");
                if (post.body === "four" && unavailable-- > 0) return { status: 503 };
                if (post.body === "bad") return { status: 422, text: "body: must not be empty." };
                return { status: 201, text: "" };
            };
            const outbox = new LiveblogOutbox({ store, send, changed: () => {}, baseSeconds: 0.01 });
            for (const body of ["one", "two", "bad", "four", "five"]) await outbox.add({ body });
            while (posts.some((p) => !p.error)) await new Promise((resolve) => setTimeout(resolve, 10));
            return { attempts, mostAtOnce, left: posts };
        }""")
    finally:
        page.close()
    bodies = [body for body, _ in result["attempts"]]
    assert bodies == ["one", "two", "two", "two", "bad", "four", "four", "five"]
    keys = {body: {key for b, key in result["attempts"] if b == body} for body in bodies}
    assert all(len(each) == 1 for each in keys.values())  # a retry carries the post's own key
    assert len({next(iter(each)) for each in keys.values()}) == 5  # and each post has a key of its own
    assert result["mostAtOnce"] == 1
    assert [(p["body"], p["error"]) for p in result["left"]] == [("bad", "body: must not be empty.")]
