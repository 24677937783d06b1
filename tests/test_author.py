"""The author's seat on the session page: who sees it, who may use it, and what it writes."""

import pytest
from conftest import HTMX, post
from django.test import Client

from liveblog import Session, Update, changes_since


def version(session):
    return Session.objects.get(pk=session.pk).version


def test_readers_never_see_the_compose_box(client, reader, session):
    assert 'id="compose"' not in client.get(f"/sessions/{session.slug}/").content.decode()
    client.force_login(reader)
    assert 'id="compose"' not in client.get(f"/sessions/{session.slug}/").content.decode()


def test_an_author_sees_the_desk_on_a_page_no_cache_keeps(author_client, session):
    response = author_client.get(f"/sessions/{session.slug}/")
    page = response.content.decode()
    assert 'id="compose"' in page and 'name="csrfmiddlewaretoken"' in page and "X-CSRFToken" in page
    assert "author.js" in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "ETag" not in response


def test_the_public_page_varies_on_the_cookie(client, session):
    response = client.get(f"/sessions/{session.slug}/")
    assert response["Cache-Control"].startswith("public")
    assert "Cookie" in response["Vary"]  # a shared cache keeps the author's page apart


def author_requests(session, update):
    return [
        ("post", f"/sessions/{session.slug}/updates/", {"body": "Sneaky"}),
        ("post", f"/sessions/{session.slug}/preview/", {"body": "Sneaky"}),
        ("post", f"/sessions/{session.slug}/status/", {"status": "ended"}),
        ("post", f"/updates/{update.pk}/edit/", {"body": "Sneaky"}),
        ("post", f"/updates/{update.pk}/pin/", {"pinned": "true"}),
        ("post", f"/updates/{update.pk}/delete/", {}),
        ("post", f"/updates/{update.pk}/restore/", {}),
    ]


def snapshot():
    return (
        list(Session.objects.values_list("version", "status_override")),
        list(Update.objects.values_list("body", "pinned", "deleted_at", "version")),
    )


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_only_authors_may_post_edit_pin_delete_or_change_status(client, reader, session, who):
    update = post(session, "Original")
    if who == "reader":
        client.force_login(reader)
    before = snapshot()
    for method, path, data in author_requests(session, update):
        for headers in ({}, HTMX):
            response = getattr(client, method)(path, data, **headers)
            assert response.status_code == 403, (path, response.status_code)
    assert snapshot() == before


def test_a_signed_out_reader_opening_the_edit_form_is_sent_to_sign_in(client, session):
    update = post(session, "Original")
    response = client.get(f"/updates/{update.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/updates/")


