"""Several app processes sharing Redis see each other's changes at once."""
import pytest
import redis

from liveserver import LiveServer

pytestmark = pytest.mark.server

REDIS_URL = "redis://127.0.0.1:6379/15"
NEVER_EXPIRES = {"LIVEBLOG_VERSION_TTL": "600"}  # so only invalidation can refresh a process


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
        tmp_path, {"REDIS_URL": REDIS_URL, **NEVER_EXPIRES})
    assert seen_by_second == (2, ["two"])
    assert seen_by_first == (3, ["three"])


def test_without_a_shared_cache_the_other_process_lags_until_expiry(tmp_path):
    """The control: the same steps with per-process memory caches miss the change."""
    seen_by_second, _ = warm_then_write_through_the_other(tmp_path, NEVER_EXPIRES)
    assert seen_by_second == (1, [])
