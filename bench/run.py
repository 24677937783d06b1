"""The poll-path benchmark: python bench/run.py  (needs Debian's wrk and nginx, and granian)

Builds a session with 500 updates in a temporary SQLite database, serves it on 127.0.0.1
with gunicorn (sync, 2 workers), gunicorn (gthread, 2 workers of 4 threads) and granian
(WSGI, 2 workers) in turn, drives each endpoint with wrk, and prints requests per second
and p50/p99 latency, the ratios between them (all from this one run), nginx serving a
static file the size of a poll answer, the sizes a reader downloads, and then a crowd of
readers polling through nginx as a caching proxy while an author posts. Last, the search
benchmark (bench/search.py): /search/ on 100,000 updates, on SQLite and on PostgreSQL, the
schedule import (bench/schedule.py), how soon 4 processes see a write (bench/agreement.py),
long sessions and a worker's memory (bench/pages.py), and the poll against the wire (bench/wire.py).
"""

import argparse
import asyncio
import gzip
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import agreement  # noqa: E402
import pages  # noqa: E402
import schedule  # noqa: E402
import search  # noqa: E402
import wire  # noqa: E402
from liveserver import free_port, manage  # noqa: E402

SLUG = "bench"
SETUP = """
import json, liveblog
liveblog.app._prepare()
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from liveblog import ApiToken, Session, Update, save_update
now = timezone.now()
session = Session.objects.create(slug="bench", title="High Performance Django at Ten",
    speakers="Peter Baumgartner", room="Main hall", starts_at=now - timedelta(minutes=30),
    ends_at=now + timedelta(hours=6), time_zone="America/Chicago")
user = User.objects.create_superuser("bench", password="bench")
body = "Query counts are the usual bottleneck: **measure** before you cache. See [the docs](https://docs.djangoproject.com/)."
ids = [save_update(Update(session=session, author=user), body=f"{n}. {body}").pk for n in range(500)]
session.refresh_from_db()
print(json.dumps({"cursor": session.version, "token": ApiToken.issue(user, "bench")[1]}))
"""

