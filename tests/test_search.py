"""/search/?q=: every session's updates, titles and speakers, with the matched words marked."""

import pytest
from conftest import make_session, post
from django.db import connection

from liveblog import SEARCH_RESULTS, delete_update, search_updates

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's English stems")


@pytest.fixture
def conference(db):
    keynote = make_session("keynote", title="Keynote: HTMX and Lateral Thinking", speakers="Carson Gross")
    orm = make_session("orm", "ended", title="Async ORMs in Practice", speakers="Priya Natarajan", room="Dock 1")
    return {
        "htmx": post(keynote, "Hypermedia is the engine of application state."),
        "queries": post(keynote, "Count your **queries** per view; [the docs](https://example.com/queries)."),
        "await": post(orm, "Every query awaits, and the connection pool is the bottleneck."),
        "photo": post(orm, "", image_alt="A chart of pool sizes"),
    }


def found(query):
    updates, _ = search_updates(query)
    return [update.body for update in updates]


def results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_a_word_finds_the_updates_that_hold_it_newest_first(conference):
    assert found("bottleneck") == ["Every query awaits, and the connection pool is the bottleneck."]
    assert found("HYPERMEDIA") == ["Hypermedia is the engine of application state."]  # whatever the case


def test_titles_and_speakers_find_their_sessions_updates(conference):
    by_speaker = found("Natarajan")
    assert by_speaker == ["", "Every query awaits, and the connection pool is the bottleneck."]
    assert len(found("lateral")) == 2


def test_every_word_must_be_found_in_the_update_or_its_session(conference):
    assert found("Carson hypermedia") == ["Hypermedia is the engine of application state."]  # speaker + text
    assert found("pool async") == ["Every query awaits, and the connection pool is the bottleneck."]  # text + title
    assert found("hypermedia bottleneck") == []  # in two different updates


def test_deleted_updates_are_not_found(conference):
    delete_update(conference["htmx"])
    assert found("hypermedia") == []


def test_the_page_links_each_result_to_its_permalink_with_the_words_marked(client, conference):
    update = conference["htmx"]
    page = results(client, "hypermedia carson")
    assert f'href="/sessions/keynote/updates/{update.pk}/"' in page and 'href="/sessions/keynote/"' in page
    assert "<mark>Hypermedia</mark> is the engine" in page and "<mark>Carson</mark> Gross" in page
    assert "1 update</h2>" in page and 'value="hypermedia carson"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_photo_without_text_shows_its_description(client, conference):
    assert "A chart of pool sizes" in results(client, "Natarajan")


def test_marking_escapes_what_it_marks(client, db):
    post(make_session("xss"), "Beware <script>alert('x')</script> & <b>bold</b> claims")
    page = results(client, "script alert")
    assert "<script>alert" not in page and "&lt;<mark>script</mark>&gt;" not in page  # nh3 dropped the tag itself
    post(make_session("amp", title="Q&A <live>"), "Questions from the floor")
    page = results(client, "floor")
    assert "Q&amp;A &lt;live&gt;" in page and "<mark>floor</mark>" in page


def test_an_empty_or_wordless_query_shows_the_form_alone(client, conference):
    for query in ["", "   "]:
        page = results(client, query)
        assert 'role="search"' in page and "<h2" not in page
    for query in ["!!! ???", "zeppelin"]:
        page = results(client, query)
        assert "Nothing found" in page and "<ol" not in page


@pytest.mark.parametrize("query", ["\x00", "a\x00b", "x" * 5000, "'; DROP TABLE liveblog_update; --", "%_%", "\\"])
def test_hostile_queries_are_answered_calmly(client, conference, query):
    assert "Search" in results(client, query)
    assert found("hypermedia")  # nothing was harmed


def test_the_newest_matches_are_shown_up_to_the_limit(client, db):
    session = make_session("busy")
    for n in range(SEARCH_RESULTS + 5):
        post(session, f"Update number {n} about caching")
    bodies = found("caching")
    assert len(bodies) == SEARCH_RESULTS and bodies[0] == f"Update number {SEARCH_RESULTS + 4} about caching"
    assert "Add words to narrow the search." in results(client, "caching")


def test_every_page_links_to_search(client, conference):
    assert 'href="/search/"' in client.get("/").content.decode()
    assert 'href="/search/"' in client.get("/sessions/keynote/").content.decode()


@postgresql_only
def test_postgresql_matches_english_stems_and_marks_the_words(client, conference):
    assert found("awaiting bottlenecks") == ["Every query awaits, and the connection pool is the bottleneck."]
    assert "<mark>awaits</mark>" in results(client, "awaiting")


def test_substring_search_elsewhere(client, conference):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL matches words, not parts of them")
    assert found("hyper") == ["Hypermedia is the engine of application state."]
    assert "<mark>Hypermedia</mark>" in results(client, "hyper")


def test_marking_marks_each_word_that_holds_a_term_and_nothing_else():
    from liveblog import marked

    assert marked("Hypermedia & htmx, not HTML", ["htm", "hyper"]) == (
        "<mark>Hypermedia</mark> &amp; <mark>htmx</mark>, not <mark>HTML</mark>"
    )
    # One long word and many terms (once quadratic: 4 s a query): every piece comes back once, marked once.
    long_word = "x" * 9_900
    text = f"{long_word} tail"
    assert marked(text, [f"t{n}" for n in range(9)] + ["tail"]) == f"{long_word} <mark>tail</mark>"
