"""Importing liveblog configures Django; preparing the app adds the admin and /api/ URLs."""

import atexit
import base64
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest

import liveblog

liveblog.app._prepare()

from django.conf import settings  # noqa: E402

# `nanodjango serve` collects static files into a manifest; tests serve them unhashed.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="liveblog-test-media-")  # uploads stay out of the checkout
atexit.register(shutil.rmtree, settings.MEDIA_ROOT, ignore_errors=True)
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.utils import timezone  # noqa: E402

from liveblog import ApiToken, Session, Update, save_update  # noqa: E402

PASSWORD = "correct horse battery staple"


def server_processes_of(pid):
    """Server processes (gunicorn, http.server) descended from pid, read from /proc."""
    parents, commands = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            commands[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue  # gone while we looked
    found, frontier = [], [pid]
    while frontier:
        parent_pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == parent_pid]
        frontier += children
        found += [commands[c] for c in children if "gunicorn" in commands[c] or "http.server" in commands[c]]
    return found


@pytest.fixture(scope="session", autouse=True)
def no_server_left_behind():
    """Every server a test starts is stopped by that test: none outlives the run."""
    yield
    from liveserver import RUNNING, stop_process

    left = server_processes_of(os.getpid())
    for process in list(RUNNING):
        stop_process(process)
    assert not left, f"servers still running after the tests: {left}"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached session versions or bodies."""
    from django.core.cache import cache

    cache.clear(), liveblog.LOCAL_STATES.clear()
    yield
    cache.clear(), liveblog.LOCAL_STATES.clear()


@pytest.fixture
def poster(db):
    """A user allowed to post, who is not staff or superuser."""
    user = User.objects.create_user("author", password=PASSWORD, first_name="Ada", last_name="Author")
    user.user_permissions.add(Permission.objects.get(codename="post_updates"))
    return User.objects.get(pk=user.pk)  # fresh, so the permission cache is empty


def member_of(group, username, first_name="", **fields):
    """A user in the Editors or the Contributors group that the migrations made."""
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username, password=PASSWORD, first_name=first_name, **fields)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def editor(db):
    return member_of("Editors", "eddie", "Eddie", last_name="Editor")


@pytest.fixture
def contributor(session):
    """A contributor assigned to the session fixture."""
    user = member_of("Contributors", "cora", "Cora", last_name="Contributor")
    session.authors.add(user)
    return user


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user, 'tests')[1]}"}


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
    starts = {
        "live": now - timedelta(minutes=10),
        "upcoming": now + timedelta(days=1),
        "ended": now - timedelta(days=1),
    }[status]
    defaults = {
        "title": "Keynote: HTMX and Lateral Thinking",
        "speakers": "Carson Gross",
        "room": "Main hall",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "time_zone": "America/Chicago",
    }
    return Session.objects.create(slug=slug, **{**defaults, **fields})


@pytest.fixture
def session(db):
    return make_session()


def post(session, body, **fields):
    return save_update(Update(session=session), body=body, **fields)


@pytest.fixture
def author_client(client, poster):
    client.force_login(poster)
    return client


HTMX = {"HTTP_HX_REQUEST": "true"}
NO_LINKS = {"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"}  # the session admin's links inline, empty


def jpeg_with_gps(width=3000, height=2000):
    """A real JPEG photo carrying a camera's GPS position in its EXIF metadata."""
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
        }
    )
    photo = BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(photo, "JPEG", exif=exif)
    return photo.getvalue()


def decompression_bomb(side=30_000):
    """A valid PNG of side x side black pixels: about 100 KB that would unpack to 900 megapixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte, then one bit a pixel
    pixels = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# Checkers nobody here wrote, pinned, from the npm registry: installed on first use into a
# cache folder (LIVEBLOG_TOOLS_DIR), so `pytest` needs only node, npm and Java to run them.
NPM_TOOLS = {"vnu-jar": "26.9.27", "axe-core": "4.14.1"}
TOOLS_DIR = Path(os.environ.get("LIVEBLOG_TOOLS_DIR") or Path.home() / ".cache" / "liveblog-test-tools")


def npm_tool_file(path):
    versions = TOOLS_DIR / "versions.txt"
    wanted = " ".join(f"{name}@{version}" for name, version in sorted(NPM_TOOLS.items()))
    if not (versions.exists() and versions.read_text() == wanted):
        TOOLS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(TOOLS_DIR), "--no-audit", "--no-fund", "--no-save", *wanted.split()],
            check=True,
            capture_output=True,
            timeout=600,
        )
        versions.write_text(wanted)
    return TOOLS_DIR / "node_modules" / path


@pytest.fixture(scope="session")
def vnu_jar():
    """The W3C Nu HTML checker."""
    return npm_tool_file("vnu-jar/build/dist/vnu.jar")


@pytest.fixture(scope="session")
def axe_script():
    """axe-core, to inject into a page."""
    return npm_tool_file("axe-core/axe.min.js")


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def contexts(browser):
    """new_context(**options): a browser context of its own (cookies, storage), closed after the test."""
    made = []

    def new_context(**options):
        made.append(browser.new_context(**{"viewport": {"width": 1000, "height": 900}, **options}))
        return made[-1]

    yield new_context
    for context in made:
        context.close()


def signed_in_author(server, contexts, slug, username="author", init_script=None):
    """A page of its own browser context, signed in as the test server's author (an editor), or its
    contributor "cora", on a session's desk; init_script runs first in every document it opens."""
    page = contexts().new_page()
    if init_script:
        page.add_init_script(init_script)
    page.goto(f"{server.url}/login/?next=/sessions/{slug}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/sessions/{slug}/")
    page.wait_for_function("() => window.liveblog !== undefined && window.LiveblogOutbox !== undefined")
    return page
