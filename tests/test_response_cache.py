"""The response cache in front of Django: public reads replayed from memory, exactly as Django
answered them, until what they show changes; everything else goes through Django."""

import wsgiref.util

import pytest
from conftest import make_session, post
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

import liveblog
from liveblog import ENTRY_BYTES, ResponseCache, save_update, set_status

PUBLIC_READS = [
    "/sessions/keynote/",
    "/sessions/keynote/?order=oldest",
    "/sessions/keynote/changes/0/",
    "/api/sessions/keynote/updates",
    "/api/sessions/keynote/updates?since=1",
    "/",
    "/feed.xml",
    "/sessions/keynote/feed.xml",
    "/sessions/keynote.md",
    "/conference.md",
]


@pytest.fixture
def app(db):
    """A fresh cache in front of Django's handler, called as a WSGI server calls it."""
    cached = ResponseCache(WSGIHandler())

    def call(path, method="GET", **headers):
        environ = {"REQUEST_METHOD": method, "HTTP_HOST": "testserver", "HTTP_HX_REQUEST": "true", **headers}
        environ["PATH_INFO"], _, environ["QUERY_STRING"] = path.partition("?")
        wsgiref.util.setup_testing_defaults(environ)
        answer = {}
        # As Django's test client does around each request: the test's transaction keeps its connection.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with CaptureQueriesContext(connection) as queries:
                chunks = cached(
                    environ, lambda status, headers, exc_info=None: answer.update(status=status, headers=headers)
                )
                body = b"".join(chunks)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return answer["status"], answer["headers"], body, len(queries)

    return call


def test_a_public_read_is_replayed_as_django_made_it_with_no_query(app, session):
    post(session, "Hypermedia & htmx")
    for path in PUBLIC_READS:
        status, headers, body, queries = app(path)
        assert status.startswith("200") and queries > 0, path
        assert app(path) == (status, headers, body, 0), path  # status, every header, body; nothing asked
        assert app(path, "HEAD") == (status, headers, b"", 0), path


def test_a_304_is_answered_before_django_with_the_headers_django_gives_a_304(app, session, client):
    post(session, "x")
    for path in PUBLIC_READS:
        status, headers, body, _ = app(path)
        etag = dict(headers)["ETag"]
        django_304 = client.get(path, HTTP_IF_NONE_MATCH=etag, HTTP_HX_REQUEST="true")
        assert django_304.status_code == 304, path
        status, replayed, body, queries = app(path, HTTP_IF_NONE_MATCH=etag)
        assert (status, body, queries) == ("304 Not Modified", b"", 0), path
        replayed, own = dict(replayed), {name: value for name, value in django_304.items() if name != "Content-Type"}
        # RFC 9110: a 304 carries the Vary of the 200 it stands for; Django's gzip middleware
        # leaves Accept-Encoding out of its own 304 only because the body is empty.
        assert set(replayed.pop("Vary", "").split(", ")) >= set(own.pop("Vary", "").split(", ")) - {""}, path
        assert replayed == own, path


def test_every_change_is_seen_at_once(app, session, django_capture_on_commit_callbacks):
    update = post(session, "first")
    before = {path: app(path) for path in PUBLIC_READS}
    with django_capture_on_commit_callbacks(execute=True):
        save_update(update, body="edited")
    for path in PUBLIC_READS:
        status, headers, body, queries = app(path)
        assert queries > 0, path  # asked Django again
        assert path == "/" or body != before[path][2], path  # the schedule shows no update's text
    with django_capture_on_commit_callbacks(execute=True):
        set_status(session, "ended")  # the schedule moves it, the poll says stop
    assert app("/sessions/keynote/changes/0/")[0].startswith("286")
    assert b"Earlier" in app("/")[2] and app("/")[3] == 0


def test_authors_credentials_writes_and_unknown_sessions_go_through_django(app, session):
    post(session, "x")
    app("/sessions/keynote/")
    assert app("/sessions/keynote/", HTTP_COOKIE="sessionid=abc")[3] > 0  # a signed-in user
    assert app("/api/sessions/keynote/updates", HTTP_AUTHORIZATION="Bearer x")[3] > 0
    status, _, body, _ = app("/api/sessions/keynote/updates", "POST", CONTENT_TYPE="application/json")
    assert status.startswith("401")
    assert app("/api/sessions/nobody/updates")[0].startswith("404")
    assert app("/api/sessions/nobody/updates")[3] > 0  # not remembered
    assert app("/api/openapi.json")[3] == app("/api/openapi.json")[3]  # not a session read: always Django


