"""POST /api/schedule and the import behind it: sessions keyed by the events' guids, updated
in place, cancelled when their event leaves the programme and back when it returns."""

import copy
from datetime import UTC, datetime

import pytest
from conftest import post
from django.utils import translation
from schedules import frab_event, guid, pretalx_event, schedule

from liveblog import ScheduleImport, Session, SessionLink

JSON = "application/json"


@pytest.fixture
def talks():
    return [
        pretalx_event("opening", "Opening: Why Testland", "2026-05-04T09:00:00+02:00", duration="01:00"),
        pretalx_event("htmx", "Hypermedia in practice", "2026-05-04T11:00:00+02:00", room="Hall B"),
        pretalx_event("tokyo", "Live from Tokyo", "2026-05-04T18:00:00+09:00", duration="00:45:30"),
    ]


def send(client, auth, document):
    return client.post("/api/schedule", document, content_type=JSON, **auth)


def test_an_import_creates_a_session_for_each_event(client, auth, talks):
    response = send(client, auth, schedule(*talks))
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0, "cancelled": 0}
    opening = Session.objects.get(guid=guid("opening"))
    assert opening.slug == "testland-opening" and opening.title == "Opening: Why Testland"
    assert (opening.speakers, opening.room, opening.track, opening.language) == ("Ada Lovelace", "Hall A", "Web", "en")
    assert opening.description == "What Opening: Why Testland is about.\n\nA longer description."
    assert opening.starts_at == datetime(2026, 5, 4, 7, 0, tzinfo=UTC) and opening.time_zone == "Europe/Berlin"
    assert opening.ends_at == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert [(link.kind, link.url) for link in opening.links.all()] == [
        ("talk", "https://testland.example.org/talk/opening/")
    ]
    record = ScheduleImport.objects.get()
    assert (record.conference, record.by.username, record.created) == ("PyCon Testland 2026", "author", 3)


def test_an_event_at_another_offset_keeps_its_instant_and_takes_the_conferences_zone(client, auth, talks):
    send(client, auth, schedule(*talks))
    tokyo = Session.objects.get(guid=guid("tokyo"))
    assert tokyo.starts_at == datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo
    assert (tokyo.ends_at - tokyo.starts_at).total_seconds() == 45 * 60 + 30 and tokyo.time_zone == "Europe/Berlin"
    page = client.get(f"/sessions/{tokyo.slug}/").content.decode()
    assert "11:00" in page  # shown in the conference's zone


def test_a_schedule_with_no_zone_is_in_utc(client, auth, talks):
    send(client, auth, schedule(*talks, zone=None))
    assert set(Session.objects.values_list("time_zone", flat=True)) == {"UTC"}


def test_importing_the_same_document_again_changes_nothing(client, auth, talks):
    send(client, auth, schedule(*talks))
    before = list(Session.objects.values_list("id", "slug", "version", "starts_at"))
    assert send(client, auth, schedule(*talks)).json() == {"created": 0, "updated": 0, "unchanged": 3, "cancelled": 0}
    assert list(Session.objects.values_list("id", "slug", "version", "starts_at")) == before
    assert SessionLink.objects.count() == 3


def test_a_moved_renamed_event_updates_its_session_in_place(client, auth, talks, django_capture_on_commit_callbacks):
    send(client, auth, schedule(*talks))
    session = Session.objects.get(guid=guid("htmx"))
    post(session, "Already live blogged")
    moved = copy.deepcopy(talks)
    moved[1].update(title="Hypermedia, in practice", room="Hall C", date="2026-05-05T10:00:00+02:00")
    with django_capture_on_commit_callbacks(execute=True):
        counts = send(client, auth, schedule(*moved)).json()
    assert counts == {"created": 0, "updated": 1, "unchanged": 2, "cancelled": 0}
    again = Session.objects.get(pk=session.pk)
    assert (again.slug, again.title, again.room) == (session.slug, "Hypermedia, in practice", "Hall C")
    assert again.starts_at == datetime(2026, 5, 5, 8, 0, tzinfo=UTC) and again.version > session.version
    assert again.updates.count() == 1
    assert "Hall C" in client.get(f"/sessions/{again.slug}.ics").content.decode()


