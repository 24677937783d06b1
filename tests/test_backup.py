"""The operator's backups and moves, run as the README writes them: an online SQLite backup
while the server writes, its restore, SQLite to PostgreSQL with dumpdata and loaddata, and
pg_dump; each copy then serves the same pages."""

import json
import os
import sqlite3
import subprocess
import threading
from contextlib import closing
from datetime import datetime

import psycopg
import pytest
from liveserver import ROOT, LiveServer, free_port, http

pytestmark = pytest.mark.server

SQLITE_BACKUP = (
    """python -c "import sqlite3; sqlite3.connect('db.sqlite3').backup(sqlite3.connect('backup.sqlite3'))\""""
)
SQLITE_RESTORE = "rm -f db.sqlite3-wal db.sqlite3-shm && cp backup.sqlite3 db.sqlite3"
DUMP = (
    "nanodjango manage liveblog.py dumpdata --natural-foreign --natural-primary "
    "-e contenttypes -e auth.permission -e sessions -e axes -o liveblog.json"
)
MIGRATE = "nanodjango manage liveblog.py migrate"
LOAD = "nanodjango manage liveblog.py loaddata liveblog.json"
PG_DUMP = 'pg_dump --format=custom --file=liveblog.pgdump "$DATABASE_URL"'
PG_RESTORE = 'pg_restore --no-owner --dbname="$RESTORED_URL" liveblog.pgdump'
POSTGRES = os.environ.get("CI_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def run(command, cwd, **env):
    result = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_shows_these_commands():
    readme = (ROOT / "README.md").read_text()
    for command in [SQLITE_BACKUP, SQLITE_RESTORE, DUMP, MIGRATE, LOAD, PG_DUMP, PG_RESTORE]:
        assert command in readme, command


@pytest.fixture
def sqlite_server(tmp_path, monkeypatch):
    """A server on tmp_path/db.sqlite3, with a session, updates, a pin, an edit and a deletion."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)  # SQLite in the PostgreSQL run too
    live = LiveServer(tmp_path, env={"DATABASE_URL": url}).start()
    live.new_session("talk")
    for n in range(20):
        http(
            "POST",
            f"{live.url}/api/sessions/talk/updates",
            {"body": f"Update {n}", "pinned": n == 3},
            token=live.token,
            headers={"Idempotency-Key": f"draft-key-{n:04}"},
        )
    live.api("PATCH", "/updates/2", {"body": "Update 1, edited"})
    live.api("DELETE", "/updates/5")
    yield live
    live.close()


def reading(live):
    """What readers see: the page and the API's whole state, with the port taken out and the
    updates' times read as times: the API writes 45.000 seconds as "45Z", and an update posted
    at 45.0004 s is at 45.000 once dumpdata's milliseconds have moved it."""
    page = http("GET", f"{live.url}/sessions/talk/")[2].decode().replace(str(live.port), "PORT")
    state = json.loads(http("GET", f"{live.url}/api/sessions/talk/updates")[2].decode().replace(str(live.port), "PORT"))
    for update in state["updates"]:
        for name in ("created_at", "edited_at"):
            update[name] = update[name] and datetime.fromisoformat(update[name])
    return page, state


def serve_copy(tmp_path, database_url, token):
    copy = LiveServer(tmp_path, restored=database_url)
    copy.token = token
    return copy.start()


def test_an_online_sqlite_backup_is_consistent_and_restores(sqlite_server, tmp_path):
    live, writing = sqlite_server, threading.Event()

    def keep_posting():
        n = 100
        while not writing.is_set():
            http("POST", f"{live.url}/api/sessions/talk/updates", {"body": f"During the backup {n}"}, token=live.token)
            n += 1

    writer = threading.Thread(target=keep_posting)
    writer.start()
    try:
        run(SQLITE_BACKUP, tmp_path)  # while the server writes
    finally:
        writing.set()
        writer.join()
    with closing(sqlite3.connect(tmp_path / "backup.sqlite3")) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        cursor = backup.execute("SELECT version FROM liveblog_session WHERE slug = 'talk'").fetchone()[0]
        newest = backup.execute("SELECT max(version) FROM liveblog_update").fetchone()[0]
        assert cursor == newest  # every change up to the cursor is in the copy, and nothing beyond it

    run(SQLITE_BACKUP, tmp_path)  # now that writing stopped: the restored copy must match
    before = reading(live)
    live.stop()
    run(SQLITE_RESTORE, tmp_path)
    restored = serve_copy(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", live.token)
    try:
        assert reading(restored) == before
    finally:
        restored.stop()


def new_postgres_database():
    name = f"liveblog_move_{os.getpid()}_{free_port()}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url):
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_sqlite_moves_to_postgresql_and_pg_dump_restores_it(sqlite_server, tmp_path):
    live = sqlite_server
    before = reading(live)
    live.stop()
    sqlite_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    moved_url, restored_url = new_postgres_database(), new_postgres_database()
    for name in ["liveblog.py", "migrations"]:  # the README's commands, run beside the app
        (tmp_path / name).symlink_to(ROOT / name)
    try:
        run(DUMP, tmp_path, DATABASE_URL=sqlite_url)
        run(MIGRATE, tmp_path, DATABASE_URL=moved_url)
        run(LOAD, tmp_path, DATABASE_URL=moved_url)
        moved = serve_copy(tmp_path, moved_url, live.token)
        try:
            assert reading(moved) == before  # ids, cursors, pins, edits and the deletion as they were
            status, _, body = http(
                "POST",
                f"{moved.url}/api/sessions/talk/updates",
                {"body": "Update 7"},
                token=live.token,
                headers={"Idempotency-Key": "draft-key-0007"},
            )
            assert status == 200 and json.loads(body)["id"] == 8  # the idempotency key moved too
            status, _, body = http(
                "POST", f"{moved.url}/api/sessions/talk/updates", {"body": "After the move"}, token=live.token
            )
            new = json.loads(body)
            assert status == 201 and new["id"] == 21 and new["version"] == before[1]["cursor"] + 1
        finally:
            moved.stop()
        after_move = reading_of(tmp_path, moved_url, live.token)
        run(PG_DUMP, tmp_path, DATABASE_URL=moved_url)
        run(PG_RESTORE, tmp_path, RESTORED_URL=restored_url)
        assert reading_of(tmp_path, restored_url, live.token) == after_move
    finally:
        drop_postgres_database(moved_url)
        drop_postgres_database(restored_url)


def reading_of(tmp_path, database_url, token):
    server = serve_copy(tmp_path, database_url, token)
    try:
        return reading(server)
    finally:
        server.stop()
