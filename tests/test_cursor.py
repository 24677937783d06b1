"""The change cursor: every change bumps the session's version; since=N returns exactly what changed."""

from conftest import make_session, post
from django.db import connection

from liveblog import Session, changes_since, delete_update, restore_update, save_session, save_update


def version_of(session):
    return Session.objects.get(pk=session.pk).version


def test_create_bumps_the_version_and_stamps_the_update(session):
    update = post(session, "Hello")
    assert version_of(session) == 1
    assert update.version == 1
    assert post(session, "Second").version == 2


def test_edit_pin_unpin_and_delete_each_bump_the_version(session):
    update = post(session, "First")
    save_update(update, body="First, corrected")
    assert update.version == version_of(session) == 2
    save_update(update, pinned=True)
    assert update.version == version_of(session) == 3
    save_update(update, pinned=False)
    assert update.version == version_of(session) == 4
    delete_update(update)
    assert update.version == version_of(session) == 5
    update.refresh_from_db()
    assert update.deleted_at is not None  # a tombstone, not a removed row


def test_edit_sets_edited_at_but_pin_does_not(session):
    update = post(session, "Draft")
    assert update.edited_at is None
    save_update(update, pinned=True)
    assert update.edited_at is None
    save_update(update, body="Final")
    assert update.edited_at is not None


def test_since_returns_exactly_the_changes_and_tombstones(session):
    kept, edited, gone = post(session, "kept"), post(session, "edited"), post(session, "gone")
    cursor, updates, deleted = changes_since(session, since=None)
    assert cursor == 3 and [u.body for u in updates] == ["kept", "edited", "gone"] and deleted == []

    save_update(edited, body="edited now")
    delete_update(gone)
    new = post(session, "new")
    cursor2, updates, deleted = changes_since(session, since=cursor)
    assert cursor2 == 6
    assert {u.pk: u.body for u in updates} == {edited.pk: "edited now", new.pk: "new"}
    assert deleted == [gone.pk]
    assert kept.pk not in [u.pk for u in updates]

    assert changes_since(session, since=cursor2) == (6, [], [])


def test_full_state_leaves_out_deleted_updates(session):
    post(session, "a")
    delete_update(post(session, "b"))
    _, updates, deleted = changes_since(session)
    assert [u.body for u in updates] == ["a"] and deleted == []


def test_restore_comes_back_through_the_cursor(session):
    update = post(session, "oops")
    delete_update(update)
    cursor = version_of(session)
    restore_update(update)
    _, updates, deleted = changes_since(session, since=cursor)
    assert [u.pk for u in updates] == [update.pk] and deleted == []


def test_versions_belong_to_their_own_session(session):
    other = make_session(slug="other")
    post(other, "elsewhere")
    post(session, "here")
    assert version_of(other) == 1 and version_of(session) == 1
    _, updates, _ = changes_since(session, since=0)
    assert [u.body for u in updates] == ["here"]


def test_saving_a_session_never_writes_back_a_stale_version(session):
    stale = Session.objects.get(pk=session.pk)
    post(session, "bumps the version to 1")
    stale.title = "Renamed"
    save_session(stale)
    assert version_of(session) == 2  # bumped from 1, not reset to the stale 0
    stale.save()
    assert version_of(session) == 2


def test_a_change_committed_while_reading_is_not_skipped(session):
    """A write that lands between reading the cursor and reading the rows comes next poll."""
    post(session, "before")
    state = {"done": False}

    def write_after_cursor(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not state["done"] and '"version"' in sql and "liveblog_session" in sql.split("FROM")[1][:40]:
            state["done"] = True
            post(session, "during the read")
        return result

    with connection.execute_wrapper(write_after_cursor):
        cursor, updates, _ = changes_since(session, since=0)
    assert state["done"]
    assert [u.body for u in updates] == ["before"] and cursor == 1
    cursor, updates, _ = changes_since(session, since=cursor)
    assert [u.body for u in updates] == ["during the read"] and cursor == 2
