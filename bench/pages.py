"""Long sessions and many sessions: what a first load costs, and what one worker holds.

`python bench/run.py --pages-only` runs it alone; `python bench/run.py` runs it too. In one
process on a temporary SQLite database:

- a session page with 50, 500 and 5,000 updates: the bytes of its first load (gzip, the HTML
  and its scripts and style sheet) and the median time Django takes to draw it;
- 10,000 distinct session pages drawn through the response cache, as one worker would serve
  them: its resident memory before and after, against the cache's bound (RESPONSE_CACHE_MB).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = """
import gzip, io, json, re, statistics, sys, time
sys.path.insert(0, {root!r})
import liveblog
liveblog.app._prepare()
from datetime import timedelta
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from liveblog import RESPONSE_CACHE_MB, ResponseCache, Session, Update
from django.core.wsgi import get_wsgi_application

call_command("migrate", verbosity=0)
now = timezone.now()
body = "Query counts are the usual bottleneck: **measure** before you cache. See [the docs](https://docs.djangoproject.com/)."

def session_with(n, slug):
    session = Session.objects.create(slug=slug, title=f"{{n}} updates", starts_at=now - timedelta(hours=9),
                                     ends_at=now + timedelta(hours=1))
    Update.objects.bulk_create(Update(session=session, body=body, html=f"<p>{{k}}. {{body}}</p>", version=k + 1,
                                      created_at=now - timedelta(seconds=n - k)) for k in range(n))
    Session.objects.filter(pk=session.pk).update(version=n)
    return session

client, gz = Client(), {{"HTTP_ACCEPT_ENCODING": "gzip"}}
drawn = {{}}
for n in (50, 500, 5000) if {draw} else ():
    session_with(n, f"s{{n}}")
    page = client.get(f"/sessions/s{{n}}/", **gz)
    html = gzip.decompress(page.content).decode()
    found = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html)
    assets = sum(len(client.get(a, **gz).getvalue()) for a in found)
    times = []
    for _ in range({draws}):
        start = time.perf_counter(); client.get(f"/sessions/s{{n}}/", **gz); times.append(time.perf_counter() - start)
    drawn[n] = {{"html": len(page.content), "assets": assets, "ms": statistics.median(times) * 1000}}

def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024

if {create}:  # in a process of its own: what it allocates is not the worker's
    Session.objects.bulk_create(Session(slug=f"many-{{k}}", title=f"Session {{k}}", starts_at=now - timedelta(hours=2),
                                        ends_at=now - timedelta(hours=1)) for k in range({many}))
    Update.objects.bulk_create(Update(session=s, body=body, html=f"<p>{{body}}</p>", version=1 + k)
                               for s in Session.objects.filter(slug__startswith="many-") for k in range(5))
    Session.objects.filter(slug__startswith="many-").update(version=5)
    sys.exit()
sessions = list(Session.objects.filter(slug__startswith="many-").values_list("slug", flat=True))
cache = ResponseCache(get_wsgi_application())
before = rss_mb()
for slug in sessions:
    environ = {{"REQUEST_METHOD": "GET", "PATH_INFO": f"/sessions/{{slug}}/", "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
               "HTTP_ACCEPT_ENCODING": "gzip", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr}}
    b"".join(cache(environ, lambda *a: None))
print(json.dumps({{"drawn": drawn, "rss_before": before, "rss_after": rss_mb(), "kept_mb": cache.size / 2**20,
                  "entries": len(cache.responses), "bound_mb": RESPONSE_CACHE_MB}}))
"""


def run(tmp, draws=7, many=10_000):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{Path(tmp) / 'pages.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
    }
    env.pop("REDIS_URL", None)
    found = {}
    runs = [(True, False, "draw", 64), (False, True, "many", 64), (False, False, "many", 64), (False, False, "many", 8)]
    memory = []
    for draw, create, database, bound in runs:  # each in a process of its own
        script = MEASURE.format(root=str(ROOT), draws=draws, many=many, draw=draw, create=create)
        env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / database}.sqlite3"
        env["LIVEBLOG_RESPONSE_CACHE_MB"] = str(bound)
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        if not create:
            result = json.loads(out.stdout.strip().splitlines()[-1])
            found.setdefault("drawn", result["drawn"])
            memory += [] if draw else [result]
    print(f"Session page, first load and draw (median of {draws}), one run:")
    print("| updates | HTML (gzip) | with scripts and style (gzip) | draw | ratio to 50 |")
    print("|--:|--:|--:|--:|--:|")
    fifty = found["drawn"]["50"]["ms"]
    for n, row in found["drawn"].items():
        total = row["html"] + row["assets"]
        print(f"| {int(n):,} | {row['html']:,} B | {total:,} B | {row['ms']:.1f} ms | {row['ms'] / fifty:.2f} |")
    for row in memory:
        print(
            f"One worker after {many:,} distinct session pages: resident {row['rss_after']:.0f} MB "
            f"(was {row['rss_before']:.0f} MB) with LIVEBLOG_RESPONSE_CACHE_MB={row['bound_mb']}: it keeps "
            f"{row['entries']:,} answers, {row['kept_mb']:.1f} MB as it counts them."
        )
    return found
