"""API tokens: issued once, stored hashed, revocable; a script gets one with Basic auth."""

from conftest import basic

from liveblog import ApiToken

JSON = "application/json"


def test_a_token_is_stored_only_as_a_hash(poster):
    token, raw = ApiToken.issue(poster, "laptop")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("lb_") and len(raw) > 40
    assert raw not in {stored.key_hash, stored.prefix} and stored.key_hash == ApiToken.hash(raw)
    assert stored.prefix == raw[:10]
    assert ApiToken.user_for(raw) == poster
    assert ApiToken.user_for(raw + "x") is None


def test_a_user_can_hold_several_named_tokens(poster):
    ApiToken.issue(poster, "laptop"), ApiToken.issue(poster, "phone")
    assert sorted(poster.api_tokens.values_list("name", flat=True)) == ["laptop", "phone"]


def test_basic_credentials_get_a_working_token(client, poster):
    response = client.post("/api/tokens", {"name": "bot"}, content_type=JSON, **basic("author"))
    assert response.status_code == 201
    raw = response.json()["token"]
    assert response.json()["name"] == "bot"
    assert ApiToken.user_for(raw) == poster


def test_token_request_without_a_body_gets_a_default_name(client, poster):
    response = client.generic("POST", "/api/tokens", b"", **basic("author"))  # as curl -X POST -u sends
    assert response.status_code == 201 and response.json()["name"] == "API token"


def test_token_request_with_bad_credentials_is_401(client, poster):
    for headers in [{}, basic("author", "wrong"), basic("nobody"), {"HTTP_AUTHORIZATION": "Basic !!!"}]:
        response = client.generic("POST", "/api/tokens", b"", **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
    assert ApiToken.objects.count() == 0


def test_token_request_by_a_user_who_may_not_post_is_403(client, reader):
    assert client.generic("POST", "/api/tokens", b"", **basic("reader")).status_code == 403
    assert ApiToken.objects.count() == 0


def test_a_revoked_token_no_longer_works(client, admin_user, poster, session):
    token, raw = ApiToken.issue(poster, "lost phone")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.post("/api/sessions/keynote/updates", {"body": "ok"}, content_type=JSON, **headers).status_code == 201

    client.force_login(admin_user)
    response = client.post("/admin/liveblog/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    client.logout()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client.post("/api/sessions/keynote/updates", {"body": "no"}, content_type=JSON, **headers).status_code == 401


def test_a_token_of_a_deactivated_user_no_longer_works(poster):
    raw = ApiToken.issue(poster, "t")[1]
    poster.is_active = False
    poster.save()
    assert ApiToken.user_for(raw) is None


def test_admin_shows_a_new_token_once(client, admin_user, poster):
    client.force_login(admin_user)
    response = client.post("/admin/liveblog/apitoken/add/", {"user": poster.pk, "name": "from admin"}, follow=True)
    token = ApiToken.objects.get(name="from admin")
    shown = [str(m) for m in response.context["messages"]]
    (message,) = [m for m in shown if "not shown again" in m]
    raw = message.rsplit(" ", 1)[1]
    assert ApiToken.user_for(raw) == poster and token.key_hash == ApiToken.hash(raw)
    page = client.get(f"/admin/liveblog/apitoken/{token.pk}/change/").content.decode()
    assert raw not in page
