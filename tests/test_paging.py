"""A long session's page shows its key moments and a page of updates, with a plain link to the
next page (?before=N, or ?order=oldest&after=N) that htmx turns into "append it here"."""

import re

import pytest
from conftest import HTMX, post

import liveblog

PAGE = 5


@pytest.fixture
def long_session(session, monkeypatch):
    """12 updates, numbered in order; the second is a key moment."""
    monkeypatch.setattr(liveblog, "PAGE_SIZE", PAGE)
    updates = [post(session, f"Update {n}", pinned=n == 2) for n in range(1, 13)]
    return session, updates


def shown(html):
    return [int(n) for n in re.findall(r"<p>Update (\d+)</p>", html.split('id="updates"')[1])]


def test_the_page_shows_the_newest_updates_every_key_moment_and_a_link_to_earlier_ones(client, long_session):
    session, updates = long_session
    html = client.get("/sessions/keynote/").content.decode()
    assert shown(html) == [12, 11, 10, 9, 8]
    assert f'id="pinned-{updates[1].pk}"' in html  # a key moment from the last page
    assert f'href="?before={updates[7].pk}"' in html and "Earlier updates" in html


def test_each_earlier_page_follows_on_and_the_last_has_no_link(client, long_session):
    session, updates = long_session
    second = client.get(f"/sessions/keynote/?before={updates[7].pk}").content.decode()
    assert shown(second) == [7, 6, 5, 4, 3] and f'href="?before={updates[2].pk}"' in second
    last = client.get(f"/sessions/keynote/?before={updates[2].pk}").content.decode()
    assert shown(last) == [2, 1] and 'id="more-updates" hidden' in last
    assert client.get(f"/sessions/keynote/before/{updates[7].pk}/").content.decode().count("<p>Update") == (
        second.count("<p>Update")
    )


def test_oldest_first_pages_the_other_way(client, long_session):
    session, updates = long_session
    first = client.get("/sessions/keynote/?order=oldest").content.decode()
    assert shown(first) == [1, 2, 3, 4, 5] and f'href="?order=oldest&amp;after={updates[4].pk}"' in first
    later = client.get(f"/sessions/keynote/?order=oldest&after={updates[4].pk}").content.decode()
    assert shown(later) == [6, 7, 8, 9, 10] and "Later updates" in later


def test_htmx_gets_the_next_pages_items_and_the_link_after_them(client, long_session):
    session, updates = long_session
    response = client.get(f"/sessions/keynote/?before={updates[7].pk}", **HTMX)
    html = response.content.decode()
    assert "<html" not in html and html.count('<li class="update') == PAGE
    assert f'data-hx-get="?before={updates[2].pk}"' in html and 'data-hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_a_boundary_that_is_not_an_update_of_the_session_is_refused(client, long_session):
    assert client.get("/sessions/keynote/?before=x").status_code == 400
    assert client.get("/sessions/keynote/?before=99999").status_code == 404


def test_an_update_page_links_to_the_session_page_that_holds_it(client, long_session):
    session, updates = long_session
    deep = updates[0]
    html = client.get(f"/sessions/keynote/updates/{deep.pk}/").content.decode()
    link = re.search(r'href="(/sessions/keynote/[^"]*#update-\d+)"', html).group(1)
    assert link == f"/sessions/keynote/?before={updates[2].pk}#update-{deep.pk}"
    assert f'id="update-{deep.pk}"' in client.get(link.split("#")[0]).content.decode()
    newest = client.get(f"/sessions/keynote/updates/{updates[-1].pk}/").content.decode()
    assert f'href="/sessions/keynote/#update-{updates[-1].pk}"' in newest
