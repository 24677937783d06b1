"""Several writers and a dozen pollers at once: every poller ends with exactly the database's state."""

import json
import multiprocessing
import random
import sqlite3
import threading
import time
from collections import Counter

import psycopg
import pytest
from liveserver import LiveServer, http

pytestmark = pytest.mark.server

WRITERS, OPERATIONS, POLLERS = 4, 60, 12


def call(method, url, token=None, data=None):
    status, _, body = http(method, url, data, token)
    return status, json.loads(body) if status < 300 and body else None, body


def writer(number, base, token, results):
    """Creates, edits, pins, unpins and deletes its own updates in a random order."""
    rng = random.Random(number)
    mine, statuses = [], []
    for step in range(OPERATIONS):
        action = "create" if len(mine) < 2 else rng.choice(["create", "create", "edit", "pin", "unpin", "delete"])
        if action == "create":
            status, data, _ = call(
                "POST", f"{base}/api/sessions/race/updates", token, {"body": f"writer {number} update {step}"}
            )
            if status == 201:
                mine.append(data["id"])
        elif action == "delete":
            status, _, _ = call("DELETE", f"{base}/api/updates/{mine.pop(rng.randrange(len(mine)))}", token)
        else:
            change = {
                "edit": {"body": f"writer {number} edit {step}"},
                "pin": {"pinned": True},
                "unpin": {"pinned": False},
            }[action]
            status, _, _ = call("PATCH", f"{base}/api/updates/{rng.choice(mine)}", token, change)
        statuses.append(status)
        time.sleep(rng.uniform(0, 0.04))  # so polls interleave with the writes
    results.put((number, statuses))


class Poller(threading.Thread):
    """Follows the session with the cursor, applying each answer as a reader's page would."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.cursor, self.view = base, None, {}
        self.statuses, self.polls, self.problems = [], 0, []
        self.stop = threading.Event()

    def poll(self):
        since = "" if self.cursor is None else f"?since={self.cursor}"
        status, data, body = call("GET", f"{self.base}/api/sessions/race/updates{since}")
        self.polls += 1
        self.statuses.append(status)
        if b"locked" in body:
            self.problems.append(body[:200])
        if status != 200:
            return
        for update in data["updates"]:
            self.view[update["id"]] = (update["body"], update["pinned"], update["version"])
        for deleted in data["deleted"]:
            self.view.pop(deleted, None)
        self.cursor = data["cursor"]

    def run(self):
        while not self.stop.is_set():
            self.poll()
            time.sleep(random.uniform(0.05, 0.3))


def database_state(database_url):
    query = (
        "SELECT u.id, u.body, u.pinned, u.version FROM liveblog_update u JOIN liveblog_session s "
        "ON s.id = u.session_id WHERE s.slug = 'race' AND u.deleted_at IS NULL"
    )
    version_query = "SELECT version FROM liveblog_session WHERE slug = 'race'"
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            rows, version = db.execute(query).fetchall(), db.execute(version_query).fetchone()[0]
    else:
        with psycopg.connect(database_url) as db:
            rows, version = db.execute(query).fetchall(), db.execute(version_query).fetchone()[0]
    return version, {row[0]: (row[1], bool(row[2]), row[3]) for row in rows}


def test_writers_and_pollers_at_once_lose_nothing(tmp_path):
    server = LiveServer(tmp_path, workers=4).start()
    try:
        server.new_session("race")
        pollers = [Poller(server.url) for _ in range(POLLERS)]
        for poller in pollers:
            poller.start()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        writers = [context.Process(target=writer, args=(n, server.url, server.token, results)) for n in range(WRITERS)]
        for process in writers:
            process.start()
        writer_statuses = dict(results.get(timeout=300) for _ in writers)
        for process in writers:
            process.join(timeout=30)

        final_version, final_state = database_state(server.env["DATABASE_URL"])
        deadline = time.monotonic() + 30  # the last changes reach every poller within a cached version's life
        while any(p.cursor != final_version for p in pollers) and time.monotonic() < deadline:
            time.sleep(0.2)
        for poller in pollers:
            poller.stop.set()
            poller.join(timeout=30)
            poller.poll()  # one last look after the writers stopped
    finally:
        server.close()

    all_writes = [s for statuses in writer_statuses.values() for s in statuses]
    assert len(all_writes) == WRITERS * OPERATIONS and set(all_writes) <= {200, 201, 204}, all_writes
    assert final_version == len(all_writes)  # every change moved the cursor exactly once
    for poller in pollers:
        assert set(poller.statuses) == {200} and not poller.problems, (Counter(poller.statuses), poller.problems[:3])
        assert poller.cursor == final_version
        assert poller.view == final_state  # nothing missing, nothing twice, nothing stale
    print(
        f"\n{WRITERS} writers made {len(all_writes)} changes; {POLLERS} pollers made "
        f"{sum(p.polls for p in pollers)} polls; {len(final_state)} updates left, all seen by every poller"
    )