NGINX_CONF = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  proxy_cache_path {tmp}/cache keys_zone=live:10m max_size=100m inactive=10m;
  upstream app {{ server 127.0.0.1:{app_port}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    location = /same-size-file.json {{ root {tmp}/files; }}  # the floor: nginx serving a file
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_cache live;                  # honours s-maxage and stale-while-revalidate
      proxy_cache_lock on;               # concurrent misses for one URL: one request to the app
      proxy_cache_use_stale updating;
      proxy_cache_background_update on;
      proxy_cache_revalidate on;
      add_header X-Cache $upstream_cache_status;
    }}
  }}
}}
"""


def need(tool, package):
    if shutil.which(tool):
        return
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, capture_output=True)
    if not shutil.which(tool):
        sys.exit(f"{tool} is needed: apt-get install {package}")


SERVERS = {
    "gunicorn sync": ["{python}", "-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "benchapp:app"],
    "gunicorn gthread": [
        "{python}",
        "-m",
        "gunicorn",
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "4",
        "-b",
        "127.0.0.1:{port}",
        "benchapp:app",
    ],
    "granian": [
        "{python}",
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        "2",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "benchapp:app",
    ],
}
PRODUCTION = "granian"  # the README's production command; the crowd runs on it


def start_server(kind, env, port, access_log=None):
    command = [part.format(python=sys.executable, port=port) for part in SERVERS[kind]]
    if access_log:  # gunicorn's access log counts what reaches the app
        command = [part.format(python=sys.executable, port=port) for part in SERVERS["gunicorn sync"]]
        command += ["--access-logfile", str(access_log)]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT / "bench", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for(f"http://127.0.0.1:{port}/bench/trivial/")
    return process


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def wait_for(url):
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()  # names in any case (granian: lower)


# --- wrk ---------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, headers, seconds, connections=32):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": int(errors.group(1)) if errors else 0,
    }


def run_scenarios(base, cursor, etag, seconds, rounds, server):
    htmx = {"HX-Request": "true"}
    scenarios = {
        "trivial view": ("/bench/trivial/", {}),
        "naive poll, no change": (f"/bench/naive/{SLUG}/?since={10**9}", {}),
        "naive poll, 10 new": (f"/bench/naive/{SLUG}/?since=490", {}),
        "poll, no change (JSON)": (f"/api/sessions/{SLUG}/updates?since={cursor}", {}),
        "poll, no change (htmx)": (f"/sessions/{SLUG}/changes/{cursor}/", htmx),
        "304 revalidation (htmx)": (f"/sessions/{SLUG}/changes/{cursor}/", {**htmx, "If-None-Match": etag}),
        "poll, 10 new (JSON)": (f"/api/sessions/{SLUG}/updates?since={cursor - 10}", {}),
        "poll, 10 new (htmx)": (f"/sessions/{SLUG}/changes/{cursor - 10}/", htmx),
        "session page, 500 updates": (f"/sessions/{SLUG}/", {}),
    }
    results = {name: [] for name in scenarios}
    for round_number in range(rounds):  # interleaved, so drift on a shared machine hits all alike
        for name, (path, headers) in scenarios.items():
            results[name].append(wrk(base + path, headers, seconds))
            print(f"  {server}, round {round_number + 1}/{rounds}: {name}", file=sys.stderr)
    return {
        name: {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99")}
        | {"errors": sum(r["errors"] for r in runs)}
        for name, runs in results.items()
    }


# --- sizes -------------------------------------------------------------------------------


def first_load_bytes(base):
    gz = {"Accept-Encoding": "gzip"}
    _, headers, page = fetch(base + f"/sessions/{SLUG}/", gz)
    total = {"page HTML": len(page)}
    html = gzip.decompress(page).decode() if headers.get("Content-Encoding") == "gzip" else page.decode()
    for asset in re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html):
        total[asset.rsplit("/", 1)[1]] = len(fetch(base + asset, gz)[2])
    return total


# --- the crowd through nginx ---------------------------------------------------------------


async def http_get(reader, writer, path, headers):
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    fields = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
    length = int(fields.get("Content-Length", fields.get("content-length", 0)))
    body = await reader.readexactly(length) if length else b""
    return status, fields, body


async def crowd(proxy_port, app_port, token, cursor, readers, interval, seconds, post_every):
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + seconds
    posted, seen, errors = {}, {}, []

    async def reader_loop(number):
        await asyncio.sleep(random.uniform(0, interval))
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        since, etag = cursor, None
        while loop.time() < end:
            began = loop.time()
            headers = {"HX-Request": "true"}
            if etag:
                headers["If-None-Match"] = etag  # as a browser revalidates a max-age=0 answer
            try:
                status, fields, body = await http_get(reader, writer, f"/sessions/{SLUG}/changes/{since}/", headers)
            except (OSError, asyncio.IncompleteReadError) as error:
                errors.append(repr(error))
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
                continue
            if status == 200:
                now = loop.time()
                for update_id in re.findall(rb'id="update-(\d+)"', body):
                    seen.setdefault((number, int(update_id)), now)
                next_since = int(re.search(rb'data-cursor="(\d+)"', body).group(1))
                etag = fields.get("ETag") if next_since == since else None
                since = next_since
            elif status != 304:
                errors.append(status)
            await asyncio.sleep(max(0, interval - (loop.time() - began)))
        writer.close()

    async def author():
        n = 0
        while loop.time() < end - 2 * interval - 5:  # leave every reader time to see the last one
            await asyncio.sleep(post_every)
            n += 1
            reader, writer = await asyncio.open_connection("127.0.0.1", app_port)  # gunicorn closes each
            body = json.dumps({"body": f"Crowd update {n}"}).encode()
            writer.write(
                (
                    f"POST /api/sessions/{SLUG}/updates HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                + body
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
            created = json.loads(await reader.readexactly(length))
            posted[created["id"]] = loop.time()
            writer.close()

    await asyncio.gather(author(), *(reader_loop(n) for n in range(readers)))
    delays = [seen[(r, u)] - t for u, t in posted.items() for r in range(readers) if (r, u) in seen]
    missed = readers * len(posted) - len(delays)
    return {"posted": len(posted), "delays": delays, "missed": missed, "errors": errors}


def count_app_gets(access_log):
    return sum(1 for line in access_log.read_text().splitlines() if '"GET ' in line)


# --- report ----------------------------------------------------------------------------------


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--crowd-seconds", type=int, default=60)
    parser.add_argument("--skip-wrk", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-crowd", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--search-only", action="store_true", help="only the search benchmark (bench/search.py)")
    parser.add_argument("--skip-search", action="store_true", help="leave the search benchmark out")
    parser.add_argument("--search-requests", type=int, default=50, help="requests per search query")
    parser.add_argument("--schedule-only", action="store_true", help="only the schedule import (bench/schedule.py)")
    parser.add_argument(
        "--agreement-only", action="store_true", help="only how soon 4 processes see a write (bench/agreement.py)"
    )
    parser.add_argument("--pages-only", action="store_true", help="only long sessions and memory (bench/pages.py)")
    parser.add_argument("--wire-only", action="store_true", help="only the poll against nginx (bench/wire.py)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server to run the search benchmark on too ('' for none)",
    )
    args = parser.parse_args()
    if args.schedule_only:
        with tempfile.TemporaryDirectory() as tmp:
            schedule.run(tmp, args.postgres)
        return
    if args.agreement_only:
        with tempfile.TemporaryDirectory() as tmp:
            agreement.run(tmp), agreement.run(tmp, watch=False)
        return
    if args.pages_only:
        with tempfile.TemporaryDirectory() as tmp:
            pages.run(tmp)
        return
    if args.wire_only:
        need("wrk", "wrk")
        need("nginx", "nginx")
        with tempfile.TemporaryDirectory() as tmp:
            wire.run(tmp, args.seconds, args.rounds)
        return
    if args.search_only:
        with tempfile.TemporaryDirectory() as tmp:
            search.run(tmp, args.postgres, args.search_requests)
        return
    need("wrk", "wrk")
    need("nginx", "nginx")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "DJANGO_DEBUG": "0",
            "LIVEBLOG_POLL_SECONDS": "5",
            "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        }
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        setup = json.loads(
            subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        cursor, token = setup["cursor"], setup["token"]

        app_port = free_port()
        base = f"http://127.0.0.1:{app_port}"
        results = {}
        print(
            f"Benchmark on {machine()}; wrk -t2 -c32, {args.rounds} rounds of {args.seconds}s, medians.",
            file=sys.stderr,
        )
        for kind in SERVERS:
            app = start_server(kind, env, app_port)
            try:
                _, headers, poll_body = fetch(base + f"/sessions/{SLUG}/changes/{cursor}/", {"HX-Request": "true"})
                json_body = fetch(base + f"/api/sessions/{SLUG}/updates?since={cursor}")[2]
                sizes = first_load_bytes(base)
                if not args.skip_wrk:
                    results[kind] = run_scenarios(base, cursor, headers["ETag"], args.seconds, args.rounds, kind)
            finally:
                stop(app)

        (tmp / "files").mkdir()
        (tmp / "files" / "same-size-file.json").write_bytes(json_body)
        proxy_port = free_port()
        (tmp / "nginx.conf").write_text(
            NGINX_CONF.format(
                tmp=tmp, app_port=app_port, port=proxy_port, user="user root;" if os.geteuid() == 0 else ""
            )
        )
        proxy = subprocess.Popen(
            ["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "nginx-stderr.log", "w"),  # noqa: SIM115 (open while nginx runs)
        )
        access_log = tmp / "access.log"
        app = start_server(PRODUCTION, env, app_port, access_log if not args.skip_crowd else None)
        try:
            try:
                wait_for(f"http://127.0.0.1:{proxy_port}/same-size-file.json")
            except RuntimeError:
                sys.exit(
                    "nginx did not start:\n"
                    + (tmp / "nginx-stderr.log").read_text()
                    + (tmp / "nginx-error.log").read_text()
                )
            nginx_file = statistics.median(
                wrk(f"http://127.0.0.1:{proxy_port}/same-size-file.json", {}, args.seconds)["rps"]
                for _ in range(args.rounds)
            )
            crowd_result, app_gets = None, 0
            if not args.skip_crowd:
                before = count_app_gets(access_log)
                cursor = json.loads(fetch(base + f"/api/sessions/{SLUG}/updates?since={cursor}")[2])["cursor"]
                crowd_result = asyncio.run(
                    crowd(proxy_port, app_port, token, cursor, args.readers, 5, args.crowd_seconds, 3)
                )
                app_gets = count_app_gets(access_log) - before
        finally:
            proxy.terminate()
            proxy.wait()
            stop(app)

    report(results, nginx_file, sizes, len(poll_body), len(json_body), crowd_result, app_gets, args)
    if not args.skip_search:
        with tempfile.TemporaryDirectory() as tmp:
            search.run(tmp, args.postgres, args.search_requests)
    with tempfile.TemporaryDirectory() as tmp:
        schedule.run(tmp, args.postgres)
    with tempfile.TemporaryDirectory() as tmp:
        agreement.run(tmp), agreement.run(tmp, watch=False)
    with tempfile.TemporaryDirectory() as tmp:
        pages.run(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        wire.run(tmp, args.seconds, args.rounds)


def report(results, nginx_file, sizes, poll_bytes, json_bytes, crowd_result, app_gets, args):
    print(f"\nMachine: {machine()}")
    print(f"SQLite, wrk -t2 -c32; median of {args.rounds} interleaved runs of {args.seconds}s; req/s and p99 ms\n")
    kinds = list(results)
    print(f"| {'scenario':<28} | " + " | ".join(f"{kind:>24}" for kind in kinds) + " |")
    print(f"| {'-' * 28} | " + " | ".join(f"{'-' * 23}:" for _ in kinds) + " |")
    for name in next(iter(results.values()), {}):
        cells = [
            f"{results[kind][name]['rps']:>8.0f} /s {results[kind][name]['p99']:>7.2f} ms"
            + (f" {results[kind][name]['errors']}!" if results[kind][name]["errors"] else "")
            for kind in kinds
        ]
        print(f"| {name:<28} | " + " | ".join(f"{cell:>24}" for cell in cells) + " |")
    print(f"| {'nginx, a same-size file':<28} | {nginx_file:>8.0f} /s")

    def ratio(a, b, kind="gunicorn sync"):
        return results[kind][a]["rps"] / results[kind][b]["rps"] if results else 0

    best_poll = max((results[kind]["poll, no change (htmx)"]["rps"] for kind in kinds), default=0)
    checks = [
        ("no-change poll (JSON) / trivial view, gunicorn", ratio("poll, no change (JSON)", "trivial view"), 1.3),
        ("no-change poll (htmx) / trivial view, gunicorn", ratio("poll, no change (htmx)", "trivial view"), 1.3),
        ("304 revalidation / trivial view, gunicorn", ratio("304 revalidation (htmx)", "trivial view"), 1.3),
        ("10-new poll (JSON) / naive 10-new, gunicorn", ratio("poll, 10 new (JSON)", "naive poll, 10 new"), 1.5),
        ("10-new poll (htmx) / naive 10-new, gunicorn", ratio("poll, 10 new (htmx)", "naive poll, 10 new"), 1.5),
        (
            "no-change poll (JSON), granian / nginx file",
            results[PRODUCTION]["poll, no change (JSON)"]["rps"] / nginx_file if results else 0,
            0.25,
        ),
        (
            "no-change poll (htmx), granian / nginx file",
            results[PRODUCTION]["poll, no change (htmx)"]["rps"] / nginx_file if results else 0,
            0.25,
        ),
    ]
    for kind in kinds[1:]:
        checks.append(
            (f"no-change poll (htmx) / trivial view, {kind}", ratio("poll, no change (htmx)", "trivial view", kind), 0)
        )
    print(f"\n| {'ratio (same run)':<48} | {'value':>6} | {'target':>7} |")
    print(f"| {'-' * 48} | {'-' * 6}: | {'-' * 7}: |")
    for name, value, target in checks if results else []:
        print(
            f"| {name:<48} | {value:>6.2f} | {('≥ ' + str(target)) if target else '':>7} |"
            f"{'' if value >= target else '  MISSED'}"
        )
    print(
        f"\nReaders one box holds, each polling every 5 s, with the app alone: {best_poll * 5:,.0f} "
        f"(the best no-change poll rate, {best_poll:,.0f} req/s, times 5 s)"
    )

    total = sum(sizes.values())
    print(
        f"\nSession page first load, gzip over the wire: {total / 1024:.1f} KB "
        f"({', '.join(f'{k} {v / 1024:.1f} KB' for k, v in sizes.items())}); target ≤ 60 KB"
    )
    print(f"No-change poll body: {poll_bytes} bytes (htmx), {json_bytes} bytes (JSON); target ≤ 300 (htmx)")

    if crowd_result is None:
        return
    delays = crowd_result["delays"]
    rate = crowd_result["posted"] and args.readers / 5
    print(
        f"\nCrowd behind nginx: {args.readers} readers polling every 5 s (~{rate:.0f} req/s) for "
        f"{args.crowd_seconds} s while an author posted {crowd_result['posted']} updates every 3 s"
    )
    print(
        f"  requests reaching the app: {app_gets / args.crowd_seconds:.1f}/s "
        f"({app_gets} in all, author's posts not counted)"
    )
    if delays:
        print(
            f"  time from post to a reader seeing it: median {statistics.median(delays):.2f} s, "
            f"worst {max(delays):.2f} s over {len(delays)} (reader, update) pairs; "
            f"missed {crowd_result['missed']}, client errors {len(crowd_result['errors'])}"
        )


if __name__ == "__main__":
    main()
