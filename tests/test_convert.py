"""`nanodjango convert liveblog.py` writes a Django project that runs the live blog."""

import ast
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import pytest
from liveserver import (
    ROOT,
    drop_server_database,
    free_port,
    http,
    server_database,
    start_process,
    stop_process,
    wait_for,
)

pytestmark = pytest.mark.server

PROJECT = "liveblog_site"
LIVE = "high-performance-django-at-ten"  # the demo's live session

MAKE_AUTHOR = """
from django.contrib.auth.models import Permission, User
user = User.objects.create_user("ada", password="a-long-test-password")
user.user_permissions.add(Permission.objects.get(codename="post_updates"))
"""


class Converted(NamedTuple):
    path: Path
    env: dict


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The converted project on a database of its own, migrated, with the demo loaded."""
    tmp = tmp_path_factory.mktemp("converted")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # django-admin
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "nanodjango", "convert", "liveblog.py", str(tmp / "site"), "--name", PROJECT],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    env.update(
        DATABASE_URL=server_database(tmp),
        DJANGO_SECRET_KEY="tests-only-" + "x" * 50,
        DJANGO_DEBUG="0",
        LIVEBLOG_MEDIA_ROOT=str(tmp / "media"),
    )
    yield Converted(tmp / "site", env)
    drop_server_database(env["DATABASE_URL"])


def manage(project, *args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project.path,
        env={**project.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def server(project):
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["shell", "-c", MAKE_AUTHOR]):
        assert manage(project, *command).returncode == 0
    assert "13 new sessions" in manage(project, "load_demo").stdout
    url = f"http://127.0.0.1:{free_port()}"
    process = start_process(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", url.removeprefix("http://"), f"{PROJECT}.wsgi"],
        cwd=project.path,
        env=project.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(url + "/", process=process)
        yield url
    finally:
        stop_process(process)


def test_convert_gives_every_part_of_the_app_a_module(project):
    app = project.path / PROJECT / "liveblog"
    for part in [
        "models.py",
        "views.py",
        "api.py",
        "admin.py",
        "urls.py",
        "middleware.py",
        "demo.py",
        "management/commands/load_demo.py",
        "migrations/0001_initial.py",
        "templates/liveblog/session.html",
        "static/liveblog/live.js",
        "seed/schedule.json",
        "seed/demo-posts.json",
        "management/commands/import_schedule.py",
    ]:
        assert (app / part).is_file(), part
    assert not (app / "unused.py").exists()  # nothing left for a person to merge by hand
    assert (project.path / "locale" / "de" / "LC_MESSAGES" / "django.mo").is_file()  # LOCALE_PATHS
    for module in app.rglob("*.py"):
        source = module.read_text()
        assert "nanodjango" not in source and "import liveblog\n" not in source, module


def test_converted_project_passes_checks_and_its_migrations_match_its_models(project):
    check = manage(project, "check", "--deploy", "--fail-level", "ERROR")
    assert check.returncode == 0, check.stderr
    pending = manage(project, "makemigrations", "--check", "--dry-run")
    assert pending.returncode == 0 and "No changes detected" in pending.stdout, pending.stdout + pending.stderr


def test_converted_project_refuses_the_development_key_in_production(project):
    refused = manage(project, "check", env={"DJANGO_SECRET_KEY": ""})
    assert refused.returncode != 0
    assert "refuses to serve in production with the development secret key" in refused.stderr
    assert manage(project, "check", env={"DJANGO_SECRET_KEY": "", "DJANGO_DEBUG": "1"}).returncode == 0


def test_converted_project_loads_the_demo_once(server, project):
    assert "0 new sessions" in manage(project, "load_demo").stdout  # the server fixture loaded it
    assert len(json.loads(http("GET", server + "/api/sessions")[2])) == 13


def test_converted_project_imports_a_schedule_with_its_command(server, project, tmp_path):
    from schedules import pretalx_event, schedule

    document = tmp_path / "schedule.json"
    document.write_text(json.dumps(schedule(pretalx_event("c", "Converted", "2031-05-04T09:00:00+02:00"))))
    imported = manage(project, "import_schedule", str(document))
    assert imported.returncode == 0 and imported.stdout.strip() == "1 created, 0 updated, 0 unchanged, 0 cancelled"


def test_converted_project_serves_pages_api_feeds_and_notes(server):
    status, _, schedule = http("GET", server + "/")
    assert status == 200 and b"High Performance Django at Ten" in schedule
    status, headers, page = http("GET", f"{server}/sessions/{LIVE}/")
    assert status == 200 and b'hx-get="/sessions/' in page and "script-src 'self'" in headers["Content-Security-Policy"]
    for asset in ["/static/django_htmx/htmx-2.min.js", "/static/liveblog/live.js"]:
        assert f'src="{asset}'.encode() in page and http("GET", server + asset)[0] == 200
    for path, marker in [
        ("/feed.xml", b"<feed"),
        (f"/sessions/{LIVE}/feed.xml", b"<feed"),
        (f"/sessions/{LIVE}.md", b"# High Performance Django at Ten"),
        ("/conference.md", b"## "),
    ]:
        status, _, body = http("GET", server + path)
        assert status == 200 and marker in body, path
    assert b'type="application/ld+json"' in page and b'property="og:title"' in page  # the app's template tags
    update = json.loads(http("GET", f"{server}/api/sessions/{LIVE}/updates")[2])["updates"][0]
    for path, marker in [
        (update["url"].removeprefix(server), b'property="og:description"'),
        (f"/sessions/{LIVE}/embed/", b'id="live-poller"'),
        ("/search/?q=django", b"<mark>Django</mark>"),
    ]:
        status, _, body = http("GET", server + path)
        assert status == 200 and marker in body, path
    assert http("GET", server + "/admin/login/")[0] == 200
    assert http("GET", server + "/api/docs")[0] == 200


def test_an_update_posted_through_the_converted_api_reaches_readers(server):
    cursor = json.loads(http("GET", f"{server}/api/sessions/{LIVE}/updates")[2])["cursor"]
    basic = base64.b64encode(b"ada:a-long-test-password").decode()
    status, _, body = http("POST", server + "/api/tokens", {}, headers={"Authorization": f"Basic {basic}"})
    assert status == 201
    token = json.loads(body)["token"]

    assert http("POST", f"{server}/api/sessions/{LIVE}/updates", {"body": "Anonymous"})[0] == 401
    status, _, body = http(
        "POST",
        f"{server}/api/sessions/{LIVE}/updates",
        {"body": "From the **converted** project <script>x</script>"},
        token=token,
    )
    assert status == 201 and json.loads(body)["html"] == "<p>From the <strong>converted</strong> project </p>"

    status, _, body = http("GET", f"{server}/api/sessions/{LIVE}/updates?since={cursor}")
    assert status == 200 and [u["body"][:9] for u in json.loads(body)["updates"]] == ["From the "]
    status, _, fragment = http("GET", f"{server}/sessions/{LIVE}/changes/{cursor}/", headers={"HX-Request": "true"})
    assert status == 200 and b"<strong>converted</strong>" in fragment
    assert http("GET", f"{server}/api/sessions/{LIVE}/updates?since=soon")[0] == 422
    assert http("GET", f"{server}/api/sessions/no-such-session/updates")[0] == 404


def test_converted_project_bakes_the_ended_sessions(server, project, tmp_path):
    baked = manage(
        project,
        "distill",
        "generate",
        "--output-directory",
        str(tmp_path / "out"),
        "--force",
        "--quiet",
        env={"LIVEBLOG_BAKE": "ended", "LIVEBLOG_SITE_URL": "https://archive.example.org"},
    )
    assert baked.returncode == 0, baked.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    assert len(list((tmp_path / "out" / "sessions").glob("*.md"))) == 10


def test_convert_keeps_posts_still_in_the_write_ahead_log(tmp_path):
    """A server still running holds its last writes in db.sqlite3-wal: the copy must have them."""
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(ROOT / "liveblog.py", app)
    for folder in ["templates", "static", "migrations", "seed", "locale"]:
        shutil.copytree(ROOT / folder, app / folder)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{app / 'db.sqlite3'}", "LIVEBLOG_MEDIA_ROOT": str(tmp_path / "m")}
    subprocess.run(
        [sys.executable, "-m", "nanodjango", "manage", "liveblog.py", "migrate", "--noinput"],
        cwd=app,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    with closing(sqlite3.connect(app / "db.sqlite3")) as server:  # held open, as a running server would
        server.execute("PRAGMA journal_mode=WAL")
        server.execute("PRAGMA wal_autocheckpoint=0")
        server.execute(
            "INSERT INTO liveblog_session (title, slug, speakers, room, track, language, description, starts_at,"
            " ends_at, time_zone, status_override, version, conference) VALUES ('Posted just now', 'recent', '', '',"
            " '', '', '', '2025-09-08 14:00:00', '2025-09-08 15:00:00', 'UTC', '', 0, '')"
        )
        server.commit()
        assert (app / "db.sqlite3-wal").stat().st_size > 0
        env.pop("DATABASE_URL")
        subprocess.run(
            [sys.executable, "-m", "nanodjango", "convert", "liveblog.py", str(tmp_path / "site"), "--name", PROJECT],
            cwd=app,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    with closing(sqlite3.connect(tmp_path / "site" / "db.sqlite3")) as copy:
        assert copy.execute("SELECT title FROM liveblog_session WHERE slug = 'recent'").fetchall() == [
            ("Posted just now",)
        ]


def test_the_plugin_is_loaded_and_pinned_to_the_nanodjango_it_patches():
    """The plugin patches nanodjango's private converter: a new nanodjango needs it read again."""
    import importlib.metadata
    import tomllib

    import liveblog
    import liveblog_nanodjango

    assert importlib.metadata.version("nanodjango") == liveblog_nanodjango.NANODJANGO_VERSION
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"nanodjango=={liveblog_nanodjango.NANODJANGO_VERSION}" in pinned
    assert liveblog_nanodjango in liveblog.app.pm.get_plugins()  # through the entry point, as typed
    from nanodjango.convert.reference import ReferenceVisitor

    class Patched(ReferenceVisitor):  # as convert_init patches it, without touching this process's class
        visit_comprehension = liveblog_nanodjango.visit_comprehension
        visit_For = liveblog_nanodjango.visit_for
        visit_Lambda = liveblog_nanodjango.visit_lambda
        visit_ClassDef = liveblog_nanodjango.visit_class

    source = """
class Auth(Base):
    def authenticate(self, request):
        return authenticate(request, [x for x in items], lambda y: y + offset)
    def other(self):
        for n in range(3):
            total(n)
"""
    visitor = Patched()
    visitor.visit(ast.parse(source))
    assert visitor.globals_ref == {"Base", "authenticate", "items", "offset", "total"}
