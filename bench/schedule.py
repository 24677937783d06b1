"""The schedule import benchmark: a 1,000-event schedule.json imported into a new database,
then imported again unchanged (what a sync every 10 minutes does), on SQLite and PostgreSQL.

`python bench/run.py --schedule-only` runs it alone; `python bench/run.py` runs it after the
search benchmark. Each import goes through import_schedule() as POST /api/schedule and
`import_schedule` do; the median of several runs of each is printed, and their ratio.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MEASURE = """
import json, statistics, sys, time
sys.path.insert(0, {tests!r})
import liveblog
liveblog.app._prepare()
from django.core.management import call_command
from django.db import connection
from liveblog import ScheduleIn, Session, import_schedule
from schedules import pretalx_event, schedule

call_command("migrate", verbosity=0)
rooms = ["Hall A", "Hall B", "Hall C", "Hall D", "Workshop 1"]
def starts(n):  # five days of 200 events, 20 an hour in five rooms
    return f"2026-05-{{4 + n // 200:02d}}T{{9 + n % 200 // 20:02d}}:{{n % 20 * 3:02d}}:00+02:00"
events = [pretalx_event(f"event-{{n}}", f"Talk number {{n}}", starts(n), room=rooms[n % len(rooms)])
          for n in range({events})]
document = ScheduleIn.model_validate(schedule(*events))
first, again = [], []
for run in range({runs}):
    Session.objects.all().delete()
    start = time.perf_counter(); record = import_schedule(document, "bench"); first.append(time.perf_counter() - start)
    assert record.created == {events}, record.counts
    start = time.perf_counter(); record = import_schedule(document, "bench"); again.append(time.perf_counter() - start)
    assert record.unchanged == {events}, record.counts
print(json.dumps({{"vendor": connection.vendor, "first": statistics.median(first), "again": statistics.median(again)}}))
"""


def measure(env, events, runs):
    code = MEASURE.format(tests=str(ROOT / "tests"), events=events, runs=runs)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(tmp, postgres_url, events=1000, runs=5):
    env = {**os.environ, "DJANGO_DEBUG": "0", "LIVEBLOG_DEMO": "0", "DJANGO_SECRET_KEY": "bench-" + "x" * 50}
    env.pop("REDIS_URL", None)
    databases = [f"sqlite:///{Path(tmp) / 'schedule.sqlite3'}"]
    if postgres_url:
        databases.append(postgres_url.rsplit("/", 1)[0] + "/liveblog_bench_schedule")
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", "liveblog_bench_schedule"],
                       check=False)  # fmt: skip
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "liveblog_bench_schedule"], check=True)
    print(f"\nSchedule import: {events} events, median of {runs} runs each")
    print("| database   | first import (s) | unchanged re-import (s) | re-import / first |")
    print("|------------|-----------------:|------------------------:|------------------:|")
    for url in databases:
        figures = measure({**env, "DATABASE_URL": url}, events, runs)
        ratio = figures["again"] / figures["first"]
        print(f"| {figures['vendor']:<10} | {figures['first']:16.2f} | {figures['again']:23.2f} | {ratio:17.2f} |")
    if postgres_url:
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", "liveblog_bench_schedule"],
                       check=False)  # fmt: skip


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run(tmp, os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
