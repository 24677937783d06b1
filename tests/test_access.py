"""Who may write, how tokens are checked, and what production mode insists on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import post

from liveblog import ApiToken, Update

JSON = "application/json"
ROOT = Path(__file__).resolve().parent.parent


def test_anonymous_and_signed_in_readers_cannot_write_or_read_tokens(client, session, reader):
    update = post(session, "safe")
    client.force_login(reader)  # a signed-in session is not an API credential
    assert client.post("/api/sessions/keynote/updates", {"body": "x"}, content_type=JSON).status_code == 401
    assert client.delete(f"/api/updates/{update.pk}").status_code == 401
    assert client.get("/admin/liveblog/apitoken/").status_code == 302  # not staff: sent to log in
    assert Update.objects.get(pk=update.pk).deleted_at is None


def test_tokens_are_compared_in_constant_time(monkeypatch, poster):
    import hmac

    raw = ApiToken.issue(poster, "t")[1]
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert ApiToken.user_for(raw) == poster and calls


@pytest.mark.parametrize("url", ["/", "/sessions/keynote/", "/api/sessions", "/admin/login/"])
def test_security_headers(client, session, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    return {**env, "DATABASE_URL": "sqlite:////tmp/liveblog-production-check.sqlite3", **extra}


@pytest.mark.parametrize("key", [{}, {"DJANGO_SECRET_KEY": ""}], ids=["unset", "empty"])
def test_serve_refuses_the_development_secret_key(key):
    result = subprocess.run(
        [sys.executable, "-m", "nanodjango", "serve", "liveblog.py", "127.0.0.1:0"],
        cwd=ROOT,
        env=production_env(**key),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "refuses to serve in production with the development secret key" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_reports_only_what_the_readme_explains():
    env = production_env(
        DJANGO_SECRET_KEY="a-real-secret-" + "k" * 50,
        DJANGO_DEBUG="0",
        DJANGO_SECURE="1",
        ALLOWED_HOSTS="live.example.com",
    )
    result = subprocess.run(
        [sys.executable, "-m", "nanodjango", "manage", "liveblog.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    reported = {line.split(")")[0].lstrip("?: (") for line in result.stderr.splitlines() if line.startswith("?: (")}
    readme = (ROOT / "README.md").read_text()
    assert reported <= {"security.W021"} and all(code in readme for code in reported)
