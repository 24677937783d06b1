"""/schedule.ics and /sessions/<slug>.ics, read back with the icalendar package."""

from datetime import UTC, datetime

import icalendar
from conftest import make_session


def events_of(response):
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_schedule_calendar_carries_every_session(client, db):
    keynote = make_session(
        "keynote",
        starts_at=datetime(2025, 9, 8, 14, 0, tzinfo=UTC),
        ends_at=datetime(2025, 9, 8, 15, 0, tzinfo=UTC),
        description="Opening keynote.",
    )
    make_session("lunch", title="Lunch talk", room="Room 2", speakers="", description="")
    events = events_of(client.get("/schedule.ics"))
    assert set(events) == {"Keynote: HTMX and Lateral Thinking", "Lunch talk"}
    event = events["Keynote: HTMX and Lateral Thinking"]
    assert event.decoded("DTSTART") == keynote.starts_at and event.decoded("DTEND") == keynote.ends_at
    assert event["DTSTART"].to_ical() == b"20250908T140000Z"  # absolute: UTC, not floating
    assert str(event["LOCATION"]) == "Main hall" and str(event["URL"]) == "http://testserver/sessions/keynote/"
    assert str(event["DESCRIPTION"]) == "Carson Gross\n\nOpening keynote."
    assert str(event["UID"]) == f"session-{keynote.pk}@testserver" and event["DTSTAMP"]
    assert str(events["Lunch talk"]["LOCATION"]) == "Room 2" and "DESCRIPTION" not in events["Lunch talk"]


def test_the_calendar_itself_is_named_and_keeps_its_uid(client, db):
    make_session("keynote")
    first, again = (icalendar.Calendar.from_ical(client.get("/schedule.ics").content) for _ in range(2))
    assert str(first["X-WR-CALNAME"]) == "liveblog" and str(first["NAME"]) == "liveblog"
    assert first["UID"] == again["UID"] == "http://testserver/schedule.ics"


def test_a_sessions_calendar_carries_it_alone_with_a_stable_uid(client, db):
    keynote = make_session("keynote")
    make_session("other", title="Other")
    first = events_of(client.get("/sessions/keynote.ics"))
    assert list(first) == [keynote.title]
    keynote.title = "Keynote, renamed"
    keynote.save()
    again = events_of(client.get("/sessions/keynote.ics"))
    assert again["Keynote, renamed"]["UID"] == first["Keynote: HTMX and Lateral Thinking"]["UID"]
    assert client.get("/sessions/nope.ics").status_code == 404


def test_the_pages_link_to_their_calendars(client, db):
    make_session("keynote")
    assert b'href="/schedule.ics"' in client.get("/").content
    assert b'href="/sessions/keynote.ics"' in client.get("/sessions/keynote/").content


def test_an_events_times_stay_absolute_whatever_the_sessions_zone(client, db):
    make_session(
        "tokyo",
        time_zone="Asia/Tokyo",
        starts_at=datetime(2026, 1, 5, 0, 30, tzinfo=UTC),
        ends_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
    )
    (event,) = events_of(client.get("/sessions/tokyo.ics")).values()
    assert event.decoded("DTSTART") == datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
