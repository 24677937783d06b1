"""Database faults give 503 with Retry-After, never a 500, and the server recovers alone."""

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from conftest import post
from django.db import OperationalError, connection
from faultproxy import FaultProxy
from liveserver import LiveServer, http

from liveblog import Session, Update

JSON = "application/json"
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def failing_database(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize(
    "url, kind",
    [
        ("/", "text/html"),
        ("/sessions/keynote/", "text/html"),
        ("/api/sessions/keynote/updates", JSON),
        ("/api/sessions", JSON),
    ],
)
def test_a_failing_connection_gives_503_with_retry_after(client, session, url, kind):
    with connection.execute_wrapper(failing_database):
        response = client.get(url)
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(kind) and b"Traceback" not in response.content
    assert response["Cache-Control"] == "no-store"
    assert client.get(url).status_code == 200  # and the next request works again


def test_a_write_that_fails_midway_leaves_no_half_change(client, session, auth):
    first = post(session, "before")

    def fail_on_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO") and "liveblog_update" in sql:
            raise OperationalError("database or disk is full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_insert):
        response = client.post("/api/sessions/keynote/updates", {"body": "lost?"}, content_type=JSON, **auth)
    assert response.status_code == 503 and response.json()["detail"]
    assert Session.objects.get(pk=session.pk).version == first.version == 1  # the bump rolled back too
    assert list(Update.objects.values_list("body", flat=True)) == ["before"]


def until(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.3)
    raise AssertionError("condition never held")


@pytest.mark.server
def test_postgres_going_away_gives_503_and_coming_back_needs_no_restart(tmp_path):
    name = f"liveblog_fault_{os.getpid()}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proxy = FaultProxy(5432)
    server = LiveServer(tmp_path, env={"DATABASE_URL": f"postgres://postgres@127.0.0.1:{proxy.port}/{name}"}).start()
    try:
        server.new_session("fault")
        server.post("fault", "before the outage")
        assert http("GET", server.url + "/sessions/fault/")[0] == 200

        proxy.down()
        status, headers, body = http("GET", server.url + "/sessions/fault/?order=oldest")
        assert status == 503 and headers["Retry-After"] and b"Traceback" not in body
        status, headers, body = http("POST", server.url + "/api/sessions/fault/updates", {"body": "x"}, server.token)
        assert status == 503 and json.loads(body)["detail"]
        assert http("GET", server.url + "/")[0] == 503

        proxy.up()
        until(lambda: http("GET", server.url + "/")[0] == 200)
        assert http("POST", server.url + "/api/sessions/fault/updates", {"body": "after"}, server.token)[0] == 201
        data = json.loads(http("GET", server.url + "/api/sessions/fault/updates")[2])
        assert [u["body"] for u in data["updates"]] == ["before the outage", "after"] and data["cursor"] == 2
    finally:
        server.stop()
        proxy.down()
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


@pytest.mark.server
def test_a_full_disk_under_sqlite_gives_503_and_reads_go_on(tmp_path):
    server = LiveServer(tmp_path, workers=1, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'full.sqlite3'}"})
    limit = sum(p.stat().st_size for p in tmp_path.glob("full.sqlite3*")) + 256 * 1024

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    server.start(preexec_fn=small_disk)
    try:
        server.new_session("full")
        statuses = [
            http("POST", server.url + "/api/sessions/full/updates", {"body": "x" * 9000}, server.token)[0]
            for _ in range(60)
        ]
        assert 503 in statuses and set(statuses) <= {201, 503}, statuses
        written = statuses.count(201)
        status, _, body = http("GET", server.url + "/api/sessions/full/updates")
        assert status == 200 and len(json.loads(body)["updates"]) == written  # what was written, all of it
        assert http("GET", server.url + "/sessions/full/")[0] == 200

        for pid in worker_pids(server.process.pid):  # the disk has room again
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert http("POST", server.url + "/api/sessions/full/updates", {"body": "room again"}, server.token)[0] == 201
        data = json.loads(http("GET", server.url + "/api/sessions/full/updates")[2])
        assert len(data["updates"]) == written + 1 and data["cursor"] == written + 1
    finally:
        server.stop()
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
            "print(c.execute('PRAGMA integrity_check').fetchone()[0])",
            str(tmp_path / "full.sqlite3"),
        ],
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip() == "ok"
