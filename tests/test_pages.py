"""The schedule and the session page, as complete HTML with no JavaScript needed."""

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

from conftest import make_session, post
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone

from liveblog import delete_update


def test_schedule_groups_live_upcoming_and_earlier(client, db):
    make_session("now", "live", title="Live talk"), make_session("soon", "upcoming", title="Next talk")
    make_session("past", "ended", title="Old talk")
    page = client.get("/").content.decode().split('id="now-next"', 1)[1].split("</section>", 1)[1]  # after the board
    live, upcoming, earlier = (page.index(h) for h in ["Live now", "Upcoming", "Earlier"])
    assert live < page.index("Live talk") < upcoming < page.index("Next talk") < earlier < page.index("Old talk")
    assert 'href="/sessions/now/"' in page


def test_schedule_groups_by_the_local_day_of_each_session(client, db):
    # 03:30 UTC on the 9th is still the evening of the 8th in Chicago.
    make_session(
        "late",
        "ended",
        title="Late one",
        starts_at=datetime(2025, 9, 9, 3, 30, tzinfo=UTC),
        ends_at=datetime(2025, 9, 9, 4, 0, tzinfo=UTC),
    )
    page = client.get("/").content.decode()
    assert "Monday 8 September 2025" in page and "22:30" in page


def test_session_page_shows_details_and_updates(client, session):
    update = post(session, "Hypermedia is the engine of application state")
    page = client.get("/sessions/keynote/").content.decode()
    assert session.title in page and "Carson Gross" in page and "Main hall" in page and "Live" in page
    assert f'id="update-{update.pk}"' in page and f'href="#update-{update.pk}"' in page
    assert "Hypermedia is the engine" in page
    local = update.created_at.astimezone(session.tzinfo)
    assert f'<time datetime="{update.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}">{local:%H:%M}</time>' in page


def test_pinned_updates_come_first_as_key_moments(client, session):
    plain, key = post(session, "plain"), post(session, "the key moment", pinned=True)
    page = client.get("/sessions/keynote/").content.decode()
    assert page.index("Key moments") < page.index(f'id="pinned-{key.pk}"') < page.index(f'id="update-{plain.pk}"')


def test_order_parameter_works_without_javascript(client, session):
    first, second = post(session, "first"), post(session, "second")
    newest = client.get("/sessions/keynote/").content.decode()
    assert newest.index(f'id="update-{second.pk}"') < newest.index(f'id="update-{first.pk}"')
    oldest = client.get("/sessions/keynote/?order=oldest").content.decode()
    assert oldest.index(f'id="update-{first.pk}"') < oldest.index(f'id="update-{second.pk}"')
    assert 'href="?order=newest"' in oldest


def test_deleted_updates_are_not_shown(client, session):
    delete_update(post(session, "regrettable"))
    assert "regrettable" not in client.get("/sessions/keynote/").content.decode()


def test_unknown_session_is_404(client, db):
    assert client.get("/sessions/nope/").status_code == 404


def test_pages_load_no_asset_from_another_host(client, session):
    post(session, "![slide](https://example.com/slide.png)")  # content may link out; the app's assets may not
    for url in ["/", "/sessions/keynote/"]:
        page = client.get(url).content.decode()
        assets = re.findall(r'<(?:link rel="stylesheet"|script)[^>]+(?:href|src)="([^"]+)"', page)
        assert assets and all(a.startswith("/static/") or a == "/jsi18n.js" for a in assets)  # its words


def test_pages_refuse_writes(client, session):
    assert client.post("/sessions/keynote/").status_code == 405


def test_schedule_lists_each_day_in_time_order_whatever_order_sessions_were_added(client, db):
    day = timezone.now() + timedelta(days=2)
    for slug, hour in [("late", 16), ("early", 9), ("noon", 12)]:  # added out of order
        starts = day.replace(hour=hour, minute=0, second=0, microsecond=0)
        make_session(
            slug, "upcoming", title=f"At {hour}", starts_at=starts, ends_at=starts + timedelta(hours=1), time_zone="UTC"
        )
    page = client.get("/").content.decode()
    assert page.index("At 9") < page.index("At 12") < page.index("At 16")


def test_every_page_answers_head_as_it_answers_get(client, session):
    post(session, "An update")
    for path in [
        "/",
        "/sessions/keynote/",
        "/sessions/keynote/feed.xml",
        "/feed.xml",
        "/sessions/keynote.md",
        "/conference.md",
        "/login/",
        "/favicon.ico",
    ]:
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head["Content-Type"] == get["Content-Type"], path
        assert (b"".join(head.streaming_content) if head.streaming else head.content) == b"", path


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page(client, session):
    from PIL import Image

    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    with Image.open(BytesIO(b"".join(response.streaming_content))) as icon:
        assert icon.format == "ICO" and icon.size[0] >= 32
    for path in ["/", "/sessions/keynote/", "/login/"]:
        link = re.search(r'<link rel="icon" href="([^"]+)"', client.get(path).content.decode())
        assert link and finders.find(link[1].removeprefix(settings.STATIC_URL)), path  # a file the app ships
