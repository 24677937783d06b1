"""The baked archive: plain files that any static host serves, every link resolving, no polling."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from liveserver import ROOT, free_port, manage, start_process, stop_process

pytestmark = pytest.mark.server
SITE = "https://archive.example.org"  # where the archive will be served from


DEMO_WITH_A_PHOTO = """
import liveblog
liveblog.app._prepare()
from io import BytesIO
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
liveblog.load_demo()
photo = BytesIO()
Image.new("RGB", (800, 450), "navy").save(photo, "JPEG")
session = liveblog.Session.objects.get(slug="keynote-htmx-and-lateral-thinking")
liveblog.publish_update(session, None, body="The demo, recorded:\\nhttps://youtu.be/dQw4w9WgXcQ")
liveblog.publish_update(session, None, body="The closing slide", image_alt="The closing slide",
                        image=liveblog.slide_photo(SimpleUploadedFile("s.jpg", photo.getvalue())))
# Photos the ended-only archive must leave out: a deleted update's, and a live session's.
gone, _ = liveblog.publish_update(session, None, body="Wrong slide", image_alt="Wrong slide",
                                  image=liveblog.slide_photo(SimpleUploadedFile("w.jpg", photo.getvalue())))
liveblog.delete_update(gone)
live = liveblog.Session.objects.get(slug="high-performance-django-at-ten")
liveblog.publish_update(live, None, body="Live slide", image_alt="Live slide",
                        image=liveblog.slide_photo(SimpleUploadedFile("l.jpg", photo.getvalue())))
