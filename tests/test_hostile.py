"""Malformed and hostile requests get the right 4xx and change nothing."""

import pytest
from conftest import basic, post
from django.test import Client

from liveblog import ApiToken, Session, Update

JSON = "application/json"
BIG = "9" * 40


def snapshot():
    return (
        list(Session.objects.values()),
        list(Update.objects.values()),
        list(ApiToken.objects.values("key_hash", "revoked_at")),
    )


# (method, path, body, content type, headers, expected status); {id} is an existing update.
CASES = [
    # cursors
    ("get", "/api/sessions/keynote/updates?since=-1", None, None, {}, 422),
    ("get", "/api/sessions/keynote/updates?since=abc", None, None, {}, 422),
    ("get", f"/api/sessions/keynote/updates?since={BIG}", None, None, {}, 422),
    ("get", "/api/sessions/keynote/updates?since=1%00", None, None, {}, 422),
    ("get", "/sessions/keynote/changes/-5/", None, None, {"HTTP_HX_REQUEST": "true"}, 400),
    ("get", f"/sessions/keynote/changes/{BIG}/", None, None, {"HTTP_HX_REQUEST": "true"}, 400),
    ("get", "/sessions/keynote/changes/1e9/", None, None, {"HTTP_HX_REQUEST": "true"}, 400),
    # unknown things
    ("get", "/api/sessions/no-such-session", None, None, {}, 404),
    ("get", "/api/sessions/no-such-session/updates", None, None, {}, 404),
    ("get", "/sessions/no-such-session/", None, None, {}, 404),
    ("get", f"/sessions/keynote/updates/{BIG}/", None, None, {}, 404),
    ("get", "/search/?q=a%00b" + BIG, None, None, {}, 200),
    ("get", "/sessions/no-such-session/changes/0/", None, None, {"HTTP_HX_REQUEST": "true"}, 404),
    ("patch", "/api/updates/999999", {"body": "x"}, JSON, "auth", 404),
    ("delete", "/api/updates/999999", None, None, "auth", 404),
    ("patch", "/api/updates/not-a-number", {"body": "x"}, JSON, "auth", 422),
    ("patch", f"/api/updates/{BIG}", {"body": "x"}, JSON, "auth", 422),
    ("delete", "/api/updates/0", None, None, "auth", 422),
    ("get", "/api/sessions/a%00b/updates", None, None, {}, 422),
    ("get", "/api/sessions/a%00b", None, None, {}, 422),
    ("post", "/api/sessions/a%00b/updates", {"body": "x"}, JSON, "auth", 422),
    ("post", "/api/sessions/no-such-session/updates", {"body": "x"}, JSON, "auth", 404),
    # wrong methods
    ("put", "/api/updates/{id}", {"body": "x"}, JSON, "auth", 405),
    ("get", "/api/tokens", None, None, {}, 405),
    ("post", "/sessions/keynote/", {}, None, {}, 403),  # refused for its missing CSRF token first
    ("delete", "/api/sessions/keynote", None, None, "auth", 405),
    # wrong content types and broken bodies
    ("post", "/api/sessions/keynote/updates", "{broken json", JSON, "auth", 400),
    ("post", "/api/sessions/keynote/updates", "body=hello", "text/plain", "auth", 415),
    ("post", "/api/sessions/keynote/updates", "{}", JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", "null", JSON, "auth", 400),
    ("post", "/api/sessions/keynote/updates", '"text"', JSON, "auth", 400),
    ("post", "/api/sessions/keynote/updates", '{"body": 7}', JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", '{"body": "x", "pinned": "yes"}', JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", '{"body": "x", "pinned": null}', JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", "[1, 2]", JSON, "auth", 400),
    ("patch", "/api/sessions/keynote", "[null, null]", JSON, "auth", 400),
    ("post", "/api/tokens", '"a string"', JSON, "basic", 400),
    ("post", "/api/tokens", {"name": "nul\x00"}, JSON, "basic", 422),
    ("patch", "/api/sessions/keynote", {"room": "nul\x00"}, JSON, "auth", 422),
    (
        "post",
        "/api/sessions",
        {"title": "x", "speakers": "\x1b[31m", "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    ("post", "/api/sessions/keynote/updates", '{"body": 12}', JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", '{"body": null}', JSON, "auth", 422),
    ("patch", "/api/updates/{id}", '{"pinned": "maybe"}', JSON, "auth", 422),
    # sizes and characters
    ("post", "/api/sessions/keynote/updates", {"body": "x" * 10_001}, JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", {"body": "nul \x00 byte"}, JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", {"body": "bell \x07"}, JSON, "auth", 422),
    ("post", "/api/sessions/keynote/updates", {"body": "   "}, JSON, "auth", 422),
    (
        "post",
        "/api/sessions",
        {"title": "t" * 201, "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "nul\x00", "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "x", "slug": "../../etc", "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "x", "speakers": "s" * 201, "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    ("post", "/api/sessions", {"title": "x", "starts_at": "yesterday", "minutes": 60}, JSON, "auth", 422),
    (
        "post",
        "/api/sessions",
        {"title": "x", "starts_at": "2122-11-26T03:42:24+18:44", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "x", "starts_at": "9999-12-31T22:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "x", "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60, "time_zone": "../../../etc/passwd"},
        JSON,
        "auth",
        422,
    ),
    (
        "post",
        "/api/sessions",
        {"title": "x", "slug": "keynote", "starts_at": "2025-09-08T10:00:00-05:00", "minutes": 60},
        JSON,
        "auth",
        409,
    ),
    ("patch", "/api/sessions/keynote", {"status": "paused"}, JSON, "auth", 422),
    ("patch", "/api/sessions/keynote", {"title": ""}, JSON, "auth", 422),
    # missing, forged, malformed credentials
    ("post", "/api/sessions/keynote/updates", {"body": "x"}, JSON, {}, 401),
    ("post", "/api/sessions/keynote/updates", {"body": "x"}, JSON, {"HTTP_AUTHORIZATION": "Bearer lb_forged"}, 401),
    ("post", "/api/sessions/keynote/updates", {"body": "x"}, JSON, {"HTTP_AUTHORIZATION": "Bearer "}, 401),
    ("post", "/api/sessions/keynote/updates", {"body": "x"}, JSON, {"HTTP_AUTHORIZATION": "bearer\x00x"}, 401),
    ("delete", "/api/updates/{id}", None, None, {"HTTP_AUTHORIZATION": "Basic YXV0aG9yOnB3"}, 401),
    ("post", "/api/tokens", None, None, {"HTTP_AUTHORIZATION": "Bearer lb_x"}, 401),
    ("post", "/api/tokens", None, None, {"HTTP_AUTHORIZATION": "Basic %%%"}, 401),
    ("post", "/api/tokens", "", JSON, "reader-basic", 403),
    ("post", "/api/sessions/keynote/updates", {"body": "x"}, JSON, "reader-token", 403),
    # the admin refuses a form without its CSRF token
    ("post", "/admin/liveblog/update/add/", {"session": "1", "body": "no csrf"}, None, "admin-no-csrf", 403),
    # found by a security probe: each was a 500
    ("get", "/sessions/keynote/changes/" + "9" * 4301 + "/", None, None, {"HTTP_HX_REQUEST": "true"}, 400),
    ("get", "/sessions/nobody/changes/" + "9" * 5000 + "/", None, None, {}, 400),
    ("get", "/media/slides/" + "a" * 300 + ".jpg", None, None, {}, 404),
    ("get", "/media/" + "/".join(["b" * 250] * 4), None, None, {}, 404),
    ("post", "/api/tokens", b"--x--", "multipart/form-data", "basic", 400),  # no boundary
    ("post", "/api/tokens", b"--x--", "multipart/form-data; boundary=", "basic", 400),
    ("post", "/login/", b"--x--", "multipart/form-data", {}, 400),
    ("post", "/api/sessions/keynote/updates", '{"a":' * 100_000 + "1" + "}" * 100_000, JSON, "auth", 400),
    ("post", "/api/sessions", "[" * 100_000 + "]" * 100_000, JSON, "auth", 400),
    ("post", "/api/sessions/keynote/updates", {"body": "[" * 10_000}, JSON, "auth", 422),
    ("patch", "/api/sessions/keynote", {"title": "Title\r\nX-INJECTED:1"}, JSON, "auth", 422),
    ("patch", "/api/updates/{id}", {"body": "\u200b\u00a0"}, JSON, "auth", 422),
]


@pytest.mark.parametrize(
    "method, path, body, content_type, headers, expected",
    CASES,
    ids=[f"{c[0].upper()} {c[1][:50]} {str(c[2])[:20]} -> {c[5]}" for c in CASES],
)
def test_hostile_request_gets_a_4xx_and_changes_nothing(
    db, session, token, reader, admin_user, method, path, body, content_type, headers, expected
):
    update = post(session, "already here")
    client = Client(enforce_csrf_checks=True)
    if headers == "auth":
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    elif headers == "reader-token":
        headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(reader, 'r')[1]}"}
    elif headers == "basic":
        headers = basic("author")
    elif headers == "reader-basic":
        headers = basic("reader")
    elif headers == "admin-no-csrf":
        client.force_login(admin_user)
        headers = {}
    before = snapshot()
    kwargs = {"content_type": content_type} if content_type else {}
    if body is not None:
        kwargs["data"] = body
    response = getattr(client, method)(path.replace("{id}", str(update.pk)), **kwargs, **headers)
    assert response.status_code == expected, response.content[:300]
    assert snapshot() == before


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30