def test_an_event_gone_is_cancelled_never_deleted_and_comes_back(client, auth, talks):
    send(client, auth, schedule(*talks))
    htmx = Session.objects.get(guid=guid("htmx"))
    post(htmx, "Notes so far")
    counts = send(client, auth, schedule(talks[0], talks[2])).json()
    assert counts == {"created": 0, "updated": 0, "unchanged": 2, "cancelled": 1}
    assert client.get(f"/api/sessions/{htmx.slug}").json()["status"] == "cancelled"
    assert [s["slug"] for s in client.get("/api/sessions?status=cancelled").json()] == [htmx.slug]
    assert htmx.updates.count() == 1
    assert "STATUS:CANCELLED" in client.get(f"/sessions/{htmx.slug}.ics").content.decode()
    page = client.get(f"/sessions/{htmx.slug}/").content.decode()
    assert "This session has been cancelled." in page and "data-poll-seconds" not in page
    schedule_page = client.get("/").content.decode()
    assert "session-card status-cancelled" in schedule_page and "Cancelled" in schedule_page
    assert send(client, auth, schedule(*talks)).json()["updated"] == 1  # back in the programme
    assert client.get(f"/api/sessions/{htmx.slug}").json()["status"] != "cancelled"


def test_another_conferences_import_cancels_nothing_of_this_one(client, auth, talks):
    send(client, auth, schedule(*talks))
    other = pretalx_event("elsewhere", "Elsewhere", "2026-06-01T09:00:00+02:00")
    assert send(client, auth, schedule(other, acronym="othercon", title="OtherCon")).json()["cancelled"] == 0


def test_relative_addresses_resolve_against_the_base_url(client, auth):
    event = pretalx_event(
        "slides", "Slides talk", "2026-05-04T09:00:00+02:00",
        attachments=[{"title": "Slides (PDF)", "url": "/media/testland/slides.pdf", "type": "related"}],
        links=[{"title": "Recording", "url": "https://video.example.org/w/abc", "type": "video"},
               {"title": "Sneaky", "url": "javascript:alert(1)"}, "https://example.org/plain"],
        url="talk/slides/",
    )  # fmt: skip
    send(client, auth, schedule(event, base_url="https://testland.example.org/schedule/"))
    links = list(SessionLink.objects.values_list("kind", "title", "url"))
    assert links == [
        ("talk", "", "https://testland.example.org/schedule/talk/slides/"),
        ("slides", "Slides (PDF)", "https://testland.example.org/media/testland/slides.pdf"),
        ("recording", "Recording", "https://video.example.org/w/abc"),
        ("link", "", "https://example.org/plain"),
    ]
    with translation.override("de"):  # the talk's page is named in the interface's language
        page = client.get(f"/sessions/{Session.objects.get().slug}/").content.decode()
    assert ">Seite des Vortrags</a>" in page


def test_a_frab_schedule_imports_too(client, auth):
    event = frab_event("keynote", "Eröffnung", "2026-08-20T10:00:00+02:00")
    assert send(client, auth, schedule(event, acronym="frabcon", title="FrabCon")).json()["created"] == 1
    session = Session.objects.get()
    assert (session.speakers, session.track, session.language, session.description) == (
        "Grace Hopper", "", "de", "Beschreibung."
    )  # fmt: skip


def test_two_hundred_speakers_fit_their_column(client, auth):
    persons = [{"name": f"Speaker Number {n:03}"} for n in range(200)]
    event = pretalx_event("panel", "The big panel", "2026-05-04T09:00:00+02:00", persons=persons)
    assert send(client, auth, schedule(event)).status_code == 200
    speakers = Session.objects.get().speakers
    assert len(speakers) <= 200 and speakers.startswith("Speaker Number 000, Speaker Number 001")


def broken(talks, change):
    document = schedule(*talks)
    change(document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0], document)
    return document


