"""The poll path through Django: ETags and 304s, what a shared cache may keep, the query counts.
(tests/test_response_cache.py covers the cache in front of Django.)"""

import wsgiref.util

import pytest
from conftest import make_session, post
from django.db import connection
from django.test.utils import CaptureQueriesContext

import liveblog

HTMX = {"HTTP_HX_REQUEST": "true"}


def queries_during(fn):
    with CaptureQueriesContext(connection) as captured:
        response = fn()
    return response, [q["sql"] for q in captured.captured_queries]


def test_a_no_change_poll_body_is_at_most_300_bytes(client, session):
    post(session, "x")
    fragment = client.get("/sessions/keynote/changes/1/", **HTMX).content
    json = client.get("/api/sessions/keynote/updates?since=1").content
    assert len(fragment) <= 300, len(fragment)
    assert len(json) <= 600  # carries the session's details as the contract says


@pytest.mark.parametrize(
    "url",
    [
        "/sessions/keynote/",
        "/sessions/keynote/changes/0/",
        "/api/sessions/keynote/updates",
        "/api/sessions/keynote/updates?since=0",
    ],
)
def test_query_counts_stay_constant_from_10_to_500_updates(client, session, url):
    counts = []
    for total in [10, 500]:
        liveblog.Update.objects.bulk_create(
            [
                liveblog.Update(session=session, body=f"u{n}", html=f"<p>u{n}</p>", version=n + 1)
                for n in range(total - session.updates.count())
            ]
        )
        liveblog.Session.objects.filter(pk=session.pk).update(version=total)
        from django.core.cache import cache

        cache.clear()
        response, queries = queries_during(lambda: client.get(url, **HTMX))
        assert response.status_code == 200 and response.content.count(b"u4") >= 1
        counts.append(len(queries))
    # The session, its links and bloggers, the cursor, the updates, the name; a page also reads its
    # key moments and its link preview's photo.
    assert counts[0] == counts[1] <= (8 if url == "/sessions/keynote/" else 6)


@pytest.mark.parametrize(
    "url", ["/sessions/keynote/", "/sessions/keynote/changes/0/", "/api/sessions/keynote/updates?since=0"]
)
def test_a_matching_etag_gets_a_304_with_an_empty_body(client, session, url):
    post(session, "x")
    first = client.get(url, **HTMX)
    etag = first["ETag"]
    assert etag.startswith('"') and first.content
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    weak = client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}', **HTMX)
    assert weak.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"', **HTMX).status_code == 200


def test_a_change_gives_a_new_etag_and_the_new_body(client, session, django_capture_on_commit_callbacks):
    post(session, "first")
    old = client.get("/sessions/keynote/changes/1/", **HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        post(session, "second")
    new = client.get("/sessions/keynote/changes/1/", HTTP_IF_NONE_MATCH=old["ETag"], **HTMX)
    assert new.status_code == 200 and new["ETag"] != old["ETag"] and b"second" in new.content


def test_etags_differ_where_the_bodies_differ(client, session):
    post(session, "x"), post(session, "y")
    tags = {
        client.get(url, **HTMX)["ETag"]
        for url in [
            "/sessions/keynote/",
            "/sessions/keynote/?order=oldest",
            "/sessions/keynote/changes/0/",
            "/api/sessions/keynote/updates?since=0",
            "/api/sessions/keynote/updates?since=1",
        ]
    }
    assert len(tags) == 5


@pytest.mark.parametrize("status, s_maxage, max_age", [("live", 2, 0), ("upcoming", 15, 0), ("ended", 3600, 300)])
def test_cache_control_for_live_upcoming_and_ended(client, db, status, s_maxage, max_age):
    make_session("s", status)
    for url in ["/sessions/s/", "/sessions/s/changes/0/", "/api/sessions/s/updates?since=0"]:
        response = client.get(url, **HTMX)
        directives = dict(d.strip().partition("=")[::2] for d in response["Cache-Control"].split(","))
        assert "public" in directives
        assert int(directives["s-maxage"]) == s_maxage and int(directives["max-age"]) == max_age
        assert int(directives["stale-while-revalidate"]) >= s_maxage
        assert int(directives["stale-if-error"]) == 86400  # a CDN keeps answering through an origin outage
        assert response["ETag"]


def test_the_fragment_varies_on_the_htmx_header(client, session):
    response = client.get("/sessions/keynote/changes/0/", **HTMX)
    assert "HX-Request" in response["Vary"]


def test_an_ended_session_still_answers_286_from_the_cache(client, db):
    make_session("over", "ended")
    assert client.get("/sessions/over/changes/0/", **HTMX).status_code == 286
    assert client.get("/sessions/over/changes/0/", **HTMX).status_code == 286


def test_the_wsgi_handler_is_built_once_per_process(db, monkeypatch, settings):
    from django.core import wsgi

    settings.SECRET_KEY = "a-production-key-" + "x" * 40

    built = []
    real = wsgi.get_wsgi_application
    monkeypatch.setattr(wsgi, "get_wsgi_application", lambda: built.append(1) or real())
    monkeypatch.setattr(liveblog.app, "_wsgi_handler", None)
    for _ in range(3):
        environ = {"PATH_INFO": "/api/openapi.json", "REQUEST_METHOD": "GET"}
        wsgiref.util.setup_testing_defaults(environ)
        environ["HTTP_HOST"] = "testserver"
        statuses = []
        b"".join(liveblog.app(environ, lambda status, headers, exc_info=None, seen=statuses: seen.append(status)))
        assert statuses == ["200 OK"]
    assert len(built) == 1


@pytest.mark.parametrize(
    "query, status", [("?since=-1", 422), ("?since=abc", 422), ("?since=", 422), ("?since=99999999999999999999", 422)]
)
def test_a_bad_cursor_still_gets_the_api_error(client, session, query, status):
    response = client.get(f"/api/sessions/{session.slug}/updates{query}")
    assert response.status_code == status and response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]