def test_every_author_form_needs_the_csrf_token(poster, session):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(poster)
    update = post(session, "Original")
    before = snapshot()
    for method, path, data in author_requests(session, update):
        assert getattr(browser, method)(path, data, **HTMX).status_code == 403, path
    assert snapshot() == before

    page = browser.get(f"/sessions/{session.slug}/")
    token = str(page.context["csrf_token"])
    posted = browser.post(
        f"/sessions/{session.slug}/updates/", {"body": "With the token"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert posted.status_code == 201


def test_posting_from_the_page_goes_through_the_cursor(author_client, poster, session):
    cursor = version(session)
    response = author_client.post(
        f"/sessions/{session.slug}/updates/",
        {"body": "**Hypermedia** first", "pinned": "true", "key": "draft-0001"},
        **HTMX,
    )
    assert response.status_code == 201
    update = Update.objects.get()
    assert update.author == poster and update.pinned and update.html == "<p><strong>Hypermedia</strong> first</p>"
    fragment = response.content.decode()
    assert f'id="update-{update.pk}"' in fragment and f'id="pinned-{update.pk}"' in fragment
    assert [u.pk for u in changes_since(session, cursor)[1]] == [update.pk]


def test_the_same_draft_posts_once(author_client, session):
    first = author_client.post(f"/sessions/{session.slug}/updates/", {"body": "Once", "key": "draft-0002"}, **HTMX)
    again = author_client.post(f"/sessions/{session.slug}/updates/", {"body": "Once", "key": "draft-0002"}, **HTMX)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Update.objects.count() == 1
    assert again.content == first.content


@pytest.mark.parametrize(
    "data, message",
    [
        ({"body": "   "}, "Write something or add a slide photo."),
        ({"body": "bell \x07"}, "must not contain control characters"),
        ({"body": "next line \x85 (C1)"}, "must not contain control characters"),
        ({"body": "x" * 10_001}, "at most 10000 characters"),
        ({"body": "ok", "key": "a b"}, "key: String should match pattern"),
    ],
)
def test_a_bad_post_gets_a_message_and_changes_nothing(author_client, session, data, message):
    before = snapshot()
    response = author_client.post(f"/sessions/{session.slug}/updates/", data, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before


def test_preview_shows_sanitised_markdown_and_posts_nothing(author_client, session):
    response = author_client.post(
        f"/sessions/{session.slug}/preview/", {"body": "*Hello* <script>alert(1)</script>"}, **HTMX
    )
    assert response.status_code == 200
    assert response.content.decode() == "<p><em>Hello</em> </p>"
    assert Update.objects.count() == 0


def test_pin_edit_delete_and_undo_each_reach_readers(author_client, session):
    update = post(session, "Original")

    def step(path, data=None):
        cursor = version(session)
        response = author_client.post(path, data or {}, **HTMX)
        assert response.status_code == 200
        return changes_since(session, cursor)

    _, changed, _ = step(f"/updates/{update.pk}/pin/", {"pinned": "true"})
    assert [(u.pk, u.pinned) for u in changed] == [(update.pk, True)]
    _, changed, _ = step(f"/updates/{update.pk}/edit/", {"body": "Corrected"})
    assert [(u.body, u.edited_at is not None) for u in changed] == [("Corrected", True)]
    _, changed, deleted = step(f"/updates/{update.pk}/delete/")
    assert (changed, deleted) == ([], [update.pk])
    _, changed, _ = step(f"/updates/{update.pk}/restore/")
    assert [(u.pk, u.body, u.pinned) for u in changed] == [(update.pk, "Corrected", True)]


def test_deleting_offers_an_undo(author_client, session):
    update = post(session, "Oops")
    response = author_client.post(f"/updates/{update.pk}/delete/", **HTMX)
    fragment = response.content.decode()
    assert f'data-deleted="{update.pk}"' in fragment
    assert f'hx-post="/updates/{update.pk}/restore/"' in fragment and ">Undo<" in fragment


def test_the_edit_form_holds_the_markdown(author_client, session):
    update = post(session, "Some **bold** words")
    response = author_client.get(f"/updates/{update.pk}/edit/", **HTMX)
    assert response.status_code == 200
    assert "Some **bold** words</textarea>" in response.content.decode()


def test_an_edit_cannot_empty_an_update(author_client, session):
    update = post(session, "Keep me")
    response = author_client.post(f"/updates/{update.pk}/edit/", {"body": "  "}, **HTMX)
    assert response.status_code == 422
    assert Update.objects.get().body == "Keep me"


@pytest.mark.parametrize(
    "status, override, shown", [("live", "live", "live"), ("ended", "ended", "ended"), ("auto", "", "live")]
)
def test_go_live_and_end_from_the_page(author_client, session, status, override, shown):
    cursor = version(session)
    response = author_client.post(f"/sessions/{session.slug}/status/", {"status": status}, **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    session.refresh_from_db()
    assert (session.status_override, session.status) == (override, shown)
    assert session.version == cursor + 1  # open pages learn of it from their next poll


def test_an_unknown_status_is_refused(author_client, session):
    response = author_client.post(f"/sessions/{session.slug}/status/", {"status": "paused"}, **HTMX)
    assert response.status_code == 422
    assert Session.objects.get().status_override == ""


def test_without_javascript_a_post_returns_to_the_page(author_client, session):
    response = author_client.post(f"/sessions/{session.slug}/updates/", {"body": "Plain form"})
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.slug}/"
    assert Update.objects.get().body == "Plain form"


def test_signing_in_lands_on_my_sessions_or_the_page_the_author_came_from(client, poster):
    from conftest import PASSWORD

    signed_in = client.post("/login/", {"username": "author", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/my/"
    client.logout()
    back = client.post("/login/?next=/sessions/keynote/", {"username": "author", "password": PASSWORD})
    assert back["Location"] == "/sessions/keynote/"
