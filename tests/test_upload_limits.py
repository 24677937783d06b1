"""A body larger than any post can be is refused with 413 from its Content-Length, before
it is read: a 1 GB upload costs the server no memory, and nothing is stored."""

import http.client
import os
from pathlib import Path

import pytest
from conftest import HTMX
from liveserver import LiveServer

from liveblog import MAX_REQUEST_BYTES, Update

GB = 1024**3


def test_an_api_post_over_the_limit_gets_413_in_json(client, session, auth):
    response = client.generic(
        "POST",
        "/api/sessions/keynote/updates",
        b"--b--",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(MAX_REQUEST_BYTES + 1),
        **auth,
    )
    assert response.status_code == 413 and "at most" in response.json()["detail"]
    assert Update.objects.count() == 0


def test_the_author_page_gets_413_as_text_it_can_show(author_client, session):
    response = author_client.generic(
        "POST",
        "/sessions/keynote/updates/",
        b"--b--",
        content_type="multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(GB),
        **HTMX,
    )
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert "1024.0 MB" in response.content.decode() and Update.objects.count() == 0


def test_a_body_at_the_limit_goes_through_to_the_checks(client, session, auth):
    response = client.generic(
        "POST",
        "/api/sessions/keynote/updates",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(MAX_REQUEST_BYTES),
        **auth,
    )
    assert response.status_code != 413


def peak_memory_kb(pid):
    """The high-water mark of resident memory (VmHWM) of a process and its children."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.getpgid(int(entry.name)) == pid:
                status = (entry / "status").read_text()
                total += int(status.split("VmHWM:")[1].split()[0])
        except (OSError, IndexError):
            continue
    return total


@pytest.mark.server
def test_a_1_gb_upload_to_a_real_server_is_refused_while_it_streams(tmp_path):
    live = LiveServer(tmp_path, workers=1).start()
    try:
        live.new_session("talk")
        before = peak_memory_kb(live.process.pid)
        connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=10)
        connection.putrequest("POST", "/api/sessions/talk/updates")
        for name, value in [
            ("Authorization", f"Bearer {live.token}"),
            ("Content-Length", str(GB)),
            ("Content-Type", "multipart/form-data; boundary=b"),
        ]:
            connection.putheader(name, value)
        connection.endheaders()
        chunk, sent = b"\xff" * 1024 * 1024, 0
        try:
            while sent < GB:  # the server answers, and stops reading, long before the end
                connection.sock.sendall(chunk)
                sent += len(chunk)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        assert response.status == 413 and b"at most" in response.read()
        after = peak_memory_kb(live.process.pid)
        print(
            f"\n1 GB upload: sent {sent / 1024 / 1024:.0f} MB before the 413; server peak memory "
            f"{before / 1024:.1f} MB before, {after / 1024:.1f} MB after (VmHWM, all processes)"
        )
        assert after - before < 64 * 1024  # nothing like the upload was held
        assert live.get("/api/sessions/talk/updates")["updates"] == []
    finally:
        live.close()
