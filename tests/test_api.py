"""The JSON API under /api/: its contract, its writes and its error statuses."""

import pytest
from conftest import make_session, post

from liveblog import Session, Update, delete_update

JSON = "application/json"


def test_list_sessions_and_filter_by_status(client, db):
    make_session("now", "live"), make_session("soon", "upcoming"), make_session("past", "ended")
    response = client.get("/api/sessions")
    assert response.status_code == 200
    assert {s["slug"]: s["status"] for s in response.json()} == {"now": "live", "soon": "upcoming", "past": "ended"}
    assert [s["slug"] for s in client.get("/api/sessions?status=upcoming").json()] == ["soon"]
    assert [s["slug"] for s in client.get("/api/sessions?status=ended").json()] == ["past"]


def test_hand_set_status_wins_over_the_times(client, db):
    make_session("ended-early", "live", status_override="ended")
    assert [s["slug"] for s in client.get("/api/sessions?status=ended").json()] == ["ended-early"]
    assert client.get("/api/sessions?status=live").json() == []


def test_get_one_session(client, session):
    data = client.get("/api/sessions/keynote").json()
    assert data["title"] == session.title and data["time_zone"] == "America/Chicago"
    assert data["url"] == "http://testserver/sessions/keynote/"


def test_updates_contract_full_state(client, session, poster):
    update = post(session, "Hello *world*", pinned=True, author=poster)
    data = client.get("/api/sessions/keynote/updates").json()
    assert set(data) == {"session", "cursor", "updates", "deleted"}
    assert data["session"]["status"] == "live" and data["cursor"] == 1 and data["deleted"] == []
    (item,) = data["updates"]
    assert item["id"] == update.pk and item["version"] == 1 and item["pinned"] is True
    assert item["body"] == "Hello *world*" and item["html"] == "<p>Hello <em>world</em></p>"
    assert item["author"] == "Ada Author" and item["edited_at"] is None and item["created_at"]
    assert item["url"] == f"http://testserver/sessions/keynote/updates/{update.pk}/"


def test_updates_since_returns_changes_and_deleted_ids(client, session):
    first, second = post(session, "one"), post(session, "two")
    delete_update(first)
    data = client.get("/api/sessions/keynote/updates?since=2").json()
    assert data["cursor"] == 3 and data["updates"] == [] and data["deleted"] == [first.pk]
    data = client.get("/api/sessions/keynote/updates?since=0").json()
    assert [u["id"] for u in data["updates"]] == [second.pk] and data["deleted"] == [first.pk]


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "", str(2**63), "1e3"])
def test_a_since_that_is_not_a_non_negative_integer_is_422(client, session, since):
    response = client.get(f"/api/sessions/keynote/updates?since={since}")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_unknown_slug_is_404(client, db):
    for url in ["/api/sessions/nope", "/api/sessions/nope/updates"]:
        response = client.get(url)
        assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_unknown_status_filter_is_422(client, db):
    assert client.get("/api/sessions?status=paused").status_code == 422


def test_post_update(client, session, auth, poster):
    response = client.post("/api/sessions/keynote/updates", {"body": "Posted **now**"}, content_type=JSON, **auth)
    assert response.status_code == 201
    data = response.json()
    assert data["html"] == "<p>Posted <strong>now</strong></p>" and data["version"] == 1
    assert Update.objects.get(pk=data["id"]).author == poster


def test_patch_update_body_and_pinned(client, session, auth):
    update = post(session, "typo")
    response = client.patch(f"/api/updates/{update.pk}", {"body": "fixed"}, content_type=JSON, **auth)
    assert response.status_code == 200
    assert response.json()["body"] == "fixed" and response.json()["edited_at"] is not None
    response = client.patch(f"/api/updates/{update.pk}", {"pinned": True}, content_type=JSON, **auth)
    assert response.json()["pinned"] is True and response.json()["version"] == 3


def test_delete_update_leaves_a_tombstone(client, session, auth):
    update = post(session, "bye")
    response = client.delete(f"/api/updates/{update.pk}", **auth)
    assert response.status_code == 204
    assert Update.objects.get(pk=update.pk).deleted_at is not None
    assert client.delete(f"/api/updates/{update.pk}", **auth).status_code == 404
    assert client.patch(f"/api/updates/{update.pk}", {"pinned": True}, content_type=JSON, **auth).status_code == 404


