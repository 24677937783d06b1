"""What counts as text: nothing invisible passes for it, one-line fields stay on one line,
Markdown nests only so deep, unknown fields are refused, and slugs read well in any script."""

import re

import pytest
from conftest import NO_LINKS, make_session, post

from liveblog import Revision, Session, Update

JSON = "application/json"
INVISIBLE = ["\u00a0", "\u2003", "\u200b", "\u2060", "\ufeff", "\u00a0\u200b\u2003", "\u3164", "\u2800"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_that_shows_nothing_is_blank_in_the_api(client, session, auth, text):
    response = client.post("/api/sessions/keynote/updates", {"body": text}, content_type=JSON, **auth)
    assert response.status_code == 422 and not Update.objects.exists()
    patch = client.patch("/api/sessions/keynote", {"title": text}, content_type=JSON, **auth)
    assert patch.status_code == 422 and "title" in str(patch.json()["detail"])
    assert Session.objects.get().title == session.title


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_that_shows_nothing_is_blank_on_the_page(author_client, session, text):
    response = author_client.post("/sessions/keynote/updates/", {"body": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and not Update.objects.exists()


def test_the_openapi_patterns_refuse_invisible_text_and_line_breaks(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    body = schemas["UpdatePatch"]["properties"]["body"]
    title = schemas["SessionPatch"]["properties"]["title"]
    for text in INVISIBLE:
        assert not re.fullmatch(body["pattern"], text) and not re.fullmatch(title["pattern"], text)
    assert re.fullmatch(body["pattern"], "two\nlines") and not re.fullmatch(title["pattern"], "two\nlines")
    assert re.fullmatch(title["pattern"], "Straßen\u00a0und Plätze")  # a visible title with a no-break space


@pytest.mark.parametrize("field", ["title", "speakers", "room"])
@pytest.mark.parametrize("line_break", ["\n", "\r", "\r\n", "\u2028"])
def test_line_breaks_in_one_line_fields_are_refused(client, session, auth, field, line_break):
    value = f"First{line_break}DTSTART:20250101T000000Z"
    response = client.patch("/api/sessions/keynote", {field: value}, content_type=JSON, **auth)
    assert response.status_code == 422 and field in str(response.json()["detail"])
    assert client.get("/sessions/keynote.ics").status_code == 200


def test_line_breaks_in_a_title_are_refused_in_the_admin(client, admin_user, session):
    client.force_login(admin_user)
    page = client.post(
        f"/admin/liveblog/session/{session.pk}/change/",
        {
            "title": "Two\nlines",
            "slug": "keynote",
            "starts_at_0": "2025-09-08",
            "starts_at_1": "09:00:00",
            "ends_at_0": "2025-09-08",
            "ends_at_1": "10:00:00",
            "time_zone": "UTC",
            **NO_LINKS,
        },
    )
    assert page.status_code == 200 and "Keep it to one line" in page.content.decode()
    assert Session.objects.get().title == session.title


@pytest.mark.parametrize("body", ["[" * 10000, "[a" * 4000, "1. " * 3000, "> - " * 2500, "[a](" * 2000])
def test_markdown_nested_too_deep_is_refused_not_drawn(client, session, auth, body):
    response = client.post("/api/sessions/keynote/updates", {"body": body}, content_type=JSON, **auth)
    assert response.status_code == 422 and "nests" in response.json()["detail"]
    assert not Update.objects.exists()


def test_ordinary_nesting_still_draws(client, session, auth):
    body = "- a\n  - [link [with] brackets](https://example.org/a_(b))\n    - c\n\n> quoted > text"
    response = client.post("/api/sessions/keynote/updates", {"body": body}, content_type=JSON, **auth)
    assert response.status_code == 201 and "<a href" in response.json()["html"]


def test_a_revision_keeps_the_html_it_was_shown_as(client, session, monkeypatch):
    update = post(session, "*first*")
    from liveblog import save_update

    save_update(update, body="second")
    assert Revision.objects.get().html == "<p><em>first</em></p>"
    monkeypatch.setattr("liveblog.markdown.markdown", lambda *a, **k: pytest.fail("rendered on a read"))
    assert client.get(f"/api/updates/{update.pk}/revisions").json()[0]["html"] == "<p><em>first</em></p>"
    assert client.get(f"/sessions/keynote/updates/{update.pk}/?fresh=1").status_code == 200


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/sessions/keynote", {"titel": "x"}),
        ("/api/sessions/keynote", {"lang": "de"}),
        ("/api/sessions/keynote/updates", {"body": "x", "pined": True}),
        ("/api/sessions", {"title": "T", "starts_at": "2025-09-08T09:00:00Z", "minutes": 30, "room_": "A"}),
        ("/api/tokens", {"name": "x", "scope": "all"}),
    ],
)
def test_unknown_fields_are_refused_by_name(client, session, auth, poster, url, body):
    from conftest import basic

    headers = basic("author") if url.endswith("tokens") else auth
    method = client.patch if url == "/api/sessions/keynote" else client.post
    response = method(url, body, content_type=JSON, **headers)
    unknown = next(name for name in body if name not in {"body", "title", "starts_at", "minutes", "name"})
    assert response.status_code == 422 and unknown in str(response.json()["detail"])
    assert Session.objects.get().title == session.title and not Update.objects.exists()


def test_a_multipart_post_may_carry_other_fields_as_its_schema_allows(client, session, auth):
    response = client.post("/api/sessions/keynote/updates", {"body": "From a form", "submit": "Post"}, **auth)
    assert response.status_code == 201 and Update.objects.get().body == "From a form"


def test_the_openapi_document_says_no_other_fields(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ["SessionIn", "SessionPatch", "UpdatePatch", "TokenIn"]:
        assert schemas[name]["additionalProperties"] is False, name


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Straßen und Plätze", "strassen-und-platze"),
        ("Django's ORM, köszönöm", "djangos-orm-koszonom"),
        ("Ελληνικά για όλους", "ellenika-gia-olous"),
    ],
)
def test_slugs_are_transliterated(client, db, auth, title, slug):
    data = {"title": title, "starts_at": "2025-09-08T09:00:00Z", "minutes": 30}
    assert client.post("/api/sessions", data, content_type=JSON, **auth).json()["slug"] == slug


def test_a_title_with_nothing_to_transliterate_takes_its_start_and_room(client, db, auth):
    made = [
        client.post(
            "/api/sessions",
            {"title": "🎤🎉", "starts_at": f"2025-09-08T{hour}:00:00+09:00", "minutes": 30, "room": room},
            content_type=JSON,
            **auth,
        ).json()["slug"]
        for hour, room in [("09", "Hall A"), ("11", "Hall B")]
    ]
    assert made == ["2025-09-08-0900-hall-a", "2025-09-08-1100-hall-b"]  # the start as given, and the room


def test_two_creates_racing_for_one_slug_give_the_loser_409(client, db, auth, monkeypatch):
    make_session("keynote")  # committed by the other request between the check and the insert
    monkeypatch.setattr("liveblog.unique_slug", lambda *args: "keynote")
    data = {"title": "Keynote", "starts_at": "2025-09-08T09:00:00Z", "minutes": 30}
    response = client.post("/api/sessions", data, content_type=JSON, **auth)
    assert response.status_code == 409 and "keynote" in response.json()["detail"]
    assert Session.objects.count() == 1


def test_lengths_count_the_text_as_sent_as_the_schema_says(client, session, auth):
    too_long = " " + "x" * 10_000  # 10,001 characters as sent; 10,000 once stripped
    response = client.post("/api/sessions/keynote/updates", {"body": too_long}, content_type=JSON, **auth)
    assert response.status_code == 422 and not Update.objects.exists()
    kept = client.post("/api/sessions/keynote/updates", {"body": "  two spaces  "}, content_type=JSON, **auth)
    assert kept.status_code == 201 and kept.json()["body"] == "two spaces"
