"""The schedule's now-and-next board: what is on in each room, and its one poll (/board/)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from conftest import HTMX, make_session
from django.utils import timezone


def board_of(page):
    return page.split('id="now-next"', 1)[1].split("</section>", 1)[0]


def test_each_room_shows_what_is_on_now_and_next(client, db):
    make_session("a-now", "live", title="Hall talk", room="Hall")
    make_session("a-next", "upcoming", title="Hall next", room="Hall")
    later = timezone.now() + timedelta(days=2)
    make_session("a-later", title="Hall later", room="Hall", starts_at=later, ends_at=later + timedelta(hours=1))
    make_session("b-next", "upcoming", title="Annex next", room="Annex")
    make_session("c-over", "ended", title="Over", room="Cellar")
    make_session("nowhere", "live", title="No room", room="")
    board = board_of(client.get("/").content.decode())
    assert board.index("Annex") < board.index("Hall")  # rooms in name order
    annex, hall = board.split('<article class="room">')[1:]
    assert "Nothing on" in annex and "Annex next" in annex
    assert hall.index("Hall talk") < hall.index("Hall next") and "Hall later" not in hall
    assert "Over" not in board and "Cellar" not in board and "No room" not in board


def test_a_hand_set_status_moves_a_session_on_the_board(client, db):
    make_session("early", "upcoming", title="Started early", room="Hall", status_override="live")
    assert "Started early" in board_of(client.get("/").content.decode()).split("Next", 1)[0]


def test_an_empty_board_says_so(client, db):
    assert "No session is on now or coming up." in board_of(client.get("/").content.decode())


def test_the_board_poll_is_one_fragment_cacheable_by_everyone(client, db):
    make_session("a-now", "live", title="Hall talk", room="Hall")
    response = client.get("/board/", **HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200 and fragment.startswith('<section class="board" id="now-next"')
    assert 'data-hx-get="/board/"' in fragment and 'data-hx-trigger="every 30s"' in fragment  # it keeps polling
    assert "Hall talk" in fragment and "<html" not in fragment
    assert response["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert "HX-Request" in response["Vary"]


def test_a_person_opening_the_poll_goes_to_the_schedule(client, db):
    response = client.get("/board/")
    assert response.status_code == 302 and response["Location"] == "/#now-next"


def test_a_next_session_on_another_day_says_which(client, db):
    later = timezone.now() + timedelta(days=3)
    make_session("far", title="Far off", room="Hall", starts_at=later, ends_at=later + timedelta(hours=1))
    local = later.astimezone(ZoneInfo("America/Chicago"))  # the session's zone
    assert f"{local:%a} {local.day} {local:%b} {local:%H:%M}" in board_of(client.get("/").content.decode())