def test_create_session(client, db, auth):
    payload = {
        "title": "Django's GeneratedField by example",
        "speakers": "Paolo Melchiorre",
        "starts_at": "2025-09-08T14:00:00-05:00",
        "minutes": 45,
        "time_zone": "America/Chicago",
    }
    response = client.post("/api/sessions", payload, content_type=JSON, **auth)
    assert response.status_code == 201
    data = response.json()
    assert data["slug"] == "djangos-generatedfield-by-example"
    assert data["starts_at"] == "2025-09-08T19:00:00Z"  # 14:00 in Chicago (CDT)
    again = client.post("/api/sessions", payload, content_type=JSON, **auth).json()
    assert again["slug"] == "djangos-generatedfield-by-example-2"
    clash = client.post("/api/sessions", {**payload, "slug": data["slug"]}, content_type=JSON, **auth)
    assert clash.status_code == 409


def test_a_session_made_through_the_api_reaches_the_cached_schedule_at_once(
    client, session, auth, django_capture_on_commit_callbacks
):
    from liveblog import conference_state

    assert len(conference_state()[1]) == 1  # now cached, for up to LIVEBLOG_VERSION_TTL
    payload = {"title": "Lightning talks", "starts_at": "2025-09-08T17:00:00-05:00", "minutes": 60}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/sessions", payload, content_type=JSON, **auth).status_code == 201
    assert len(conference_state()[1]) == 2
    assert "Lightning talks" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "not a known IANA time zone"),
        ({"minutes": 0}, "greater than or equal to 1"),
        ({"starts_at": "2025-09-08T14:00:00"}, "with its offset"),
        ({"title": "   "}, "'title'], 'msg': 'Value error, must not be empty'"),
        ({"title": "Keynote\x85Opening"}, "'title'], 'msg': 'Value error, must not contain control characters'"),  # C1
        ({"title": "x" * 201}, "at most 200"),
        ({"slug": "no spaces"}, "pattern"),
    ],
)
def test_invalid_session_is_422_with_a_clear_message(client, db, auth, change, message):
    payload = {"title": "T", "starts_at": "2025-09-08T14:00:00-05:00", "minutes": 45, **change}
    response = client.post("/api/sessions", payload, content_type=JSON, **auth)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert Session.objects.count() == 0


@pytest.mark.parametrize("body", ["", "   \n", "x" * 10_001])
def test_empty_or_over_long_body_is_422(client, session, auth, body):
    response = client.post("/api/sessions/keynote/updates", {"body": body}, content_type=JSON, **auth)
    assert response.status_code == 422
    assert Update.objects.count() == 0


def test_patch_with_nothing_to_change_is_422(client, session, auth):
    update = post(session, "same")
    response = client.patch(f"/api/updates/{update.pk}", {}, content_type=JSON, **auth)
    assert response.status_code == 422
    assert Update.objects.get(pk=update.pk).version == 1


def test_broken_json_is_a_4xx_not_a_500(client, session, auth):
    response = client.post("/api/sessions/keynote/updates", "{not json", content_type=JSON, **auth)
    assert 400 <= response.status_code < 500
    assert Update.objects.count() == 0


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/sessions"),
        ("post", "/api/sessions/keynote/updates"),
        ("patch", "/api/updates/{id}"),
        ("delete", "/api/updates/{id}"),
    ],
)
def test_writes_without_or_with_a_bad_token_are_401(client, session, method, url):
    update = post(session, "safe")
    url = url.format(id=update.pk)
    for headers in [{}, {"HTTP_AUTHORIZATION": "Bearer lb_forged"}, {"HTTP_AUTHORIZATION": "Token x"}]:
        response = getattr(client, method)(url, {"body": "x", "title": "x"}, content_type=JSON, **headers)
        assert response.status_code == 401
        assert "Bearer" in response.json()["detail"] and response["WWW-Authenticate"].startswith("Bearer")
    assert Update.objects.get(pk=update.pk).body == "safe" and Update.objects.count() == 1


def test_writes_by_a_user_who_may_not_post_are_403(client, session, reader):
    from liveblog import ApiToken

    raw = ApiToken.issue(reader, "no rights")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    update = post(session, "safe")
    assert client.post("/api/sessions/keynote/updates", {"body": "x"}, content_type=JSON, **headers).status_code == 403
    assert client.patch(f"/api/updates/{update.pk}", {"body": "x"}, content_type=JSON, **headers).status_code == 403
    assert client.delete(f"/api/updates/{update.pk}", **headers).status_code == 403
    assert "Editors or Contributors" in client.delete(f"/api/updates/{update.pk}", **headers).json()["detail"]
    assert client.patch(f"/api/updates/{update.pk}", {"pinned": True}, content_type=JSON, **headers).status_code == 403
    assert client.patch("/api/sessions/keynote", {"status": "ended"}, content_type=JSON, **headers).status_code == 403
    for anonymous in [
        client.patch(f"/api/updates/{update.pk}", {"pinned": True}, content_type=JSON),
        client.patch("/api/sessions/keynote", {"status": "ended"}, content_type=JSON),
    ]:
        assert anonymous.status_code == 401
    assert Update.objects.get(pk=update.pk).body == "safe" and Update.objects.count() == 1
    assert not Update.objects.get(pk=update.pk).pinned and Session.objects.get().status_override == ""


