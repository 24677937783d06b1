"""axe-core in Chromium on the reader's and the author's pages, in light and dark colour schemes."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

CODE = """```python
@app.route("/sessions/<slug:slug>/")  # a decorator, a comment
def session_page(request, slug: str, before=None) -> HttpResponse:
    count, ratio, text = 5_000, 1.09, f"{slug!r} and \\n and 'quotes'"
    if not (before is None or before > 0x1F):
        raise ValueError("a string", count)
    return render(request, "liveblog/session.html", {"slug": slug, **globals()})
```"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("axe"), poll_seconds=5).start()
    live.new_session("live-talk")
    live.first_update = live.post(
        "live-talk", "Query counts are the usual **bottleneck**: [a link](https://example.com)", pinned=True
    )["id"]
    live.post("live-talk", "> A quote, `code` and a list:\n\n- one\n- two")
    live.post("live-talk", CODE)  # highlighted: every token colour must meet the contrast rules
    live.post(
        "live-talk", "The demo:\nhttps://youtu.be/dQw4w9WgXcQ\n\n![The roadmap](https://slides.example.org/r.png)"
    )
    recording = {"kind": "recording", "title": "Recording", "url": "https://vimeo.com/76979871"}
    live.api("PATCH", "/sessions/live-talk", {"links": [recording]})  # embed cards, before a click
    live.new_session("old-talk", status="ended")
    live.post("old-talk", "Stored or virtual?")
    live.new_session("next-talk", status="upcoming")
    yield live
    live.close()


def violations(page, axe_script):
    page.add_script_tag(path=str(axe_script))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_and_author_pages_have_no_axe_violation(server, browser, axe_script, scheme):
    # The app's CSP (rightly) refuses the injected axe script; bypassing it changes nothing axe reads.
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        found = {}
        for path in [
            "/",
            "/sessions/live-talk/",
            "/sessions/old-talk/",
            "/sessions/next-talk/",
            f"/sessions/live-talk/updates/{server.first_update}/",
            "/sessions/live-talk/embed/",
            "/search/?q=bottleneck",
            "/login/",
        ]:  # the sign-in page last: the test signs in on it
            page.goto(server.url + path)
            page.wait_for_load_state("load")
            found[path] = violations(page, axe_script)
        page.fill("#id_username", "author")
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.goto(server.url + "/sessions/live-talk/")
        page.wait_for_function("() => document.querySelector('#updates .author-tools')")  # the desk and its tools
        found["author's /sessions/live-talk/"] = violations(page, axe_script)
        page.goto(server.url + "/my/")
        found["/my/"] = violations(page, axe_script)
        page.goto(server.url + "/sessions/live-talk/")
        page.wait_for_function("() => document.querySelector('#updates .author-tools')")
        page.evaluate("() => { document.getElementById('compose-body').value = 'refused \\u0007'; }")
        page.locator("#compose-body").press("Control+Enter")  # a post the server refuses...
        page.locator("#outbox-posts li.refused").wait_for()
        context.set_offline(True)
        page.locator("#compose-body").fill("Waiting for the network")  # ...and one that waits
        page.locator("#compose-body").press("Control+Enter")
        page.locator("#outbox-status").get_by_text("1 waiting to send").wait_for()  # and 1 refused
        found["author's outbox"] = violations(page, axe_script)
        context.set_offline(False)
        print(scheme, {path: len(v) for path, v in found.items()})
        assert found == {path: [] for path in found}
    finally:
        context.close()
