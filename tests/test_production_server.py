"""The README's production command, `granian --interface wsgi --workers 2 liveblog:app`,
serves the whole app: pages, static files, the API, polls, HEAD and the replayed 304."""

import time

import pytest
from liveserver import LiveServer, http

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("granian"), server="granian").start()
    live.new_session("keynote")
    yield live
    live.close()


def test_granian_serves_pages_static_files_and_the_api(server):
    for path in [
        "/",
        "/sessions/keynote/",
        "/feed.xml",
        "/sessions/keynote.md",
        "/login/",
        "/favicon.ico",
        "/static/liveblog/live.js",
        "/static/django_htmx/htmx-2.min.js",
        "/api/docs",
        "/admin/login/",
    ]:
        status, headers, body = http("GET", server.url + path)
        assert status == 200 and body, path
    status, headers, _ = http("GET", server.url + "/sessions/keynote/")
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert http("GET", server.url + "/sessions/no-such-talk/")[0] == 404


def test_granian_takes_a_post_that_every_poll_then_carries(server):
    cursor = server.get("/api/sessions/keynote/updates")["cursor"]
    fragment = http("GET", f"{server.url}/sessions/keynote/changes/{cursor}/", headers={"HX-Request": "true"})
    assert fragment[0] == 200 and b"Served by granian" not in fragment[2]
    status, _, _ = http(
        "POST", f"{server.url}/api/sessions/keynote/updates", {"body": "Served by **granian**"}, token=server.token
    )
    assert status == 201
    # Each of the two workers sees it at once or, if it cached the version before, within
    # LIVEBLOG_VERSION_TTL (2 s without Redis): the bound the README gives.
    deadline = time.monotonic() + 2 + 3
    while True:
        status, _, body = http(
            "GET", f"{server.url}/sessions/keynote/changes/{cursor}/", headers={"HX-Request": "true"}
        )
        updates = server.get(f"/api/sessions/keynote/updates?since={cursor}")["updates"]
        if b"Served by <strong>granian</strong>" in body and updates or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert status == 200 and b"Served by <strong>granian</strong>" in body
    assert [u["body"] for u in updates] == ["Served by **granian**"]


def test_granian_answers_head_and_revalidation(server):
    # A session nothing has just changed: right after a change, another worker may answer from
    # the version before it for up to LIVEBLOG_VERSION_TTL (2 s without Redis).
    server.new_session("quiet")
    status, headers, body = http("GET", server.url + "/sessions/quiet/")
    again = http("GET", server.url + "/sessions/quiet/", headers={"If-None-Match": headers["ETag"]})
    assert again[0] == 304 and again[2] == b"" and again[1]["ETag"] == headers["ETag"]
    head = http("HEAD", server.url + "/sessions/quiet/")
    assert head[0] == 200 and head[2] == b"" and head[1]["Content-Type"] == headers["Content-Type"]
