"""A real liveblog server process on 127.0.0.1, for tests that need one (browser, concurrency)."""

import atexit
import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP_SCRIPT = """
import liveblog
liveblog.app._prepare()
from django.contrib.auth.models import User, Permission
from liveblog import ApiToken
user = User.objects.create_user("author", password="pw", first_name="Ada", last_name="Author")
user.user_permissions.add(Permission.objects.get(codename="post_updates"))
User.objects.create_superuser("admin", password="pw")
from django.contrib.auth.models import Group
cora = User.objects.create_user("cora", password="pw", first_name="Cora", last_name="Contributor")
cora.groups.add(Group.objects.get(name="Contributors"))
print(ApiToken.issue(user, "tests")[1])
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, data=None, token=None, timeout=30, headers=None):
    """One request: (status, headers, body), error statuses included rather than raised."""
    headers = {
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {token}"} if token else {}),
        **(headers or {}),
    }
    body = json.dumps(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers, method=method), timeout=timeout) as r:
            return r.status, r.headers, r.read()  # header names in any case, as HTTP has them
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def server_database(tmp_path):
    """A new database like the suite's: a SQLite file, or a fresh PostgreSQL database."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp_path / 'live.sqlite3'}"
    import psycopg

    name = f"liveblog_server_{os.getpid()}_{free_port()}"
    with psycopg.connect(suite_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return suite_url.rsplit("/", 1)[0] + "/" + name


def drop_server_database(url):
    """Undo server_database(): a PostgreSQL database is dropped, a SQLite file goes with tmp_path."""
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def wait_for(url, seconds=90, process=None):
    """Until the server answers at url (any status), or RuntimeError. A busy two-core
    machine may take many seconds to start workers: a slow answer is waited for."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before it answered")
        try:
            urllib.request.urlopen(url, timeout=10)
            return
        except urllib.error.HTTPError:
            return
        except OSError:  # refused, reset or timed out: not up yet
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url} within {seconds} s")


RUNNING = set()  # every server process a test started and has not stopped


def start_process(args, **options):
    """A server process in a process group of its own, stopped at exit if a test did not."""
    process = subprocess.Popen(args, start_new_session=True, **options)
    RUNNING.add(process)
    return process


def stop_process(process, seconds=20):
    """Stop a process started with start_process(), and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # workers that outlived their master
        os.killpg(process.pid, signal.SIGKILL)
    RUNNING.discard(process)


atexit.register(lambda: [stop_process(process) for process in list(RUNNING)])


def manage(env, *args):
    subprocess.run(
        [sys.executable, "-m", "nanodjango", "manage", "liveblog.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )


class LiveServer:
    """gunicorn (or granian) serving liveblog on a database of its own; stop() and start() it at will."""

    def __init__(self, tmp_path, poll_seconds=1, workers=2, env=None, server=None, restored=None):
        """restored: the URL of a database restored from another server's, served as it is."""
        self.env = {
            **os.environ,
            "DATABASE_URL": restored or server_database(tmp_path),
            "DJANGO_DEBUG": "0",
            "LIVEBLOG_POLL_SECONDS": str(poll_seconds),
            "DJANGO_SECRET_KEY": "tests-only-" + "x" * 50,
            "LIVEBLOG_MEDIA_ROOT": str(tmp_path / "media"),
            **(env or {}),
        }
        # LIVEBLOG_TEST_SERVER=gunicorn runs every server test on gunicorn instead of granian.
        self.workers, self.server = workers, server or os.environ.get("LIVEBLOG_TEST_SERVER", "granian")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        if restored:
            return
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "collectstatic", "--noinput")
        self.token = (
            subprocess.run(
                [sys.executable, "-c", SETUP_SCRIPT],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
            )
            .stdout.strip()
            .splitlines()[-1]
        )

    def start(self, preexec_fn=None):
        command = {
            "gunicorn": [
                "-m",
                "gunicorn",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "liveblog:app",
            ],
            "granian": [
                "-m",
                "granian",
                "--interface",
                "wsgi",
                "--workers",
                str(self.workers),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "liveblog:app",
            ],
        }[self.server]
        self.process = start_process(
            [sys.executable, *command],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=preexec_fn,
        )
        try:
            wait_for(self.url + "/api/sessions", process=self.process)
        except RuntimeError:
            self.stop()
            raise
        return self

    def sibling(self):
        """Another server process on the same database, on a port of its own."""
        other = copy.copy(self)
        other.port = free_port()
        other.url = f"http://127.0.0.1:{other.port}"
        other.process = None
        return other.start()

    def stop(self):
        if self.process:
            stop_process(self.process)
            self.process = None

    def close(self):
        """Stop, and drop the server's PostgreSQL database if it made one."""
        self.stop()
        drop_server_database(self.env["DATABASE_URL"])

    def get(self, path, headers=None):
        request = urllib.request.Request(self.url + path, headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def api(self, method, path, data=None):
        request = urllib.request.Request(
            self.url + "/api" + path,
            method=method,
            data=None if data is None else json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return json.loads(body) if body else None

    def new_session(self, slug, status="live"):
        return self.api(
            "POST",
            "/sessions",
            {
                "title": f"Session {slug}",
                "slug": slug,
                "speakers": "Carson Gross",
                "room": "Main hall",
                "starts_at": "2025-09-08T09:00:00-05:00",
                "minutes": 60,
                "time_zone": "America/Chicago",
                "status": status,
            },
        )

    def assign(self, username, slug):
        """Make a user one of a session's bloggers, as an editor does in the admin."""
        code = (
            "import liveblog; liveblog.app._prepare(); from django.contrib.auth.models import User; "
            f"liveblog.Session.objects.get(slug={slug!r}).authors.add(User.objects.get(username={username!r}))"
        )
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, check=True, timeout=60)

    def post(self, slug, body, **fields):
        return self.api("POST", f"/sessions/{slug}/updates", {"body": body, **fields})
