"""Several app processes sharing Redis see each other's changes at once; without Redis (and,
on SQLite, without the commit watch: tests/test_process_agreement.py) they lag by at most
LIVEBLOG_VERSION_TTL; and a Redis outage takes nothing down."""

import subprocess
import time

import pytest
import redis
from liveserver import LiveServer, free_port, http, start_process, stop_process

pytestmark = pytest.mark.server

REDIS_URL = "redis://127.0.0.1:6379/15"
NEVER_EXPIRES = {"LIVEBLOG_VERSION_TTL": "600"}  # so only invalidation can refresh a process
TTL_ALONE = {"LIVEBLOG_COMMIT_WATCH": "0"}  # SQLite processes otherwise agree at once


def changes(server, since):
    data = server.get(f"/api/sessions/shared/updates?since={since}")
    return data["cursor"], [u["body"] for u in data["updates"]]


def warm_then_write_through_the_other(tmp_path, env):
    first = LiveServer(tmp_path, workers=1, env=env).start()
    second = first.sibling()
    try:
        first.new_session("shared")
        first.post("shared", "one")
        assert changes(first, 1) == (1, []) and changes(second, 1) == (1, [])  # both have cached version 1
        first.post("shared", "two")
        seen_by_second = changes(second, 1)
        second.post("shared", "three")
        seen_by_first = changes(first, 2)
        return seen_by_second, seen_by_first
    finally:
        second.stop()
        first.close()


def test_two_processes_sharing_redis_see_each_others_changes_at_once(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    seen_by_second, seen_by_first = warm_then_write_through_the_other(
        tmp_path, {"REDIS_URL": REDIS_URL, **NEVER_EXPIRES}
    )
    assert seen_by_second == (2, ["two"])
    assert seen_by_first == (3, ["three"])


def test_without_a_shared_cache_the_other_process_lags_until_expiry(tmp_path):
    """The control: the same steps with per-process memory caches miss the change."""
    seen_by_second, _ = warm_then_write_through_the_other(tmp_path, {**NEVER_EXPIRES, **TTL_ALONE})
    assert seen_by_second == (1, [])


def test_without_a_shared_cache_the_lag_is_bounded_by_the_version_ttl(tmp_path):
    first = LiveServer(tmp_path, workers=1, env={"LIVEBLOG_VERSION_TTL": "1", **TTL_ALONE}).start()
    second = first.sibling()
    try:
        first.new_session("shared")
        first.post("shared", "one")
        assert changes(second, 1) == (1, [])  # second caches version 1
        first.post("shared", "two")
        time.sleep(1.5)  # past the TTL
        assert changes(second, 1) == (2, ["two"])
    finally:
        second.stop()
        first.close()


def start_redis(port):
    process = start_process(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def test_a_redis_outage_takes_nothing_down_and_the_cache_heals_when_redis_returns(tmp_path):
    port = free_port()
    cache_server = start_redis(port)
    server = LiveServer(tmp_path, workers=2, env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"}).start()
    reads = [
        "/",
        "/sessions/outage/",
        "/sessions/outage/changes/0/",
        "/api/sessions/outage/updates",
        "/api/sessions/outage/updates?since=0",
        "/feed.xml",
        "/sessions/outage/feed.xml",
        "/sessions/outage.md",
    ]

    def read_all():
        return {path: http("GET", server.url + path, headers={"HX-Request": "true"})[0] for path in reads}

    try:
        server.new_session("outage")
        server.post("outage", "before the outage")
        assert set(read_all().values()) == {200}
        assert redis.Redis(port=port).dbsize() > 0  # the cache is in use

        stop_process(cache_server)  # Redis goes away
        assert set(read_all().values()) == {200}
        status, _, _ = http(
            "POST", f"{server.url}/api/sessions/outage/updates", {"body": "during the outage"}, token=server.token
        )
        assert status == 201
        bodies = [u["body"] for u in server.get("/api/sessions/outage/updates")["updates"]]
        assert bodies == ["before the outage", "during the outage"]

        cache_server = start_redis(port)  # Redis is back, empty, on the same address
        server.post("outage", "after the outage")
        assert set(read_all().values()) == {200}
        assert redis.Redis(port=port).dbsize() > 0  # used again, without a restart
        cursor = server.get("/api/sessions/outage/updates")["cursor"]
        assert [u["body"] for u in server.get(f"/api/sessions/outage/updates?since={cursor - 1}")["updates"]] == [
            "after the outage"
        ]
    finally:
        server.close()
        stop_process(cache_server)
