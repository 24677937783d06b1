"""The cached states every public read is keyed on: dropped at once, in one place, by every
change that alters them (a rename, a deletion, the demo moving), even with a long TTL."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import NO_LINKS, post

import liveblog
from liveblog import (
    CONFERENCE_STATE,
    LOCAL_STATES,
    Session,
    conference_state,
    load_demo,
    move_demo,
    save_session,
    session_state,
    state_key,
)


@pytest.fixture(autouse=True)
def long_ttl(monkeypatch):
    monkeypatch.setattr(liveblog, "VERSION_TTL", 600)  # as with Redis: only a drop refreshes a state


def test_a_rename_drops_the_old_slugs_state_at_once(client, session, django_capture_on_commit_callbacks):
    post(session, "x")
    session_state("keynote"), conference_state()  # as the response cache asks before every public read
    assert state_key("keynote") in LOCAL_STATES
    session = Session.objects.get(pk=session.pk)  # as the admin loads it
    session.slug = "keynote-2026"
    with django_capture_on_commit_callbacks(execute=True):
        save_session(session)
    assert state_key("keynote") not in LOCAL_STATES and CONFERENCE_STATE not in LOCAL_STATES
    assert client.get("/sessions/keynote/").status_code == 404
    assert client.get("/sessions/keynote-2026/").status_code == 200


def test_a_rename_in_the_admin_is_seen_at_once(client, admin_user, session, django_capture_on_commit_callbacks):
    session_state("keynote")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/liveblog/session/{session.pk}/change/",
            {
                "title": session.title,
                "slug": "renamed",
                "starts_at_0": "2025-09-08",
                "starts_at_1": "09:00:00",
                "ends_at_0": "2025-09-08",
                "ends_at_1": "10:00:00",
                "time_zone": "UTC",
                **NO_LINKS,
            },
        )
    assert response.status_code == 302
    assert state_key("keynote") not in LOCAL_STATES
    client.logout()
    assert client.get("/sessions/keynote/").status_code == 404


def test_a_deleted_session_is_gone_at_once(client, session, django_capture_on_commit_callbacks):
    session_state("keynote"), conference_state()
    with django_capture_on_commit_callbacks(execute=True):
        Session.objects.get(pk=session.pk).delete()
    assert state_key("keynote") not in LOCAL_STATES and CONFERENCE_STATE not in LOCAL_STATES
    assert client.get("/sessions/keynote/").status_code == 404


def test_moving_the_demo_drops_the_conference_state(db, django_capture_on_commit_callbacks):
    first = datetime(2026, 3, 3, 15, 42, tzinfo=UTC)
    load_demo(now=first)
    cached = conference_state()
    with django_capture_on_commit_callbacks(execute=True):
        assert move_demo(now=first + timedelta(days=1)) == 13
    assert CONFERENCE_STATE not in LOCAL_STATES and conference_state() != cached
    assert state_key("high-performance-django-at-ten") not in LOCAL_STATES
