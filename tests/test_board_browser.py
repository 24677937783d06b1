"""The now-and-next board in Chromium: rooms side by side on a laptop, stacked on a phone, and
current without a reload through its one poll."""

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

POLL = 1  # the board polls every 6 × POLL seconds


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("board"), poll_seconds=POLL).start()
    for slug, room, status in [
        ("hall-now", "Hall", "live"),
        ("hall-next", "Hall", "upcoming"),
        ("annex-next", "Annex", "upcoming"),
        ("cellar-next", "Cellar", "upcoming"),
    ]:
        live.api(
            "POST",
            "/sessions",
            {
                "title": f"Talk {slug}",
                "slug": slug,
                "room": room,
                "minutes": 45,
                "starts_at": "2026-05-04T09:00:00+02:00",
                "time_zone": "Europe/Vienna",
                "status": status,
            },
        )
    yield live
    live.close()


def room_boxes(page):
    return {
        page.locator(".board .room h3").nth(i).inner_text(): page.locator(".board .room").nth(i).bounding_box()
        for i in range(page.locator(".board .room").count())
    }


def test_rooms_sit_side_by_side_on_a_laptop_and_stack_on_a_phone(server, contexts):
    laptop = contexts(viewport={"width": 1280, "height": 900}).new_page()
    laptop.goto(server.url + "/")
    boxes = room_boxes(laptop)
    assert list(boxes) == ["Annex", "Cellar", "Hall"]
    assert len({round(box["y"]) for box in boxes.values()}) == 1  # one row
    phone = contexts(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(server.url + "/")
    boxes = room_boxes(phone)
    ys = [box["y"] for box in boxes.values()]
    assert ys == sorted(ys) and len(set(ys)) == 3  # one above the other
    assert all(box["x"] + box["width"] <= 390 for box in boxes.values())


def test_the_board_stays_current_without_a_reload(server, contexts):
    page = contexts(viewport={"width": 1280, "height": 900}).new_page()
    polls = []
    page.on("request", lambda request: "/board/" in request.url and polls.append(request.url))
    page.goto(server.url + "/")
    annex = page.locator(".board .room", has_text="Annex")
    assert "Nothing on" in annex.locator(".now").inner_text()
    server.api("PATCH", "/sessions/annex-next", {"status": "live"})
    annex.locator(".now", has_text="Talk annex-next").wait_for(timeout=(6 * POLL + 5) * 1000)
    assert "Nothing more" in annex.locator(".next").inner_text()
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    assert polls and all(url == server.url + "/board/" for url in polls)  # one poll for the whole board


def test_without_javascript_the_board_is_right_at_load(server, contexts):
    page = contexts(java_script_enabled=False, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server.url + "/")
    hall = page.locator(".board .room", has_text="Hall")
    assert "Talk hall-now" in hall.locator(".now").inner_text()
    assert "Talk hall-next" in hall.locator(".next").inner_text()
