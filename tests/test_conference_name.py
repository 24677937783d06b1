"""The conference's name, logo and accent colour (LIVEBLOG_CONFERENCE_NAME, _LOGO, LIVEBLOG_ACCENT)
instead of "liveblog" in the header, the page titles, the feeds and the notes."""

import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from conftest import make_session, post

import liveblog
from liveblog import contrast_on_white

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def named(monkeypatch):
    monkeypatch.setattr(liveblog, "CONFERENCE_NAME", "DjangoCon US 2025")


def test_the_name_replaces_liveblog_everywhere(client, db, named):
    session = make_session("keynote")
    post(session, "Opening words.")
    page = client.get("/").content.decode()
    assert "<title>Schedule · DjangoCon US 2025</title>" in page
    assert '<a class="brand" href="/">DjangoCon US 2025</a>' in page
    assert (
        "<title>Keynote: HTMX and Lateral Thinking · DjangoCon US 2025</title>"
        in client.get("/sessions/keynote/").content.decode()
    )
    feed = feedparser.parse(client.get("/feed.xml").content)
    assert feed.feed.title == "DjangoCon US 2025: every session" and feed.feed.author == "DjangoCon US 2025"
    assert client.get("/conference.md").content.decode().startswith("# DjangoCon US 2025 notes\n")
    assert b"X-WR-CALNAME:DjangoCon US 2025" in client.get("/schedule.ics").content


def test_logo_and_accent_colour_reach_the_header(client, db, monkeypatch):
    monkeypatch.setattr(liveblog, "CONFERENCE_LOGO", "/media/logo.svg")
    monkeypatch.setattr(liveblog, "ACCENT", "#8a1c7c")
    page = client.get("/").content.decode()
    assert '<a class="brand" href="/"><img src="/media/logo.svg" alt="" height="32">liveblog</a>' in page
    assert "--accent: #8a1c7c;" in page and "border-top: 4px solid #8a1c7c;" in page


def test_contrast_is_measured_as_wcag_does():
    assert round(contrast_on_white("#000000"), 1) == 21.0
    assert round(contrast_on_white("#ffffff"), 1) == 1.0
    assert round(contrast_on_white("#767676"), 2) == 4.54  # the lightest grey that passes AA


@pytest.mark.parametrize("accent", ["#ffff00", "red", "#8a1c7c;}body{display:none"])
def test_an_accent_that_cannot_be_read_or_is_not_a_colour_stops_the_app(accent):
    result = subprocess.run(
        [sys.executable, "-c", "import liveblog"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "LIVEBLOG_ACCENT": accent},
        timeout=60,
    )
    assert result.returncode != 0 and "LIVEBLOG_ACCENT takes a colour" in result.stderr
