"""An update moved to another session in the admin: both sessions' readers learn of it, the
old session's as a deletion, and the update's old link follows it."""

import pytest
from conftest import HTMX, make_session, post

from liveblog import Session, changes_since


@pytest.fixture
def moved(client, admin_user, session, django_capture_on_commit_callbacks):
    """An update posted to the keynote, a reader's cursor taken, then the update moved to another session."""
    other = make_session("other", "live", title="Another talk")
    update = post(session, "Posted to the wrong talk")
    cursors = {s.slug: Session.objects.get(pk=s.pk).version for s in (session, other)}
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/liveblog/update/{update.pk}/change/",
            {"session": other.pk, "body": update.body, "image_alt": "", "pinned": ""},
        )
    assert response.status_code == 302
    client.logout()
    return update, session, other, cursors


def test_both_sessions_move_on_and_the_old_ones_readers_drop_it(moved):
    update, session, other, cursors = moved
    _, updates, deleted = changes_since(session, cursors["keynote"])
    assert updates == [] and deleted == [update.pk]
    _, updates, deleted = changes_since(other, cursors["other"])
    assert [u.pk for u in updates] == [update.pk] and deleted == []
    assert changes_since(session)[1] == []  # gone from the old session's whole state


def test_an_open_page_of_the_old_session_is_told_at_its_next_poll(client, moved):
    update, _, _, cursors = moved
    poll = client.get(f"/sessions/keynote/changes/{cursors['keynote']}/", **HTMX)
    assert poll.status_code == 200 and f'data-deleted="{update.pk}"' in poll.content.decode()


def test_the_old_link_redirects_to_the_new_page(client, moved):
    update = moved[0]
    response = client.get(f"/sessions/keynote/updates/{update.pk}/")
    assert response.status_code == 301 and response["Location"] == f"/sessions/other/updates/{update.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_an_update_moved_back_is_current_again(moved, client, admin_user, django_capture_on_commit_callbacks):
    update, session, _, cursors = moved
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/liveblog/update/{update.pk}/change/",
            {"session": session.pk, "body": update.body, "image_alt": "", "pinned": ""},
        )
    _, updates, deleted = changes_since(session, cursors["keynote"])
    assert [u.pk for u in updates] == [update.pk] and deleted == []
