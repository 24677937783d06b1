"""Importing liveblog configures Django; preparing the app adds the admin and /api/ URLs."""
import base64
from datetime import timedelta

import pytest

import liveblog

liveblog.app._prepare()

from django.conf import settings  # noqa: E402

# `nanodjango serve` collects static files into a manifest; tests serve them unhashed.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.utils import timezone  # noqa: E402

from liveblog import ApiToken, Session, Update, save_update  # noqa: E402

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached session versions or bodies."""
    from django.core.cache import cache

    cache.clear()
    liveblog.body_memory.clear()
    yield
    cache.clear()
    liveblog.body_memory.clear()


@pytest.fixture
def poster(db):
    """A user allowed to post, who is not staff or superuser."""
    user = User.objects.create_user("author", password=PASSWORD, first_name="Ada", last_name="Author")
    user.user_permissions.add(Permission.objects.get(codename="post_updates"))
    return User.objects.get(pk=user.pk)  # fresh, so the permission cache is empty


@pytest.fixture
def reader(db):
    return User.objects.create_user("reader", password=PASSWORD)


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("boss", password=PASSWORD)


@pytest.fixture
def token(poster):
    return ApiToken.issue(poster, "tests")[1]


@pytest.fixture
def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def basic(username, password=PASSWORD):
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def make_session(slug="keynote", status="live", **fields):
    now = timezone.now()
    starts = {"live": now - timedelta(minutes=10), "upcoming": now + timedelta(days=1),
              "ended": now - timedelta(days=1)}[status]
    defaults = {"title": "Keynote: HTMX and Lateral Thinking", "speakers": "Carson Gross",
                "room": "Main hall", "starts_at": starts, "ends_at": starts + timedelta(hours=1),
                "time_zone": "America/Chicago"}
    return Session.objects.create(slug=slug, **{**defaults, **fields})


@pytest.fixture
def session(db):
    return make_session()


def post(session, body, **fields):
    return save_update(Update(session=session), body=body, **fields)


CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