BAD = {
    "no guid": (lambda e, d: e.pop("guid"), "guid"),
    "guid not a uuid": (lambda e, d: e.update(guid="nope"), "guid"),
    "date without offset": (lambda e, d: e.update(date="2026-05-04T09:00:00"), "date"),
    "duration": (lambda e, d: e.update(duration="1 hour"), "duration"),
    "title with a line break": (lambda e, d: e.update(title="One\nDTSTART:1"), "title"),
    "title blank": (lambda e, d: e.update(title="\u200b"), "title"),
    "persons a string": (lambda e, d: e.update(persons="Ada"), "persons"),
    "unknown zone": (lambda e, d: d["schedule"]["conference"].update(time_zone_name="Mars/Olympus"), "time_zone"),
    "days a string": (lambda e, d: d["schedule"]["conference"].update(days="monday"), "days"),
    "no conference": (lambda e, d: d["schedule"].pop("conference"), "conference"),
    "conference a string": (lambda e, d: d["schedule"].update(conference="PyCon"), "conference"),
    "repeated guid": (lambda e, d: e.update(guid=guid("htmx")), "repeated"),
    # PostgreSQL refuses a NUL in text: every string an import keeps is checked before it is stored.
    "speaker with a NUL": (lambda e, d: e.update(persons=[{"name": "Ada\x00"}]), "persons"),
    "frab speaker with a NUL": (lambda e, d: e.update(persons=[{"public_name": "\x00"}]), "persons"),
    "language with a NUL": (lambda e, d: e.update(language="de\x00"), "language"),
    "talk page with a NUL": (lambda e, d: e.update(url="https://x.example/\x00"), "url"),
    "attachment with a NUL": (lambda e, d: e.update(attachments=[{"url": "/a\x00.pdf"}]), "attachments"),
    "link address with a NUL": (lambda e, d: e.update(links=["https://x.example/\x00"]), "links"),
    "acronym with a NUL": (lambda e, d: d["schedule"]["conference"].update(acronym="Py\x00"), "acronym"),
    "base address with a NUL": (lambda e, d: d["schedule"].update(base_url="https://x.example/\x00"), "base_url"),
}


@pytest.mark.parametrize("name", BAD)
def test_a_bad_document_is_refused_saying_where_and_stores_nothing(client, auth, talks, name):
    change, where = BAD[name]
    if name == "repeated guid":
        talks[1]["room"] = "Hall A"  # both in one room, one of them with the other's guid
    response = send(client, auth, broken(talks, change))
    assert response.status_code == 422 and where in str(response.json()["detail"]), response.json()
    assert not Session.objects.exists() and not ScheduleImport.objects.exists()


@pytest.mark.parametrize("body", ["[]", "3", '"schedule"', "{}", '{"schedule": []}'])
def test_what_is_not_a_document_is_refused(client, auth, body):
    assert client.post("/api/schedule", body, content_type=JSON, **auth).status_code in (400, 422)


def test_an_import_needs_a_token_that_may_post(client, talks, reader):
    from liveblog import ApiToken

    assert client.post("/api/schedule", schedule(*talks), content_type=JSON).status_code == 401
    reader_token = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(reader, 'r')[1]}"}
    assert send(client, reader_token, schedule(*talks)).status_code == 403
    assert not Session.objects.exists()


def test_the_imported_title_names_the_conference_and_cached_pages_show_a_new_one(
    client, auth, talks, django_capture_on_commit_callbacks
):
    from liveblog import conference_state, session_state

    with django_capture_on_commit_callbacks(execute=True):
        send(client, auth, schedule(*talks))
    assert "<title>Schedule · PyCon Testland 2026</title>" in client.get("/").content.decode()
    slug = Session.objects.first().slug
    before = session_state(slug), conference_state()
    with django_capture_on_commit_callbacks(execute=True):
        send(client, auth, schedule(*talks, title="PyCon Testland 2026 (final)"))
    assert session_state(slug) != before[0] and conference_state() != before[1]  # new keys: no stale answer
    assert "PyCon Testland 2026 (final)" in client.get(f"/sessions/{slug}/").content.decode()


