"""Keeping the programme current from its source: `import_schedule SOURCE` (a file or an
address, fetched conditionally from a real local HTTP server) and the admin's import."""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from liveserver import ROOT
from schedules import guid, pretalx_event, schedule

from liveblog import ScheduleImport, Session

TALKS = [
    pretalx_event("one", "Talk one", "2026-05-04T09:00:00+02:00"),
    pretalx_event("two", "Talk two", "2026-05-04T10:00:00+02:00", attachments=[{"title": "Slides", "url": "s.pdf"}]),
]


class Source:
    """A conference tool's export on 127.0.0.1 that answers If-None-Match with 304."""

    def __init__(self):
        self.document, self.status, self.seen = schedule(*TALKS), 200, []
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(source.document).encode()
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                source.seen.append((self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")))
                if source.status != 200:
                    self.send_response(source.status)
                    self.end_headers()
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", "Mon, 04 May 2026 07:00:00 GMT")
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/testland/schedule/export/schedule.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def source():
    served = Source()
    yield served
    served.server.shutdown()
    served.server.server_close()


def run(source_url):
    from io import StringIO

    out = StringIO()
    call_command("import_schedule", source_url, stdout=out)
    return out.getvalue().strip()


def test_an_address_is_fetched_again_only_when_it_changed(db, source):
    assert run(source.url) == "2 created, 0 updated, 0 unchanged, 0 cancelled"
    assert source.seen == [(None, None)]
    assert run(source.url) == "unchanged"  # the server answered 304: nothing was touched
    assert source.seen[1] == (ScheduleImport.objects.get().etag, "Mon, 04 May 2026 07:00:00 GMT")
    assert ScheduleImport.objects.count() == 1
    source.document = schedule(TALKS[0])  # talk two leaves the programme
    assert run(source.url) == "0 created, 0 updated, 1 unchanged, 1 cancelled"
    assert Session.objects.get(guid=guid("two")).status == "cancelled"


def test_relative_addresses_resolve_against_the_address_fetched(db, source):
    run(source.url)
    link = Session.objects.get(guid=guid("two")).links.get(kind="slides")
    assert link.url == source.url.rsplit("/", 1)[0] + "/s.pdf"


@pytest.mark.parametrize("status", [500, 503, 404])
def test_a_failing_source_changes_nothing_and_says_so(db, source, status):
    run(source.url)
    before = list(Session.objects.values_list("id", "title", "version", "status_override"))
    source.status = status
    with pytest.raises(CommandError, match=f"Nothing was imported.*{status}"):
        run(source.url)
    assert list(Session.objects.values_list("id", "title", "version", "status_override")) == before


def test_a_bad_document_or_address_changes_nothing(db, source, tmp_path):
    source.document = {"schedule": {"version": "1", "conference": {"title": "x", "days": "no"}}}
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(source.url)
    for address in ["ftp://127.0.0.1/schedule.json", "file:///etc/passwd", "http://127.0.0.1:9/closed.json"]:
        with pytest.raises(CommandError, match="Nothing was imported"):
            run(address)
    assert not Session.objects.exists() and not ScheduleImport.objects.exists()
    document = tmp_path / "schedule.json"
    document.write_text(json.dumps(schedule(*TALKS)))
    assert run(str(document)) == "2 created, 0 updated, 0 unchanged, 0 cancelled"


@pytest.mark.server
def test_nanodjango_manage_has_the_command_and_exits_non_zero_on_failure(tmp_path):
    import os

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LIVEBLOG_DEMO": "0"}
    manage = [sys.executable, "-m", "nanodjango", "manage", "liveblog.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    document = tmp_path / "schedule.json"
    document.write_text(json.dumps(schedule(*TALKS)))
    done = subprocess.run([*manage, "import_schedule", str(document)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "2 created, 0 updated, 0 unchanged, 0 cancelled"
    failed = subprocess.run([*manage, "import_schedule", str(tmp_path / "none.json")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert failed.returncode != 0 and "Nothing was imported" in failed.stderr


def test_the_admin_imports_an_upload_and_records_it(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("schedule.json", json.dumps(schedule(*TALKS)).encode(), "application/json")
    response = client.post("/admin/liveblog/scheduleimport/add/", {"upload": upload, "address": ""}, follow=True)
    assert "Imported: 2 created, 0 updated, 0 unchanged, 0 cancelled." in response.content.decode()
    record = ScheduleImport.objects.get()
    assert (record.source, record.by, record.created) == ("upload: schedule.json", admin_user, 2)
    listing = client.get("/admin/liveblog/scheduleimport/").content.decode()
    assert "PyCon Testland 2026" in listing and "upload: schedule.json" in listing


def test_the_admin_imports_from_an_address(client, admin_user, source):
    client.force_login(admin_user)
    response = client.post("/admin/liveblog/scheduleimport/add/", {"address": source.url}, follow=True)
    assert "Imported: 2 created" in response.content.decode() and Session.objects.count() == 2
    again = client.post("/admin/liveblog/scheduleimport/add/", {"address": source.url}, follow=True)
    assert "unchanged since last time" in again.content.decode() and ScheduleImport.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"address": ""}, "one of the two"),
        ({"upload": "x", "address": ""}, "one of the two"),
    ],
)
def test_the_admin_form_says_what_is_missing(client, admin_user, data, message):
    client.force_login(admin_user)
    response = client.post("/admin/liveblog/scheduleimport/add/", data)
    assert response.status_code == 200 and message in response.content.decode()


def test_the_admin_refuses_a_file_that_is_not_a_schedule(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("schedule.json", b'{"schedule": {"version": "1"}}', "application/json")
    response = client.post("/admin/liveblog/scheduleimport/add/", {"upload": upload})
    assert (
        response.status_code == 200 and "That is not a schedule.json: schedule.conference" in response.content.decode()
    )
    assert not ScheduleImport.objects.exists()


def test_an_author_may_not_import_in_the_admin(client, poster):
    client.force_login(poster)
    assert client.get("/admin/liveblog/scheduleimport/add/").status_code in (302, 403)
