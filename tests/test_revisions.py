"""Visible corrections: every edit keeps the text it replaced, shown on the update's page,
in the admin and through the API, while the edit itself goes through the change cursor."""

from conftest import HTMX, post

from liveblog import Revision, delete_update, save_update


def test_an_edit_keeps_the_text_it_replaced_with_when_it_was_shown(session):
    update = post(session, "Frist draft")
    save_update(update, pinned=True)  # not an edit of the text
    assert not update.revisions.exists()
    save_update(update, body="First draft")
    first_edit = update.edited_at
    save_update(update, body="First draft, final")
    older, oldest = update.revisions.all()  # the latest replaced text first
    assert (oldest.body, oldest.written_at, oldest.replaced_at) == ("Frist draft", update.created_at, first_edit)
    assert (older.body, older.written_at, older.replaced_at) == ("First draft", first_edit, update.edited_at)
    assert update.version == session.updates.get().version == 4  # each change moved the cursor


def test_the_author_page_edit_keeps_the_earlier_text_too(author_client, session):
    update = post(session, "Typo'd")
    assert author_client.post(f"/updates/{update.pk}/edit/", {"body": "Fixed"}, **HTMX).status_code == 200
    assert list(Revision.objects.values_list("body", flat=True)) == ["Typo'd"]


def test_the_api_lists_the_earlier_versions(client, session):
    update = post(session, "One")
    save_update(update, body="Two **bold**")
    save_update(update, body="Three")
    revisions = client.get(f"/api/updates/{update.pk}/revisions").json()
    assert [r["body"] for r in revisions] == ["Two **bold**", "One"]
    assert revisions[0]["html"] == "<p>Two <strong>bold</strong></p>" and revisions[0]["replaced_at"]
    assert client.get(f"/api/updates/{post(session, 'never edited').pk}/revisions").json() == []
    delete_update(update)
    assert client.get(f"/api/updates/{update.pk}/revisions").status_code == 404
    assert client.get("/api/updates/999999/revisions").status_code == 404


def test_an_edited_update_says_when_and_links_to_its_earlier_versions(client, session):
    update = post(session, "Before <em>anything</em>")
    save_update(update, body="After")
    page = client.get("/sessions/keynote/").content.decode()
    assert f'href="/sessions/keynote/updates/{update.pk}/#earlier-versions"' in page and ">edited " in page
    own = client.get(f"/sessions/keynote/updates/{update.pk}/").content.decode()
    assert 'id="earlier-versions"' in own and "Earlier versions" in own
    assert own.index("After") < own.index("Earlier versions") < own.index("Before <em>anything</em>")


def test_the_admin_shows_the_earlier_versions_read_only(admin_client, session):
    update = post(session, "Old words")
    save_update(update, body="New words")
    page = admin_client.get(f"/admin/liveblog/update/{update.pk}/change/").content.decode()
    assert "Earlier versions" in page and "Old words" in page
    assert 'name="revisions-0-body"' not in page  # shown, not editable
