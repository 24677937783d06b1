"""Failed sign-ins are counted per address and per account (django-axes), on every door
that takes a password, and refused with 429 for a cool-off that ends by itself."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from conftest import PASSWORD, basic
from django.utils import timezone

import liveblog
from liveblog import AUTH_COOLOFF_SECONDS, AUTH_FAILURE_LIMIT, ApiToken

LIMIT = 3  # the tests lower the limit; the setting itself is checked once below


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(client, username, password, address="192.0.2.1", **headers):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_the_limit_and_cool_off_are_the_documented_ones():
    from django.conf import settings as configured

    assert liveblog.app._settings["AXES_FAILURE_LIMIT"] == AUTH_FAILURE_LIMIT == 20  # before this file lowers it
    assert timedelta(seconds=AUTH_COOLOFF_SECONDS) == configured.AXES_COOLOFF_TIME
    assert configured.AXES_LOCKOUT_PARAMETERS == ["ip_address", ["username", "ip_address"]]


def test_the_login_page_refuses_an_address_that_failed_too_often(client, poster, reader):
    for _ in range(LIMIT - 1):
        assert sign_in(client, "author", "wrong").status_code == 200  # the form again, with its error
    assert sign_in(client, "author", "wrong").status_code == 429  # the failure that reaches the limit
    refused = sign_in(client, "author", PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == AUTH_COOLOFF_SECONDS
    assert b"Too many failed sign-ins" in refused.content and "_auth_user_id" not in client.session
    # the address is refused for another account as well
    assert sign_in(client, "reader", PASSWORD).status_code == 429


def test_guesses_from_other_addresses_cannot_keep_an_author_out(client, poster):
    for n in range(LIMIT * 7):  # one wrong password from each of many addresses
        assert sign_in(client, "author", "wrong", address=f"198.51.100.{n}").status_code == 200
    assert sign_in(client, "author", PASSWORD, address="203.0.113.9").status_code == 302  # signed in
    client.logout()
    api = client.post("/api/tokens", {}, content_type="application/json", REMOTE_ADDR="203.0.113.9", **basic("author"))
    assert api.status_code == 201


def test_an_account_is_refused_from_the_address_that_failed_for_it(client, poster):
    for _ in range(LIMIT):
        sign_in(client, "author", "wrong", address="198.51.100.7")
    assert sign_in(client, "author", PASSWORD, address="198.51.100.7").status_code == 429


def test_the_admin_login_is_limited_too(client, admin_user):
    for _ in range(LIMIT - 1):
        response = client.post("/admin/login/", {"username": "boss", "password": "wrong"}, REMOTE_ADDR="192.0.2.5")
        assert response.status_code == 200
    client.post("/admin/login/", {"username": "boss", "password": "wrong"}, REMOTE_ADDR="192.0.2.5")
    refused = client.post("/admin/login/", {"username": "boss", "password": PASSWORD}, REMOTE_ADDR="192.0.2.5")
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_the_api_password_door_answers_429_in_json(client, poster):
    for _ in range(LIMIT - 1):
        assert client.post("/api/tokens", REMOTE_ADDR="192.0.2.7", **basic("author", "wrong")).status_code == 401
    client.post("/api/tokens", REMOTE_ADDR="192.0.2.7", **basic("author", "wrong"))
    refused = client.post("/api/tokens", REMOTE_ADDR="192.0.2.7", **basic("author"))
    assert refused.status_code == 429 and refused["Content-Type"].startswith("application/json")
    assert "try again" in refused.json()["detail"] and int(refused["Retry-After"]) > 0
    assert ApiToken.objects.count() == 0


def test_the_cool_off_ends_and_the_author_signs_in(client, poster):
    for _ in range(LIMIT + 3):  # more failures while locked do not lengthen the cool-off
        sign_in(client, "author", "wrong")
    assert sign_in(client, "author", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=AUTH_COOLOFF_SECONDS + 1))
    assert sign_in(client, "author", PASSWORD).status_code == 302 and "_auth_user_id" in client.session


def test_a_successful_sign_in_clears_the_count(client, poster):
    for _ in range(LIMIT - 1):
        sign_in(client, "author", "wrong")
    assert sign_in(client, "author", PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        sign_in(client, "author", "wrong")
    assert sign_in(client, "author", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(client, poster, reader, monkeypatch):
    monkeypatch.setattr(liveblog, "TRUSTED_PROXIES", 1)
    proxy = "10.0.0.1"
    for n in range(LIMIT):  # the spoofed left part varies; the client is the last address
        sign_in(client, f"nobody{n}", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7")
    assert sign_in(client, "reader", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    # another reader behind the same proxy signs in
    assert sign_in(client, "author", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, poster, reader):
    for n in range(LIMIT):
        sign_in(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in(client, "reader", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