def test_variants_are_kept_apart(app, db):
    make_session("keynote", "live")
    fragment, page = app("/sessions/keynote/changes/0/"), app("/sessions/keynote/changes/0/", HTTP_HX_REQUEST="")
    assert fragment[0].startswith("200") and page[0].startswith("302")  # a person is sent to the page
    gzipped = app("/sessions/keynote/", HTTP_ACCEPT_ENCODING="gzip")
    plain = app("/sessions/keynote/")
    assert dict(gzipped[1]).get("Content-Encoding") == "gzip" and "Content-Encoding" not in dict(plain[1])
    other_host = app("/api/sessions/keynote/updates", HTTP_HOST="live.example.com")
    assert b"live.example.com" in other_host[2] and b"live.example.com" not in app("/api/sessions/keynote/updates")[2]


def test_query_parameters_no_view_reads_share_one_entry(app, session):
    post(session, "x")
    first = app("/sessions/keynote/")
    for tracking in ["?utm_source=a", "?utm_source=b&fbclid=1", "?x=" + "y" * 500]:
        assert app(f"/sessions/keynote/{tracking}")[3] == 0, tracking  # the same entry, no new render
    assert app("/sessions/keynote/?order=oldest")[3] > 0  # what the view reads is its own entry
    assert app("/sessions/keynote/?utm_source=a&order=oldest")[3] == 0
    assert app("/sessions/keynote/?utm_source=c")[2] == first[2]


def test_every_cacheable_route_resolves_and_every_public_read_is_cacheable(db):
    from django.urls import get_resolver

    names = {pattern.name for pattern in get_resolver().url_patterns if getattr(pattern, "name", None)}
    api_names = {p.name for p in get_resolver().resolve("/api/sessions").tried[-1][0].url_patterns if p.name}
    assert set(liveblog.CACHED_READS) <= names | api_names  # no mark names a route that is not there
    for path in PUBLIC_READS:
        assert liveblog.read_route(path.partition("?")[0]) is not None, path
    assert liveblog.read_route("/search/") is None and liveblog.read_route("/api/openapi.json") is None


def test_it_evicts_the_least_recently_used_answers_by_size():
    entry = 1000 + ENTRY_BYTES  # an answer of 1,000 bytes, and what its key and headers cost
    cache = ResponseCache(None, max_bytes=3 * entry)
    for key in ["a", "b", "c"]:
        cache.keep(key, ("200 OK", [], b"x" * 1000))
    assert cache.recall("a")  # used again: now the most recent
    cache.keep("d", ("200 OK", [], b"x" * 1000))  # over the bound: the least recently used goes
    assert list(cache.responses) == ["c", "a", "d"] and cache.size == 3 * entry
    cache.keep("big", ("200 OK", [], b"x" * (2 * entry - ENTRY_BYTES - 12)))  # its size counts, not one entry
    assert list(cache.responses) == ["d", "big"]


def test_the_scheme_and_the_session_cookie_name_are_respected(app, session, settings):
    post(session, "x")
    app("/sessions/keynote/", **{"wsgi.url_scheme": "https"})
    assert app("/sessions/keynote/", **{"wsgi.url_scheme": "http"})[3] > 0  # not the https answer
    assert app("/sessions/keynote/", HTTP_X_FORWARDED_PROTO="https")[3] > 0
    settings.SESSION_COOKIE_NAME = "liveblog_session"
    renamed = ResponseCache(WSGIHandler())
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sessions/keynote/", "HTTP_COOKIE": "liveblog_session=abc"}
    wsgiref.util.setup_testing_defaults(environ)
    assert renamed.key(environ) is None  # a signed-in user goes through Django


def test_a_conditional_miss_still_keeps_the_whole_answer(app, session, client):
    post(session, "x")
    etag = client.get("/sessions/keynote/changes/0/", HTTP_HX_REQUEST="true")["ETag"]
    # A CDN revalidating after a restart: the first request is a miss that carries If-None-Match.
    status, _, body, queries = app("/sessions/keynote/changes/0/", HTTP_IF_NONE_MATCH=etag)
    assert (status, body) == ("304 Not Modified", b"") and queries > 0
    assert app("/sessions/keynote/changes/0/", HTTP_IF_NONE_MATCH=etag)[3] == 0  # kept: answered from memory
    assert app("/sessions/keynote/changes/0/")[0].startswith("200")


def test_it_is_safe_under_threads():
    import threading

    cache = ResponseCache(None, max_bytes=4 * 1024)  # a few entries: every keep evicts
    errors = []

    def use(offset):
        try:
            for n in range(3000):
                cache.keep((offset, n), ("200 OK", [], b"x" * 100))
                cache.recall((offset, n - 1))
                cache.recall(((offset + 1) % 4, n))
        except Exception as error:  # noqa: BLE001 (any error is the failure)
            errors.append(error)

    threads = [threading.Thread(target=use, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache.responses) * 612 == cache.size <= cache.max_bytes
