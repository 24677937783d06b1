"""Atom feeds, Markdown notes and time zones across a daylight-saving change."""

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from conftest import make_session, post

from liveblog import Update, delete_update, save_update

ATOM = "{http://www.w3.org/2005/Atom}"


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


def small_session():
    session = make_session(
        "generated",
        "ended",
        title="Django's GeneratedField by example",
        speakers="Paolo Melchiorre",
        room="Room 1",
        description="Database-generated columns.",
        starts_at=at(2025, 9, 8, 19, 0),
        ends_at=at(2025, 9, 8, 19, 45),
    )
    for minutes, body, pinned in [
        (3, "Stored or **virtual**?", False),
        (12, "PostgreSQL only has stored ones.\n\n![the slide](https://example.com/s.png)", True),
    ]:
        save_update(Update(session=session, created_at=at(2025, 9, 8, 19, minutes)), body=body, pinned=pinned)
    return session


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}updated") is not None
    return root, {e.find(f"{ATOM}link").get("href"): e for e in root.findall(f"{ATOM}entry")}


def test_session_feed_is_valid_atom_with_every_current_update(client, db):
    session = small_session()
    root, items = entries(client, "/sessions/generated/feed.xml")
    assert root.find(f"{ATOM}title").text == session.title
    assert len(items) == 2
    entry = next(e for href, e in items.items() if href.endswith(f"/updates/{session.updates.first().pk}/"))
    assert entry.find(f"{ATOM}title").text == "Stored or virtual?"
    assert "<strong>virtual</strong>" in entry.find(f"{ATOM}content").text
    assert entry.find(f"{ATOM}published").text.startswith("2025-09-08T19:03:00")


def test_an_edit_is_republished_and_a_delete_leaves_the_feed(client, db):
    session = small_session()
    first, second = session.updates.order_by("created_at")
    save_update(first, body="Stored or virtual: it depends")
    delete_update(second)
    root, items = entries(client, "/sessions/generated/feed.xml")
    (entry,) = items.values()
    first.refresh_from_db()
    assert entry.find(f"{ATOM}title").text == "Stored or virtual: it depends"
    assert entry.find(f"{ATOM}updated").text.startswith(first.edited_at.isoformat()[:19])
    assert entry.find(f"{ATOM}updated").text > entry.find(f"{ATOM}published").text
    assert root.find(f"{ATOM}updated").text == entry.find(f"{ATOM}updated").text


def test_conference_feed_covers_every_session(client, db):
    small_session()
    other = make_session("other", "live", title="Other talk")
    post(other, "From the other room")
    _, items = entries(client, "/feed.xml")
    titles = sorted(e.find(f"{ATOM}title").text for e in items.values())
    assert (
        titles[0]
        == "Django's GeneratedField by example: PostgreSQL only has stored ones. [Image: the slide]"[: len(titles[0])]
    )
    assert any(t.startswith("Other talk: From the other room") for t in titles) and len(titles) == 3


def test_pages_link_their_feeds_and_exports(client, db):
    small_session()
    page = client.get("/sessions/generated/").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in page and 'href="/sessions/generated/feed.xml"' in page
    assert 'href="/sessions/generated.md"' in page
    schedule = client.get("/").content.decode()
    assert 'href="/feed.xml"' in schedule and 'href="/conference.md"' in schedule


SESSION_MARKDOWN = """# Django's GeneratedField by example

Paolo Melchiorre · Room 1
Monday 8 September 2025, 14:00–14:45 (America/Chicago)

Database-generated columns.

## 14:03

Stored or **virtual**?

## 14:12 · key moment

PostgreSQL only has stored ones.

[Image: the slide](https://example.com/s.png)
"""


def test_session_markdown_export_is_exact(client, db):
    small_session()
    response = client.get("/sessions/generated.md")
    assert response.status_code == 200 and response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == SESSION_MARKDOWN


def test_conference_markdown_goes_day_by_day(client, db):
    small_session()
    make_session("tuesday", "ended", title="Tuesday talk", starts_at=at(2025, 9, 9, 15), ends_at=at(2025, 9, 9, 16))
    text = client.get("/conference.md").content.decode()
    assert text.startswith("# liveblog notes\n\n## Monday 8 September 2025\n\n### 14:00 Django's GeneratedField")
    assert (
        text.index("## Monday 8 September 2025")
        < text.index("## Tuesday 9 September 2025")
        < text.index("### 10:00 Tuesday talk")
    )
    assert "#### 14:12 · key moment" in text


def test_times_follow_the_session_zone_across_a_daylight_saving_change(client, db):
    # London leaves summer time at 01:00 UTC on 26 October 2025: 00:30 UTC is 01:30 BST,
    # 01:30 UTC is 01:30 GMT.
    session = make_session(
        "night",
        "ended",
        title="Night owls",
        time_zone="Europe/London",
        starts_at=at(2025, 10, 25, 22, 30),
        ends_at=at(2025, 10, 26, 3, 0),
    )
    for hour in (0, 1):
        save_update(Update(session=session, created_at=at(2025, 10, 26, hour, 30)), body=f"at {hour}:30 UTC")
    page = client.get("/sessions/night/?order=oldest").content.decode()
    assert '<time datetime="2025-10-26T00:30:00Z">01:30</time>' in page
    assert '<time datetime="2025-10-26T01:30:00Z">01:30</time>' in page
    assert "Saturday 25 October 2025, 23:30" in page  # 22:30 UTC is 23:30 summer time
    schedule = client.get("/").content.decode()
    assert "Saturday 25 October 2025" in schedule  # the local day it starts on
    notes = client.get("/sessions/night.md").content.decode()
    assert "## 01:30\n\nat 0:30 UTC" in notes and "## 01:30\n\nat 1:30 UTC" in notes


def test_a_slide_photo_reaches_the_feed_and_the_notes(client, db):
    from conftest import jpeg_with_gps
    from django.core.files.uploadedfile import SimpleUploadedFile

    from liveblog import publish_update, slide_photo

    session = small_session()
    photo = slide_photo(SimpleUploadedFile("s.jpg", jpeg_with_gps(800, 600)))
    update, _ = publish_update(session, None, body="The last slide", image=photo, image_alt="A thank-you slide")
    _, items = entries(client, "/sessions/generated/feed.xml")
    summary = (
        next(e for href, e in items.items() if href.endswith(f"/updates/{update.pk}/")).find(f"{ATOM}content").text
    )
    assert f'<img src="http://testserver{update.image.url}" alt="A thank-you slide">' in summary
    notes = client.get("/sessions/generated.md").content.decode()
    assert f"The last slide\n\n[Image: A thank-you slide]({update.image.url})\n" in notes
