"""Without Redis, app processes on one SQLite file agree at once: a write through one is read
through every other at its next request (PRAGMA data_version), not VERSION_TTL later."""

import pytest
from liveserver import LiveServer

pytestmark = pytest.mark.server

READS = 40  # new connections each: granian's 4 workers take turns


def bodies(server):
    return [u["body"] for u in server.get("/api/sessions/agree/updates?since=0")["updates"]]


@pytest.mark.parametrize("watch", ["1", "0"])
def test_a_write_through_one_process_is_read_through_all_four_at_once(tmp_path, watch):
    env = {"LIVEBLOG_VERSION_TTL": "600", "LIVEBLOG_COMMIT_WATCH": watch}  # only the watch can refresh a process
    server = LiveServer(tmp_path, workers=4, env=env)
    if not server.env["DATABASE_URL"].startswith("sqlite"):
        server.close()
        pytest.skip("PostgreSQL without Redis keeps VERSION_TTL (README: Scaling)")
    server.start()
    try:
        server.new_session("agree")
        server.post("agree", "before")
        assert all(bodies(server) == ["before"] for _ in range(READS))  # each worker caches this state
        server.post("agree", "after")
        seen = [bodies(server) == ["before", "after"] for _ in range(READS)]
    finally:
        server.close()
    if watch == "1":
        assert all(seen)
    else:  # the control: without the watch, the workers that cached the state keep it
        assert not all(seen)
