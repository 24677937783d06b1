"""Every kind of page and fragment, checked by the W3C Nu HTML checker: no error, no warning."""

import json
import subprocess

import pytest
from conftest import HTMX, make_session, member_of, post
from django.utils import translation

# Fragments are checked inside the smallest valid document.
DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fragment</title></head><body>{}</body></html>'
)


@pytest.fixture(params=["en", "de", "ar"])
def pages(request, client, db, poster, monkeypatch):
    """{kind: HTML} for every page kind the app draws, with content in each, in English, German
    and Arabic (right to left)."""
    with translation.override(request.param):
        return draw_pages(client, poster, monkeypatch)


def draw_pages(client, poster, monkeypatch):
    live = make_session(
        "live-talk", "live", title="High Performance Django at Ten", description="Old tricks\nnew picks"
    )
    first = post(live, "Query counts are the usual **bottleneck** & <script>alert(1)</script>", pinned=True)
    post(live, "![a slide](https://example.com/slide.png) and a [link](https://example.com)")
    post(live, "```python\ndef draw(n: int) -> str:  # highlighted\n    return f'{n} updates'\n```")
    monkeypatch.setattr("liveblog.EMBED_INSTANCES", ["tube.example.org", "social.example.org"])
    post(live, "The demo:\nhttps://youtu.be/dQw4w9WgXcQ\n\n[The talk](https://vimeo.com/76979871)")  # cards
    post(live, "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv\n\nhttps://social.example.org/@ada/1135077")
    live.links.create(kind="recording", title="Recording", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    make_session("next-talk", "upcoming", title="Keynote: Django Reimagined")
    ended = make_session("old-talk", "ended", title="Django's GeneratedField by example")
    post(ended, "Stored or virtual?")
    pages = {
        "schedule": client.get("/"),
        "live": client.get("/sessions/live-talk/"),
        "ended": client.get("/sessions/old-talk/?order=oldest"),
        "upcoming": client.get("/sessions/next-talk/"),
        "login": client.get("/login/"),
        "update page": client.get(f"/sessions/live-talk/updates/{first.pk}/"),
        "embed": client.get("/sessions/live-talk/embed/"),
        "poll fragment": client.get(f"/sessions/live-talk/changes/{first.version - 1}/", **HTMX),
        "board fragment": client.get("/board/", **HTMX),
        "search": client.get("/search/?q=django"),
        "search, nothing found": client.get("/search/?q=zeppelin"),
    }
    monkeypatch.setattr("liveblog.PAGE_SIZE", 1)
    pages["a page of a long session"] = client.get("/sessions/live-talk/")
    pages["the next page, alone"] = client.get(f"/sessions/live-talk/?before={first.pk + 1}")
    monkeypatch.setattr("liveblog.PAGE_SIZE", 50)
    monkeypatch.setattr("liveblog.CONFERENCE_LOGO", "/static/liveblog/favicon.svg")
    monkeypatch.setattr("liveblog.ACCENT", "#8a1c7c")
    pages["schedule with logo and accent"] = client.get("/")
    client.force_login(poster)
    pages["author's view"] = client.get("/sessions/live-talk/")
    pages["my sessions"] = client.get("/my/")
    pages["edit form fragment"] = client.get(f"/updates/{first.pk}/edit/", **HTMX)
    pages["author result fragment"] = client.post(f"/updates/{first.pk}/delete/", **HTMX)
    pages["deleted update page"] = client.get(f"/sessions/live-talk/updates/{first.pk}/")
    contributor = member_of("Contributors", "cora", "Cora")
    live.authors.add(contributor)
    client.force_login(contributor)
    pages["contributor's view"] = client.get("/sessions/live-talk/")
    assert {kind: r.status_code for kind, r in pages.items() if r.status_code != 200} == {"deleted update page": 410}
    html = {kind: response.content.decode() for kind, response in pages.items()}
    assert (
        'id="author-desk"' in html["author's view"]
        and "#author-desk" in html["my sessions"]
        and "<template>" in html["poll fragment"]
    )
    assert (
        'id="more-updates"' in html["a page of a long session"]
        and 'class="more-updates"' in html["a page of a long session"]
    )
    assert html["live"].count('class="embed-card embed-') == 6  # four updates' cards, the recording's, the image's
    assert "<mark>" in html["search"] and '<ol class="results">' not in html["search, nothing found"]
    html["board fragment"] = "<h1>Schedule</h1>" + html["board fragment"]  # where the page puts it
    return {kind: text if text.startswith("<!doctype") else DOCUMENT.format(text) for kind, text in html.items()}


def test_every_page_kind_validates_with_no_error_or_warning(pages, vnu_jar, tmp_path):
    files = {}
    for kind, html in pages.items():
        files[kind] = tmp_path / f"{kind.replace(' ', '-').replace(chr(39), '')}.html"
        files[kind].write_text(html)
    out = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--format", "json", "--also-check-css", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(out.stderr)["messages"]
    by_kind = {
        kind: [
            f"{m.get('subType', m['type'])}: {m['message']} (line {m.get('lastLine')})"
            for m in messages
            if m["url"].endswith(path.name)
        ]
        for kind, path in files.items()
    }
    print({kind: len(found) for kind, found in by_kind.items()})
    assert by_kind == {kind: [] for kind in files}
