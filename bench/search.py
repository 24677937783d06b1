"""The search benchmark: /search/?q= on 100,000 updates, on SQLite and on PostgreSQL.

`python bench/run.py --search-only` runs it alone; `python bench/run.py` runs it last.
Each database is new and filled the same way (100 sessions of 1,000 updates, drawn from one
seeded vocabulary); every query is asked through Django (view, query and template) as a
reader's browser would, and the median and p99 of its time are printed per query.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a process of its own, on the database DATABASE_URL names: fill it, then time the queries.
MEASURE = """
import json, random, statistics, sys, time
import liveblog
liveblog.app._prepare()
from datetime import timedelta
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from liveblog import Session, Update, render_markdown

SESSIONS, PER_SESSION, REQUESTS = 100, {per_session}, {requests}
call_command("migrate", verbosity=0)
random.seed(7)
common = ("the a of to and in is it that for on with as at by from this be are was we can you not "
          "query view model cache template request response page server test field form admin "
          "database index migration user session update browser".split())
speakers = ["Ada Lovelace", "Carson Gross", "Peter Baumgartner", "Priya Natarajan", "Tom Reyes"]
now = timezone.now() - timedelta(days=30)
for n in range(SESSIONS):
    session = Session.objects.create(
        slug=f"talk-{{n}}", title=f"Talk {{n}}: " + " ".join(random.sample(common[20:], 3)).title(),
        speakers=speakers[n % len(speakers)], room=f"Room {{n % 4}}", time_zone="Europe/Berlin",
        starts_at=now + timedelta(hours=n), ends_at=now + timedelta(hours=n, minutes=45), version=PER_SESSION)
    updates = []
    for i in range(PER_SESSION):
        words = random.choices(common, k=random.randint(8, 30))
        if random.random() < 0.10: words.insert(3, "Django")
        if random.random() < 0.01: words.insert(5, "bottleneck")
        if random.random() < 0.0001: words.insert(2, "zeppelin")
        body = " ".join(words).capitalize() + "."
        updates.append(Update(session=session, body=body, html=render_markdown(body), version=i + 1,
                              created_at=now + timedelta(hours=n, seconds=i)))
    Update.objects.bulk_create(updates, batch_size=2000)
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
queries = {{"a common word (django)": "django", "a rarer word (bottleneck)": "bottleneck",
           "a rare word (zeppelin)": "zeppelin", "two words (django cache)": "django cache",
           "a speaker and a word (natarajan bottleneck)": "natarajan bottleneck",
           "no match (xylophone)": "xylophone"}}
client, results = Client(), {{}}
for name, query in queries.items():
    for _ in range(3):  # warm the caches
        assert client.get("/search/", {{"q": query}}).status_code == 200
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get("/search/", {{"q": query}})
        times.append((time.perf_counter() - start) * 1000)
    found = response.content.decode().count('<li><a href="/sessions/')
    p99 = statistics.quantiles(times, n=100)[98]
    results[name] = {{"median": statistics.median(times), "p99": p99, "shown": found}}
print(json.dumps({{"vendor": connection.vendor, "updates": Update.objects.count(), "results": results}}))
"""


def measure(database_url, requests, per_session):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + "x" * 50}
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(requests=requests, per_session=per_session)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def postgres_database(server_url):
    """A fresh PostgreSQL database on the server at server_url, and a function that drops it."""
    import psycopg

    name = f"liveblog_bench_search_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server_url.rsplit("/", 1)[0] + "/" + name, drop


def run(tmp, postgres_url, requests=50, per_session=1000):
    """Measure on SQLite, and on PostgreSQL when postgres_url is given; print the table."""
    runs = [measure(f"sqlite:///{Path(tmp) / 'search.sqlite3'}", requests, per_session)]
    if postgres_url:
        url, drop = postgres_database(postgres_url)
        try:
            runs.append(measure(url, requests, per_session))
        finally:
            drop()
    report(runs, requests)


def report(runs, requests):
    names = list(runs[0]["results"])
    print(
        f"\nSearch, /search/?q= through Django on {runs[0]['updates']:,} updates; {requests} requests a query, "
        "one process; ms, and the results the page shows\n"
    )
    header = " | ".join(
        f"{run['vendor'] + ' median':>17} | {run['vendor'] + ' p99':>14} | {'shown':>5}" for run in runs
    )
    print(f"| {'query':<44} | {header} |")
    print(f"| {'-' * 44} | " + " | ".join(f"{'-' * 16}: | {'-' * 13}: | ----:" for _ in runs) + " |")
    for name in names:
        cells = " | ".join(
            f"{run['results'][name]['median']:>17.1f} | {run['results'][name]['p99']:>14.1f} | "
            f"{run['results'][name]['shown']:>5}"
            for run in runs
        )
        print(f"| {name:<44} | {cells} |")
    if len(runs) == 2:
        print()
        for name in names:
            a, b = (run["results"][name]["median"] for run in runs)
            print(f"  {name}: SQLite median / PostgreSQL median = {a / b:.1f}")
