"""Editors and contributors: who may do what through the API, the pages and the admin, and the
reason each refusal gives; a token acts with its user's role as it is when it is used."""

import threading

import pytest
from conftest import HTMX, bearer, make_session, member_of, post
from django.contrib.auth.models import Group
from django.utils.html import escape
from schedules import pretalx_event, schedule

from liveblog import NOT_ASSIGNED, NOT_YOURS, ApiToken, Session, Update

JSON_TYPE = "application/json"


@pytest.fixture
def elsewhere(db):
    return make_session("elsewhere", title="Another room's talk")


def test_the_migrations_make_the_two_groups_with_their_permissions(db):
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    contributors = set(Group.objects.get(name="Contributors").permissions.values_list("codename", flat=True))
    assert {"post_updates", "change_session", "add_scheduleimport"} <= editors
    assert "contribute" in contributors and not {"post_updates", "change_session", "add_scheduleimport"} & contributors


def test_a_contributor_posts_changes_pins_and_deletes_their_own_updates_in_their_session(client, session, contributor):
    headers = bearer(contributor)
    created = client.post("/api/sessions/keynote/updates", {"body": "mine"}, content_type=JSON_TYPE, **headers)
    assert created.status_code == 201 and created.json()["author"] == "Cora Contributor"
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/updates/{pk}", {"body": "mine, fixed", "pinned": True}, content_type=JSON_TYPE, **headers
    )
    assert changed.status_code == 200 and changed.json()["pinned"] is True
    assert client.delete(f"/api/updates/{pk}", **headers).status_code == 204


def test_a_contributor_is_refused_elsewhere_and_on_others_updates_with_the_reason(
    client, session, contributor, elsewhere, poster
):
    headers = bearer(contributor)
    theirs = post(session, "by an editor", author=poster)
    refused = client.post("/api/sessions/elsewhere/updates", {"body": "x"}, content_type=JSON_TYPE, **headers)
    assert (refused.status_code, refused.json()["detail"]) == (403, NOT_ASSIGNED)
    for answer in [
        client.patch(f"/api/updates/{theirs.pk}", {"body": "x"}, content_type=JSON_TYPE, **headers),
        client.patch(f"/api/updates/{theirs.pk}", {"pinned": True}, content_type=JSON_TYPE, **headers),
        client.delete(f"/api/updates/{theirs.pk}", **headers),
    ]:
        assert (answer.status_code, answer.json()["detail"]) == (403, NOT_YOURS)
    theirs.refresh_from_db()
    assert (theirs.body, theirs.pinned, theirs.deleted_at) == ("by an editor", False, None)
    assert not elsewhere.updates.exists()


@pytest.mark.parametrize(
    "method, path, body, rule",
    [
        (
            "post",
            "/api/sessions",
            {"title": "New", "starts_at": "2026-12-01T10:00:00Z", "minutes": 30},
            "create sessions",
        ),
        ("patch", "/api/sessions/keynote", {"status": "ended"}, "change a session"),
        (
            "post",
            "/api/schedule",
            schedule(pretalx_event("a", "Imported", "2026-12-01T10:00:00+01:00")),
            "import the schedule",
        ),
    ],
)
def test_only_editors_manage_sessions_and_the_schedule(client, session, contributor, method, path, body, rule):
    answer = getattr(client, method)(path, body, content_type=JSON_TYPE, **bearer(contributor))
    assert (answer.status_code, answer.json()["detail"]) == (403, f"Only editors may {rule}.")
    session.refresh_from_db()
    assert session.status_override == "" and list(Session.objects.values_list("slug", flat=True)) == ["keynote"]


def test_an_editor_changes_anyones_update_and_any_session(client, session, editor, contributor, elsewhere):
    headers = bearer(editor)
    theirs = post(session, "by the contributor", author=contributor)
    assert (
        client.patch(f"/api/updates/{theirs.pk}", {"pinned": True}, content_type=JSON_TYPE, **headers).status_code
        == 200
    )
    assert (
        client.post("/api/sessions/elsewhere/updates", {"body": "x"}, content_type=JSON_TYPE, **headers).status_code
        == 201
    )
    assert (
        client.patch("/api/sessions/keynote", {"status": "ended"}, content_type=JSON_TYPE, **headers).status_code == 200
    )
    assert client.delete(f"/api/updates/{theirs.pk}", **headers).status_code == 204


def test_a_token_acts_with_the_assignments_of_the_moment(client, session, contributor):
    headers = bearer(contributor)
    assert (
        client.post("/api/sessions/keynote/updates", {"body": "one"}, content_type=JSON_TYPE, **headers).status_code
        == 201
    )
    session.authors.remove(contributor)
    refused = client.post("/api/sessions/keynote/updates", {"body": "two"}, content_type=JSON_TYPE, **headers)
    assert (refused.status_code, refused.json()["detail"]) == (403, NOT_ASSIGNED)
    assert list(session.updates.values_list("body", flat=True)) == ["one"]


