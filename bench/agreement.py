"""How long a write takes to be seen by every process: granian with 4 workers on SQLite, no Redis.

`python bench/run.py --agreement-only` runs it alone; `python bench/run.py` runs it last. Each
round posts an update through the API and, from the moment the post's answer is back, reads the
session's changes on new connections (so the workers take turns) until 40 reads in a row carry
it; the time of the last read that did not is how long the slowest process lagged. Run with
LIVEBLOG_COMMIT_WATCH=0 too (the 2 s VERSION_TTL alone) for the comparison.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from liveserver import free_port, manage, start_process, stop_process, wait_for  # noqa: E402

SETUP = """
import json, liveblog
liveblog.app._prepare()
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from liveblog import ApiToken, Session
now = timezone.now()
Session.objects.create(slug="agree", title="Agreement", starts_at=now, ends_at=now + timedelta(hours=1))
print(ApiToken.issue(User.objects.create_superuser("bench", password="bench"), "bench")[1])
"""
ROUNDS, IN_A_ROW = 20, 40


def call(url, data=None, token=None):
    request = urllib.request.Request(
        url,
        data=None if data is None else json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def lags(base, token):
    """For each round, the seconds from a post's answer to the last read that missed it."""
    found = []
    for n in range(ROUNDS):
        for _ in range(IN_A_ROW):  # every worker has the session's state cached before the write
            call(f"{base}/api/sessions/agree/updates?since=0")
        update = call(f"{base}/api/sessions/agree/updates", {"body": f"round {n}"}, token)
        answered, last_miss, in_a_row = time.perf_counter(), 0.0, 0
        while in_a_row < IN_A_ROW:
            ids = {u["id"] for u in call(f"{base}/api/sessions/agree/updates?since=0")["updates"]}
            if update["id"] in ids:
                in_a_row += 1
            else:
                in_a_row, last_miss = 0, time.perf_counter() - answered
        found.append(last_miss)
    return found


def run(tmp, watch=True):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{Path(tmp) / ('agree.sqlite3' if watch else 'ttl.sqlite3')}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "LIVEBLOG_COMMIT_WATCH": "1" if watch else "0",
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput")
    token = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    port = free_port()
    command = ["-m", "granian", "--interface", "wsgi", "--workers", "4", "--host", "127.0.0.1", "--port", str(port)]
    server = start_process(
        [sys.executable, *command, "liveblog:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/sessions", process=server)
        found = lags(f"http://127.0.0.1:{port}", token)
    finally:
        stop_process(server)
    label = "PRAGMA data_version" if watch else "VERSION_TTL alone (2 s)"
    print(
        f"A write seen by all 4 granian workers, SQLite, no Redis, {label}: "
        f"median {statistics.median(found) * 1000:.1f} ms, worst {max(found) * 1000:.1f} ms ({ROUNDS} writes)"
    )
    return found
