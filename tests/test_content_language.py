"""A session's own language on what is written in it: its title, description and updates
carry lang (and dir where the direction differs), while the page keeps the interface's."""

import re

import pytest
from conftest import HTMX, make_session, post


def body_of(html, update):
    return re.search(rf'id="update-{update.pk}".*?<div class="body"([^>]*)>', html, re.S)[1]


def test_a_german_session_in_an_english_conference_carries_lang_de_on_its_content(client, db):
    session = make_session("vortrag", title="Django für alle", description="Ein Vortrag", language="de")
    update = post(session, "Die **Migrationen** sind schneller geworden", pinned=True)
    html = client.get("/sessions/vortrag/").content.decode()
    assert re.search(r'<html lang="en"', html)  # the interface's language
    assert '<h1 lang="de">Django für alle</h1>' in html
    assert '<p class="description" lang="de">Ein Vortrag</p>' in html
    assert body_of(html, update) == ' lang="de"'
    assert re.search(r'id="pinned-\d+".*?<span lang="de">Die Migrationen', html, re.S)  # the key moment
    fragment = client.get(f"/sessions/vortrag/changes/{update.version - 1}/", **HTMX).content.decode()
    assert body_of(fragment, update) == ' lang="de"'  # and what the polls bring
    for page in ["/", "/search/?q=Migrationen", f"/sessions/vortrag/updates/{update.pk}/"]:
        assert '<a href="/sessions/vortrag/" lang="de">Django für alle</a>' in client.get(page).content.decode()


def test_a_right_to_left_language_says_its_direction_too(client, db):
    session = make_session("arabic", title="جانغو", language="ar")
    update = post(session, "مرحبا")
    html = client.get("/sessions/arabic/").content.decode()
    assert '<h1 lang="ar" dir="rtl">' in html and body_of(html, update) == ' lang="ar" dir="rtl"'


@pytest.mark.parametrize("language", ["", "English", "de DE"])
def test_no_language_or_one_that_is_not_a_tag_adds_nothing(client, db, language):
    session = make_session("plain", language=language)
    update = post(session, "Text")
    html = client.get("/sessions/plain/").content.decode()
    assert body_of(html, update) == "" and "<h1>" in html