def test_authors_revoke_their_own_tokens_and_editors_anyones(client, contributor, editor):
    mine, raw = ApiToken.issue(contributor, "phone")
    editors, editors_raw = ApiToken.issue(editor, "laptop")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.delete(f"/api/tokens/{editors.prefix}", **auth).status_code == 404
    assert client.delete(f"/api/tokens/{mine.prefix}", **bearer(editor)).status_code == 204
    assert client.get("/api/sessions").status_code == 200
    assert (
        client.post("/api/sessions/keynote/updates", {"body": "x"}, content_type=JSON_TYPE, **auth).status_code == 401
    )
    editor_auth = {"HTTP_AUTHORIZATION": f"Bearer {editors_raw}"}
    assert client.delete(f"/api/tokens/{editors.prefix}", **editor_auth).status_code == 204
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1  # the editor's token made by bearer()


# --- the pages -------------------------------------------------------------------------


def test_the_desk_appears_only_on_a_contributors_own_sessions(client, session, contributor, elsewhere):
    client.force_login(contributor)
    own = client.get("/sessions/keynote/").content.decode()
    assert 'id="author-desk"' in own and "Go live now" not in own  # the status is an editor's
    assert 'id="author-desk"' not in client.get("/sessions/elsewhere/").content.decode()


def test_the_page_refuses_a_contributor_with_the_reason(client, session, contributor, elsewhere, poster):
    client.force_login(contributor)
    theirs = post(session, "by an editor", author=poster)
    refused = client.post("/sessions/elsewhere/updates/", {"body": "x", "key": "k" * 16}, **HTMX)
    assert (refused.status_code, refused.content.decode()) == (403, NOT_ASSIGNED)
    for path in [f"/updates/{theirs.pk}/edit/", f"/updates/{theirs.pk}/pin/", f"/updates/{theirs.pk}/delete/"]:
        answer = client.post(path, {"body": "x", "pinned": "true"}, **HTMX)
        assert (answer.status_code, answer.content.decode()) == (403, NOT_YOURS), path
    status = client.post("/sessions/keynote/status/", {"status": "ended"}, **HTMX)
    assert (status.status_code, status.content.decode()) == (403, "Only editors may set a session's status.")
    theirs.refresh_from_db()
    assert (theirs.body, theirs.pinned, theirs.deleted_at) == ("by an editor", False, None)
    own = client.post("/sessions/keynote/updates/", {"body": "from the room", "key": "k" * 16}, **HTMX)
    assert own.status_code == 201
    mine = session.updates.get(body="from the room")
    assert client.post(f"/updates/{mine.pk}/edit/", {"body": "from the room, fixed"}, **HTMX).status_code == 200


def test_my_sessions_lists_live_then_upcoming_with_links_to_each_desk(client, session, contributor, editor):
    later = make_session("later", status="upcoming", title="Tomorrow: the talk")
    make_session("not-mine", title="In another room")
    later.authors.add(contributor)
    client.force_login(contributor)
    page = client.get("/my/").content.decode()
    assert page.index("Keynote") < page.index("Tomorrow: the talk") and "In another room" not in page
    assert 'href="/sessions/keynote/#author-desk"' in page and 'href="/sessions/later/#author-desk"' in page
    client.force_login(editor)
    assert "In another room" in client.get("/my/").content.decode()
    client.logout()
    assert client.get("/my/")["Location"].startswith("/login/")


# --- the admin -------------------------------------------------------------------------


def staff(user):
    user.is_staff = True
    user.save()
    return user


def test_the_admin_refuses_a_contributor_with_the_reason(client, session, contributor, elsewhere, poster):
    theirs = post(session, "by an editor", author=poster)
    client.force_login(staff(contributor))
    add = client.post("/admin/liveblog/update/add/", {"session": elsewhere.pk, "body": "x"})
    assert (
        add.status_code == 200 and escape(str(NOT_ASSIGNED)) in add.content.decode() and not elsewhere.updates.exists()
    )
    change = client.get(f"/admin/liveblog/update/{theirs.pk}/change/", follow=True)
    assert escape(str(NOT_YOURS)) in change.content.decode()
    assert (
        client.post(f"/admin/liveblog/update/{theirs.pk}/change/", {"session": session.pk, "body": "x"}).status_code
        == 403
    )
    delete = client.post(f"/admin/liveblog/update/{theirs.pk}/delete/", {"post": "yes"}, follow=True)
    assert escape(str(NOT_YOURS)) in delete.content.decode()
    assert client.get("/admin/liveblog/scheduleimport/add/").status_code == 403
    theirs.refresh_from_db()
    assert (theirs.body, theirs.deleted_at) == ("by an editor", None)
    own = client.post("/admin/liveblog/update/add/", {"session": session.pk, "body": "mine"})
    assert own.status_code == 302 and session.updates.get(body="mine").author == contributor