print(gone.image.name, live.updates.exclude(image="").get().image.name)
"""


def bake(tmp_path, which, photo=True, **settings):
    env = {
        **os.environ,
        **settings,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bake.sqlite3'}",
        "LIVEBLOG_DEMO": "0",
        "LIVEBLOG_MEDIA_ROOT": str(tmp_path / "media"),
        "LIVEBLOG_SITE_URL": SITE,
    }
    manage(env, "migrate", "--noinput")
    demo = DEMO_WITH_A_PHOTO if photo else DEMO_WITH_A_PHOTO.split("photo = BytesIO()")[0]
    made = subprocess.run(
        [sys.executable, "-c", demo], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True
    )
    out = tmp_path / "site"
    (tmp_path / "left-out.txt").write_text(made.stdout)
    manage(
        {**env, "LIVEBLOG_BAKE": which},
        "distill",
        "generate",
        "--output-directory",
        str(out),
        "--collectstatic",
        "--force",
        "--quiet",
    )
    return out


def crawl(out):
    """Serve the folder with python -m http.server and follow every rooted link from /."""
    port = free_port()
    server = start_process(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        seen, queue, pages = set(), ["/"], {}
        while queue:
            path = queue.pop()
            if path in seen:
                continue
            seen.add(path)
            with urllib.request.urlopen(base + path, timeout=5) as response:  # raises on a 404
                body = response.read()
            if path.endswith("/") or path.endswith(".html"):
                html = body.decode()
                pages[path] = html
                for link in re.findall(r'(?:href|src|data-share-url)="(/[^"#?]*)', html):  # and each update's page
                    if not link.startswith("//"):
                        queue.append(link)
        return seen, pages
    finally:
        stop_process(server)


def test_bake_the_ended_sessions_and_every_link_resolves(tmp_path):
    out = bake(tmp_path, "ended")
    seen, pages = crawl(out)
    sessions = {p for p in pages if re.fullmatch(r"/sessions/[-\w]+/", p)}
    assert len(sessions) == 10  # the demo's ended sessions, and only them
    assert "/sessions/high-performance-django-at-ten/" not in seen  # live: not baked, not linked
    assert {
        "/feed.xml",
        "/conference.md",
        "/sessions/keynote-htmx-and-lateral-thinking.md",
        "/sessions/keynote-htmx-and-lateral-thinking/feed.xml",
    } <= seen
    assert any(p.startswith("/static/liveblog/") and p.endswith(".css") for p in seen)
    assert [p for p in seen if p.startswith("/media/slides/") and p.endswith(".jpg")]  # the photo came along
    assert [p for p in pages if re.fullmatch(r"/sessions/keynote-htmx-and-lateral-thinking/updates/\d+/", p)]
    for html in pages.values():
        assert "hx-get=" not in html and "/api/" not in html  # nothing asks a server
    keynote = pages["/sessions/keynote-htmx-and-lateral-thinking/"]
    assert '<a href="https://youtu.be/dQw4w9WgXcQ" rel="nofollow noopener">' in keynote  # the link, not a card
    assert not [html for html in pages.values() if "embed-card" in html or "youtube-nocookie" in html]


def test_the_ended_only_bake_publishes_the_ended_sessions_alone(tmp_path):
    out = bake(tmp_path, "ended")
    feed = (out / "feed.xml").read_text()
    notes = (out / "conference.md").read_text()
    for unpublished in ["High Performance Django at Ten", "A(i) Modest Proposal", "Live slide"]:
        assert unpublished not in feed and unpublished not in notes, unpublished
    assert "Keynote: HTMX and Lateral Thinking" in feed and "Keynote: HTMX and Lateral Thinking" in notes
    photos = sorted(str(p.relative_to(out / "media")) for p in (out / "media").rglob("*") if p.is_file())
    assert len(photos) == 1 and photos[0].startswith("slides/")  # the closing slide, nothing else
    assert not set((tmp_path / "left-out.txt").read_text().split()) & set(photos)
    assert not (out / "static" / "ninja").exists()  # no API docs in an archive without an API
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 5_000_000  # was 20 MB of Swagger UI


def test_bake_all_includes_live_sessions_without_polling(tmp_path):
    out = bake(tmp_path, "all")
    page = (out / "sessions" / "high-performance-django-at-ten" / "index.html").read_text()
    assert "Query counts" in page or "database queries" in page
    assert "hx-get=" not in page and "data-poll-seconds" not in page
    assert len(list((out / "sessions").glob("*.md"))) == 13


def test_bake_the_demo_as_first_loaded_which_has_no_photo(tmp_path):
    out = bake(tmp_path, "ended", photo=False)
    assert len(list((out / "sessions").glob("*.md"))) == 10
    assert not (out / "media").exists()


def test_every_absolute_link_is_on_the_archive_address_and_no_page_loads_debug_tools(tmp_path):
    out = bake(tmp_path, "ended")
    feeds = [out / "feed.xml", *(out / "sessions").glob("*/feed.xml")]
    assert len(feeds) == 11
    for feed in feeds:
        text = feed.read_text()
        links = re.findall(r'<link href="([^"]+)"', text)  # the feed's own (an update may link anywhere)
        assert links and all(link.startswith(SITE + "/") for link in links), feed
        assert "localhost" not in text and "None://" not in text, feed
    for page in out.rglob("*.html"):
        html = page.read_text()
        assert "localhost" not in html and "None://" not in html and 'data-debug="True"' not in html, page
    assert (
        f'<link rel="canonical" href="{SITE}/sessions/keynote-htmx-and-lateral-thinking/">'
        in (out / "sessions" / "keynote-htmx-and-lateral-thinking" / "index.html").read_text()
    )


def test_the_baked_schedule_shows_only_what_it_holds(tmp_path):
    schedule = (bake(tmp_path, "ended", photo=False) / "index.html").read_text()
    assert "Earlier" in schedule
    for empty in ["Now and next", "Live now", "Upcoming", "Nothing here."]:
        assert empty not in schedule, empty


def test_a_bake_without_a_public_address_is_refused_with_what_to_set(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}", "LIVEBLOG_BAKE": "ended"}
    env.pop("LIVEBLOG_SITE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "nanodjango", "manage", "liveblog.py", "distill", "generate", "--output-directory",
         str(tmp_path / "site"), "--force"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and "set LIVEBLOG_SITE_URL" in done.stderr + done.stdout
    assert not (tmp_path / "site").exists()


def test_the_archive_pages_a_long_session_with_plain_links(tmp_path):
    out = bake(tmp_path, "ended", photo=False, LIVEBLOG_PAGE_SIZE="2")
    seen, pages = crawl(out)
    keynote = "/sessions/keynote-htmx-and-lateral-thinking/"
    paged = sorted(p for p in pages if re.fullmatch(keynote + r"before/\d+/", p))
    assert paged  # reached by following "Earlier updates" from the first page
    ids = [re.findall(r'<li class="update[^"]*" id="update-(\d+)"', pages[p]) for p in [keynote, *paged]]
    assert all(1 <= len(page) <= 2 for page in ids)
    shown = [pk for page in ids for pk in page]
    assert len(shown) == len(set(shown))  # each update on one page
    for html in pages.values():
        assert "?before=" not in html and "hx-get=" not in html
