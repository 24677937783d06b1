"""The no-change poll against the wire: granian serving liveblog, a bare WSGI callable and nginx.

`python bench/run.py --wire-only` runs it alone; `python bench/run.py` runs it too. On one
machine, in interleaved rounds (medians reported): wrk against granian (2 workers) answering
the htmx no-change poll and its 304, the same granian serving a bare WSGI callable that
returns a body of the poll's size (the ceiling for Python here), and nginx serving a file of
that size. Ratios are to nginx, all from this one run.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from liveserver import free_port, manage, start_process, stop_process, wait_for  # noqa: E402

DROPPED = {"date", "server", "connection", "transfer-encoding"}  # what granian adds itself

SETUP = """
import liveblog
liveblog.app._prepare()
from datetime import timedelta
from django.utils import timezone
from liveblog import Session, Update, save_update
now = timezone.now()
session = Session.objects.create(slug="wire", title="On the wire", starts_at=now - timedelta(minutes=5),
                                 ends_at=now + timedelta(hours=6))
for n in range(50):
    save_update(Update(session=session), body=f"{n}. Query counts are the usual bottleneck: **measure** first.")
session.refresh_from_db()
print(session.version)
"""

BARE = """
import json, os
BODY = open(os.environ["BARE_BODY"], "rb").read()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]
POLLS = [tuple(pair) for pair in json.load(open(os.environ["BARE_HEADERS"]))]  # the poll's own headers

def app(environ, start_response):
    start_response("200 OK", POLLS if environ["PATH_INFO"] == "/headers" else HEADERS)
    return [BODY]
"""

NGINX = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{ listen 127.0.0.1:{port}; location / {{ root {tmp}/files; }} }}
}}
"""


def granian(module, env, port, cwd):
    command = ["-m", "granian", "--interface", "wsgi", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    return start_process(
        [sys.executable, *command, module], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def run(tmp, seconds=8, rounds=3):
    from run import wrk  # noqa: PLC0415 (bench/run.py's wrk runner; run.py imports this module)

    tmp = Path(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'wire.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "LIVEBLOG_POLL_SECONDS": "5",
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    out = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    cursor = int(out.stdout.split()[-1])
    ports = {name: free_port() for name in ("app", "bare", "nginx")}
    poll = f"http://127.0.0.1:{ports['app']}/sessions/wire/changes/{cursor}/"
    processes = [granian("liveblog:app", env, ports["app"], ROOT)]
    try:
        wait_for(f"http://127.0.0.1:{ports['app']}/api/sessions", process=processes[0])
        with urllib.request.urlopen(urllib.request.Request(poll, headers={"HX-Request": "true"})) as answer:
            body, etag, headers = answer.read(), answer.headers["ETag"], list(answer.headers.items())
        (tmp / "files").mkdir()
        (tmp / "files" / "poll.html").write_bytes(body)
        (tmp / "bare.py").write_text(BARE)
        (tmp / "headers.json").write_text(json.dumps([pair for pair in headers if pair[0].lower() not in DROPPED]))
        bare = {**env, "BARE_BODY": str(tmp / "files" / "poll.html"), "BARE_HEADERS": str(tmp / "headers.json")}
        processes.append(granian("bare:app", bare, ports["bare"], tmp))
        user = "user root;" if os.geteuid() == 0 else ""
        (tmp / "nginx.conf").write_text(NGINX.format(user=user, tmp=tmp, port=ports["nginx"]))
        processes.append(
            start_process(
                ["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(f"http://127.0.0.1:{ports['bare']}/", process=processes[1])
        wait_for(f"http://127.0.0.1:{ports['nginx']}/poll.html", process=processes[2])
        htmx = {"HX-Request": "true"}
        scenarios = {
            "nginx, a file of the poll's size": (f"http://127.0.0.1:{ports['nginx']}/poll.html", {}),
            "granian, bare WSGI callable": (f"http://127.0.0.1:{ports['bare']}/", {}),
            "granian, bare WSGI callable, the poll's headers": (f"http://127.0.0.1:{ports['bare']}/headers", {}),
            "granian, no-change poll (htmx)": (poll, htmx),
            "granian, 304 revalidation": (poll, {**htmx, "If-None-Match": etag}),
        }
        found = {name: [] for name in scenarios}
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits all alike
            for name, (url, headers) in scenarios.items():
                found[name].append(wrk(url, headers, seconds)["rps"])
                time.sleep(0.5)
    finally:
        for process in processes:
            stop_process(process)
    rps = {name: statistics.median(runs) for name, runs in found.items()}
    nginx = rps["nginx, a file of the poll's size"]
    print(f"The poll on the wire ({len(body)} bytes), wrk -t2 -c32, {rounds} rounds of {seconds} s, medians, one run:")
    print("| served | requests/s | ratio to nginx |")
    print("|---|--:|--:|")
    for name, value in rps.items():
        print(f"| {name} | {value:,.0f} | {value / nginx:.2f} |")
    return rps


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        run(folder)