def test_assignments_are_made_from_the_session_and_from_the_user(client, admin_user, session, db):
    blogger = member_of("Contributors", "bo")
    client.force_login(admin_user)
    form = client.get(f"/admin/liveblog/session/{session.pk}/change/").content.decode()
    assert 'name="authors"' in form
    user_form = client.get(f"/admin/auth/user/{blogger.pk}/change/").content.decode()
    assert "sessions to live blog" in user_form.lower()
    version = session.version
    session.authors.add(blogger)
    session.refresh_from_db()
    assert session.version > version  # the page, which names its bloggers, is drawn anew
    assert client.get("/api/sessions/keynote").json()["authors"] == ["bo"]
    assert "Live blogged by bo" in client.get("/sessions/keynote/").content.decode()


# --- the audit trail --------------------------------------------------------------------


def test_writes_from_the_page_the_api_and_the_admin_are_in_the_admin_log(client, session, contributor, admin_user):
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

    client.force_login(contributor)
    client.post("/sessions/keynote/updates/", {"body": "from the page", "key": "p" * 16}, **HTMX)
    client.logout()
    api = client.post(
        "/api/sessions/keynote/updates", {"body": "from the api"}, content_type=JSON_TYPE, **bearer(contributor)
    )
    client.patch(f"/api/updates/{api.json()['id']}", {"pinned": True}, content_type=JSON_TYPE, **bearer(contributor))
    client.force_login(admin_user)
    page_post = session.updates.get(body="from the page")
    client.post(
        f"/admin/liveblog/update/{page_post.pk}/change/", {"session": session.pk, "body": "edited in the admin"}
    )
    entries = [
        (e.user.username, e.object_id, e.action_flag, e.get_change_message()) for e in LogEntry.objects.order_by("pk")
    ]
    assert entries == [
        ("cora", str(page_post.pk), ADDITION, "Posted"),
        ("cora", str(api.json()["id"]), ADDITION, "Posted"),
        ("cora", str(api.json()["id"]), CHANGE, "Changed key moment."),
        ("boss", str(page_post.pk), CHANGE, "Changed text."),
    ]
    history = client.get(f"/admin/liveblog/update/{page_post.pk}/history/").content.decode()
    assert "cora" in history and "boss" in history


# --- bylines -------------------------------------------------------------------------------


def test_every_output_signs_each_update(client, session, contributor, editor):
    import json

    import extruct
    import feedparser

    update = post(session, "Cora's note", author=contributor)
    save = __import__("liveblog").save_update
    save(update, editor, body="Cora's note, corrected")
    session.authors.add(editor)
    page = client.get("/sessions/keynote/").content.decode()
    assert (
        '<span class="byline">Cora Contributor</span>' in page
        and "Live blogged by Cora Contributor, Eddie Editor" in page
    )
    fragment = client.get("/sessions/keynote/changes/0/", **HTMX).content.decode()
    assert '<span class="byline">Cora Contributor</span>' in fragment
    assert client.get("/api/sessions/keynote/updates").json()["updates"][0]["author"] == "Cora Contributor"
    entry = feedparser.parse(client.get("/sessions/keynote/feed.xml").content).entries[0]
    assert entry.author == "Cora Contributor"
    data = extruct.extract(page, syntaxes=["json-ld"])["json-ld"][0]
    assert data["liveBlogUpdate"][0]["author"] == {"@type": "Person", "name": "Cora Contributor"}
    notes = client.get("/sessions/keynote.md").content.decode()
    assert "· Cora Contributor" in notes and "Live blogged by Cora Contributor, Eddie Editor" in notes
    revisions = client.get(f"/api/updates/{update.pk}/revisions").json()
    assert revisions[0]["edited_by"] == "Eddie Editor" and json.dumps(revisions)
    assert "when Eddie Editor edited it" in client.get(f"/sessions/keynote/updates/{update.pk}/").content.decode()
    update.refresh_from_db()
    assert update.author == contributor  # an edit keeps the original author


@pytest.mark.django_db(transaction=True)
def test_two_contributors_post_to_one_session_at_once_each_signed_by_its_author(client):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the race runs on PostgreSQL")
    session = make_session("race")
    bloggers = [member_of("Contributors", name, name.title()) for name in ("ana", "ben")]
    session.authors.add(*bloggers)
    tokens = [bearer(user) for user in bloggers]
    start, answers = threading.Barrier(2), {}

    def send(user, headers):
        from django.db import connection as own
        from django.test import Client

        start.wait()
        answers[user.username] = Client().post(
            "/api/sessions/race/updates", {"body": f"from {user.username}"}, content_type=JSON_TYPE, **headers
        )
        own.close()

    threads = [threading.Thread(target=send, args=pair) for pair in zip(bloggers, tokens, strict=True)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert {name: answer.status_code for name, answer in answers.items()} == {"ana": 201, "ben": 201}
    signed = set(Update.objects.filter(session=session).values_list("body", "author__username"))
    assert signed == {("from ana", "ana"), ("from ben", "ben")}
