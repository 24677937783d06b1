"""The htmx poll fragment: the page's partials, the next cursor, and when to stop."""

import pytest
from conftest import make_session, post

from liveblog import delete_update, save_update


def test_the_fragment_carries_the_changes_and_the_next_cursor(client, session):
    kept, edited, gone = post(session, "kept"), post(session, "edited"), post(session, "gone")
    save_update(edited, body="edited **now**", pinned=True)
    delete_update(gone)
    response = client.get("/sessions/keynote/changes/3/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-get="/sessions/keynote/changes/5/"' in html and 'data-cursor="5"' in html
    assert f'id="update-{edited.pk}"' in html and "<strong>now</strong>" in html
    assert f'id="pinned-{edited.pk}"' in html
    assert f'data-deleted="{gone.pk}"' in html
    assert f'id="update-{kept.pk}"' not in html


def test_the_page_and_the_fragment_draw_an_update_the_same_way(client, session):
    update = post(session, "same *markup*")
    page = client.get("/sessions/keynote/").content.decode()
    fragment = client.get("/sessions/keynote/changes/0/", HTTP_HX_REQUEST="true").content.decode()
    start = page.index(f'<li class="update" id="update-{update.pk}"')
    drawn = page[start : page.index("</li>", start)]
    assert drawn in fragment


def test_a_poll_with_nothing_new_is_small_and_has_no_template(client, session):
    post(session, "x")
    response = client.get("/sessions/keynote/changes/1/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<template>" not in response.content
    assert len(response.content.strip()) < 600


def test_readers_at_the_same_state_share_one_url(client, session):
    post(session, "x")
    a = client.get("/sessions/keynote/changes/0/", HTTP_HX_REQUEST="true").content
    b = client.get("/sessions/keynote/changes/0/", HTTP_HX_REQUEST="true").content
    assert a == b and b'/changes/1/"' in a


def test_an_ended_session_answers_286_and_stops_polling(client, db):
    make_session("over", "ended")
    response = client.get("/sessions/over/changes/0/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    html = response.content.decode()
    assert 'data-status="ended"' in html and "hx-get" not in html and "hx-trigger" not in html


def test_upcoming_sessions_poll_slowly_and_live_ones_quickly(client, db):
    make_session("soon", "upcoming"), make_session("now", "live")
    soon = client.get("/sessions/soon/").content.decode()
    now = client.get("/sessions/now/").content.decode()
    assert 'data-poll-seconds="30"' in soon and 'data-poll-seconds="5"' in now


@pytest.mark.parametrize("since", ["-1", "abc", "١", str(2**63), "1.0", "0x1"])
def test_a_bad_cursor_is_400(client, session, since):
    response = client.get(f"/sessions/keynote/changes/{since}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and b"must be a non-negative integer" in response.content


def test_unknown_session_fragment_is_404(client, db):
    assert client.get("/sessions/nope/changes/0/", HTTP_HX_REQUEST="true").status_code == 404


def test_the_live_page_loads_htmx_from_the_app(client, session):
    page = client.get("/sessions/keynote/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer>' in page
    assert '<script src="/static/liveblog/live.js" defer>' in page
    assert 'aria-live="polite"' in page


def test_opening_the_poll_url_without_htmx_goes_to_the_page(client, session):
    response = client.get("/sessions/keynote/changes/0/")
    assert response.status_code == 302 and response["Location"] == "/sessions/keynote/"
    assert "HX-Request" in response["Vary"]