def test_unknown_update_id_is_404(client, db, auth):
    assert client.patch("/api/updates/999", {"body": "x"}, content_type=JSON, **auth).status_code == 404
    assert client.delete("/api/updates/999", **auth).status_code == 404


def test_openapi_document_and_docs_page_need_no_internet(client, db):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/sessions", "/api/sessions/{slug}/updates", "/api/updates/{update_id}", "/api/tokens"} <= set(
        schema["paths"]
    )
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_patch_session_sets_status_by_hand_and_bumps_the_version(client, session, auth):
    response = client.patch("/api/sessions/keynote", {"status": "ended"}, content_type=JSON, **auth)
    assert response.status_code == 200
    assert response.json()["status"] == "ended" and response.json()["version"] == 1
    response = client.patch("/api/sessions/keynote", {"status": "auto", "room": "Hall B"}, content_type=JSON, **auth)
    assert response.json()["status"] == "live" and response.json()["room"] == "Hall B"
    assert client.patch("/api/sessions/keynote", {"status": "paused"}, content_type=JSON, **auth).status_code == 422
    assert client.patch("/api/sessions/keynote", {"status": "ended"}, content_type=JSON).status_code == 401
    assert client.patch("/api/sessions/nope", {"status": "ended"}, content_type=JSON, **auth).status_code == 404


def test_an_idempotency_key_makes_a_retried_post_return_the_first(client, session, auth):
    url = "/api/sessions/keynote/updates"
    key = {"HTTP_IDEMPOTENCY_KEY": "retry-me-0001"}
    first = client.post(url, {"body": "Once"}, content_type=JSON, **auth, **key)
    again = client.post(url, {"body": "Once"}, content_type=JSON, **auth, **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Update.objects.count() == 1
    other = client.post(url, {"body": "Once"}, content_type=JSON, **auth)  # no key: a new update
    assert other.status_code == 201 and Update.objects.count() == 2
    for bad_key in ["a b", "", "short"]:  # an empty header is refused, not taken for no key
        bad = client.post(url, {"body": "x"}, content_type=JSON, **auth, HTTP_IDEMPOTENCY_KEY=bad_key)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Update.objects.count() == 2


def test_a_key_reused_for_other_text_is_refused_and_the_first_post_kept(client, session, auth):
    url = "/api/sessions/keynote/updates"
    key = {"HTTP_IDEMPOTENCY_KEY": "reused-key-0001"}
    first = client.post(url, {"body": "The first thought"}, content_type=JSON, **auth, **key)
    reused = client.post(url, {"body": "A second, different thought"}, content_type=JSON, **auth, **key)
    assert (first.status_code, reused.status_code) == (201, 409)
    assert "idempotency key was used for another update" in reused.json()["detail"]
    assert list(Update.objects.values_list("body", flat=True)) == ["The first thought"]
    client.patch(f"/api/updates/{first.json()['id']}", {"body": "The first thought, edited"}, content_type=JSON, **auth)
    retried = client.post(url, {"body": "The first thought"}, content_type=JSON, **auth, **key)  # a late retry
    assert retried.status_code == 200 and retried.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("method, url", [("put", "/api/sessions"), ("delete", "/api/sessions/keynote")])
def test_a_method_a_path_does_not_take_is_refused_in_json(client, session, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "not allowed" in response.json()["detail"] and response["Allow"]


def test_an_update_is_signed_with_its_authors_full_name_else_their_username(client, session, poster):
    from django.contrib.auth.models import User

    nameless = User.objects.create_user("rosa-on-site")
    post(session, "signed", author=poster)
    post(session, "by username", author=nameless)
    post(session, "unsigned")
    authors = {u["body"]: u["author"] for u in client.get("/api/sessions/keynote/updates").json()["updates"]}
    assert authors == {"signed": "Ada Author", "by username": "rosa-on-site", "unsigned": None}