def test_links_are_in_every_view_of_a_session(client, auth, talks):
    event = pretalx_event(
        "all", "Everywhere", "2026-05-04T09:00:00+02:00",
        links=[{"title": "Recording", "url": "https://video.example.org/w/rec", "type": "video"}],
    )  # fmt: skip
    send(client, auth, schedule(event))
    slug = Session.objects.get().slug
    for path in [f"/sessions/{slug}/", f"/sessions/{slug}/feed.xml", f"/sessions/{slug}.md", f"/sessions/{slug}.ics"]:
        assert "https://video.example.org/w/rec" in client.get(path).content.decode(), path
    api = client.get(f"/api/sessions/{slug}").json()["links"]
    assert {"kind": "recording", "title": "Recording", "url": "https://video.example.org/w/rec"} in api


def test_authors_add_links_through_the_api_and_an_import_keeps_them(client, auth, talks):
    send(client, auth, schedule(*talks))
    slug = Session.objects.get(guid=guid("opening")).slug
    recording = {"kind": "recording", "title": "Recording", "url": "https://video.example.org/w/after"}
    response = client.patch(f"/api/sessions/{slug}", {"links": [recording]}, content_type=JSON, **auth)
    assert response.status_code == 200 and recording in response.json()["links"]
    send(client, auth, schedule(*talks))  # the next sync replaces only what the schedule gave
    kinds = sorted(client.get(f"/api/sessions/{slug}").json()["links"], key=lambda link: link["kind"])
    assert [link["kind"] for link in kinds] == ["recording", "talk"]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.example.org/s.pdf", "data:text/html,x", "https://", "not a url"]
)
def test_only_http_and_https_links_are_taken(client, auth, session, url):
    response = client.patch("/api/sessions/keynote", {"links": [{"url": url}]}, content_type=JSON, **auth)
    assert response.status_code == 422 and not SessionLink.objects.exists()


def test_a_session_made_through_the_api_takes_links_track_and_language(client, auth):
    data = {
        "title": "Mit Links", "starts_at": "2026-05-04T09:00:00+02:00", "minutes": 30, "track": "Web",
        "language": "de", "links": [{"kind": "slides", "title": "Folien", "url": "https://example.org/f.pdf"}],
    }  # fmt: skip
    made = client.post("/api/sessions", data, content_type=JSON, **auth).json()
    assert (made["track"], made["language"]) == ("Web", "de")
    assert made["links"] == [{"kind": "slides", "title": "Folien", "url": "https://example.org/f.pdf"}]


def test_the_admin_adds_a_recording_after_the_talk(client, admin_user, session):
    from conftest import NO_LINKS  # noqa: F401 (the inline's own fields are given here)

    client.force_login(admin_user)
    response = client.post(
        f"/admin/liveblog/session/{session.pk}/change/",
        {
            "title": session.title, "slug": "keynote", "starts_at_0": "2025-09-08", "starts_at_1": "09:00:00",
            "ends_at_0": "2025-09-08", "ends_at_1": "10:00:00", "time_zone": "UTC",
            "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
            "links-0-kind": "recording", "links-0-title": "Recording", "links-0-url": "https://video.example.org/w/x",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert list(session.links.values_list("kind", "url")) == [("recording", "https://video.example.org/w/x")]
    bad = client.post(
        f"/admin/liveblog/session/{session.pk}/change/",
        {
            "title": session.title, "slug": "keynote", "starts_at_0": "2025-09-08", "starts_at_1": "09:00:00",
            "ends_at_0": "2025-09-08", "ends_at_1": "10:00:00", "time_zone": "UTC",
            "links-TOTAL_FORMS": "2", "links-INITIAL_FORMS": "1",
            "links-0-id": str(session.links.get().pk), "links-0-session": str(session.pk),
            "links-0-kind": "recording", "links-0-title": "Recording", "links-0-url": "https://video.example.org/w/x",
            "links-1-kind": "link", "links-1-url": "javascript:alert(1)",
        },
    )  # fmt: skip
    assert bad.status_code == 200 and session.links.count() == 1
