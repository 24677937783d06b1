"""What a session shows beyond its own pages: structured data, link previews, a page per
update and the embed's framing rules, read with extruct, a parser nobody here wrote."""

import json

import extruct
from conftest import jpeg_with_gps, make_session, post
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

import liveblog
from liveblog import delete_update, save_update, slide_photo


def extracted(client, path):
    response = client.get(path)
    assert response.status_code == 200
    data = extruct.extract(
        response.content.decode(), base_url=f"http://testserver{path}", syntaxes=["json-ld", "opengraph"], uniform=True
    )
    return data["json-ld"], data["opengraph"][0], response.content.decode()


def card_tags(html):
    """<meta name=…> tags and the canonical link, as a link preview reads them."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    tags = {m.get("name"): m.get("content") for m in tree.iter("meta") if m.get("name")}
    tags["canonical"] = [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"]
    return tags


def photo_update(session, body="The architecture slide"):
    photo = slide_photo(SimpleUploadedFile("s.jpg", jpeg_with_gps(1200, 800)))
    return post(session, body, image=photo, image_alt="A diagram of the cache")


def test_session_page_carries_live_blog_posting_with_each_update_as_a_blog_posting(client, session):
    first = post(session, "Opening: **HTMX** & <b>friends</b>")
    second = photo_update(session)
    save_update(first, body="Opening: **HTMX** & friends, edited")
    deleted = post(session, "A typo")
    delete_update(deleted)
    (posting,), _, _ = extracted(client, "/sessions/keynote/")
    assert posting["@type"] == "LiveBlogPosting" and posting["headline"] == session.title
    assert posting["description"].startswith("Live coverage of Keynote") and "Main hall" in posting["description"]
    assert posting["url"] == "http://testserver/sessions/keynote/"
    assert posting["coverageStartTime"] == session.starts_at.isoformat(timespec="seconds")
    assert posting["coverageEndTime"] == session.ends_at.isoformat(timespec="seconds")
    items = {item["url"]: item for item in posting["liveBlogUpdate"]}
    assert list(items) == [
        f"http://testserver/sessions/keynote/updates/{u.pk}/" for u in (second, first)
    ]  # newest first
    edited = items[f"http://testserver/sessions/keynote/updates/{first.pk}/"]
    assert edited["@type"] == "BlogPosting" and edited["articleBody"] == "Opening: HTMX & friends, edited"
    assert edited["datePublished"] == first.created_at.isoformat(timespec="seconds")
    assert edited["dateModified"] == first.edited_at.isoformat(timespec="seconds")
    photo = items[f"http://testserver/sessions/keynote/updates/{second.pk}/"]
    assert "dateModified" not in photo and photo["image"] == f"http://testserver{second.image.url}"
    assert photo["headline"] == "The architecture slide"


def test_json_ld_keeps_the_newest_updates_and_cannot_be_broken_out_of(client, session, monkeypatch):
    monkeypatch.setattr(liveblog, "LIVE_BLOG_UPDATES", 3)
    for n in range(5):
        post(session, f"Update {n} `</script><script>alert(1)</script>`")  # code: kept as text
    (posting,), _, html = extracted(client, "/sessions/keynote/")
    assert [item["articleBody"] for item in posting["liveBlogUpdate"]] == [
        f"Update {n} </script><script>alert(1)</script>" for n in (4, 3, 2)
    ]
    assert "<script>alert(1)" not in html
    script = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(script)["@type"] == "LiveBlogPosting"


def test_session_card_shows_the_latest_slide_photo_with_canonical_and_description(client, session):
    photo_update(session, "Older photo")
    newer = photo_update(session, "Newer photo")
    post(session, "Text after the photos")
    _, og, html = extracted(client, "/sessions/keynote/?order=oldest")
    assert og["og:title"] == session.title and og["@type"] == "article" and og["og:site_name"] == "liveblog"
    assert og["og:url"] == "http://testserver/sessions/keynote/"  # canonical: no reading order
    assert og["og:image"] == f"http://testserver{newer.image.url}" and og["og:image:alt"] == "A diagram of the cache"
    assert og["og:description"].startswith("Live coverage of Keynote: HTMX and Lateral Thinking")
    tags = card_tags(html)
    assert tags["canonical"] == ["http://testserver/sessions/keynote/"]
    assert tags["description"] == og["og:description"] == tags["twitter:description"]
    assert tags["twitter:card"] == "summary_large_image" and tags["twitter:title"] == session.title
    assert tags["twitter:image"] == og["og:image"]


def test_schedule_and_photoless_session_use_the_default_card_image_which_is_served(client, db):
    make_session("quiet", description="A talk about *quiet* systems.\nSecond line.")
    for path in ["/", "/sessions/quiet/"]:
        _, og, html = extracted(client, path)
        assert og["og:image"] == "http://testserver/static/liveblog/card.png"
        assert (
            card_tags(html)["canonical"] == [f"http://testserver{path}"] and og["og:url"] == f"http://testserver{path}"
        )
    assert og["og:description"] == "A talk about *quiet* systems.\nSecond line."
    with Image.open(finders.find("liveblog/card.png")) as card:  # served by the real server: test_sharing_browser
        assert (card.format, card.size) == ("PNG", (1200, 630))  # og:image:width and height say so


def test_site_url_setting_makes_every_shared_address(client, session, monkeypatch):
    monkeypatch.setattr(liveblog, "SITE_URL", "https://live.example.org")
    update = post(session, "Hello")
    (posting,), og, html = extracted(client, "/sessions/keynote/")
    assert og["og:url"] == posting["url"] == "https://live.example.org/sessions/keynote/"
    assert posting["liveBlogUpdate"][0]["url"] == f"https://live.example.org/sessions/keynote/updates/{update.pk}/"
    assert og["og:image"] == "https://live.example.org/static/liveblog/card.png"


def test_update_page_shows_the_update_in_its_session_with_a_card_of_its_own(client, session):
    update = photo_update(session, "Caching is **hard** & fun")
    response = client.get(f"/sessions/keynote/updates/{update.pk}/")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    _, og, html = extracted(client, f"/sessions/keynote/updates/{update.pk}/")
    assert og["og:description"] == "Caching is hard & fun" and og["og:title"] == session.title
    assert og["og:image"] == f"http://testserver{update.image.url}"
    assert og["og:url"] == f"http://testserver/sessions/keynote/updates/{update.pk}/"
    assert f'id="update-{update.pk}"' in html and "<strong>hard</strong>" in html
    assert f'href="/sessions/keynote/#update-{update.pk}"' in html  # back to the live page, at the update
    assert "<title>Caching is hard &amp; fun · Keynote" in html


def test_deleted_update_page_is_gone_and_unknown_or_mismatched_ones_are_not_found(client, session):
    update = post(session, "Soon gone")
    other = make_session("other")
    delete_update(update)
    gone = client.get(f"/sessions/keynote/updates/{update.pk}/")
    assert gone.status_code == 410 and "deleted" in gone.content.decode() and "Soon gone" not in gone.content.decode()
    assert 'property="og:' not in gone.content.decode()
    assert client.get(f"/sessions/{other.slug}/updates/{post(session, 'x').pk}/").status_code == 404
    assert client.get("/sessions/keynote/updates/999999/").status_code == 404
    assert client.get("/sessions/keynote/updates/99999999999999999999999/").status_code == 404


def test_each_update_has_a_share_control_with_its_own_address(client, session):
    update = post(session, "Worth sharing")
    html = client.get("/sessions/keynote/").content.decode()
    assert f'data-share-url="/sessions/keynote/updates/{update.pk}/"' in html
    assert 'aria-label="Share this update (' in html and "liveblog/share.js" in html


def test_every_page_but_the_embed_refuses_to_be_framed(client, session, monkeypatch):
    update = post(session, "Hello")
    for path in ["/", "/sessions/keynote/", f"/sessions/keynote/updates/{update.pk}/", "/login/"]:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    embed = client.get("/sessions/keynote/embed/")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed
    assert "frame-ancestors 'none'" in embed["Content-Security-Policy"]  # no origin listed: nobody may frame it
    assert "script-src 'self'" in embed["Content-Security-Policy"]


def test_embed_names_the_listed_origins_and_draws_the_live_list(client, session, monkeypatch):
    monkeypatch.setitem(
        liveblog.EMBED_FRAMING, "frame-ancestors", ["https://conf.example.org", "http://127.0.0.1:9000"]
    )
    post(session, "In the frame")
    embed = client.get("/sessions/keynote/embed/")
    assert "frame-ancestors https://conf.example.org http://127.0.0.1:9000" in embed["Content-Security-Policy"]
    assert client.get("/sessions/keynote/")["X-Frame-Options"] == "DENY"
    html = embed.content.decode()
    assert 'id="live-poller"' in html and "In the frame" in html and 'class="embed"' in html
    assert 'header class="site"' not in html and 'rel="canonical"' not in html and 'content="noindex"' in html
    assert liveblog.read_route("/sessions/keynote/embed/")  # the response cache keeps it like the page


def test_embed_origins_setting_is_checked_at_start(tmp_path):
    import subprocess
    import sys

    from liveserver import ROOT

    run = subprocess.run(
        [sys.executable, "-c", "import liveblog"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "LIVEBLOG_EMBED_ORIGINS": "https://ok.example.org 'unsafe-inline'",
            "LIVEBLOG_MEDIA_ROOT": str(tmp_path),
        },
        timeout=60,
    )
    assert (
        run.returncode == 1 and "LIVEBLOG_EMBED_ORIGINS takes origins" in run.stderr and "unsafe-inline" in run.stderr
    )
    allowed = subprocess.run(
        [sys.executable, "-c", "import liveblog; print(liveblog.EMBED_ORIGINS)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "LIVEBLOG_MEDIA_ROOT": str(tmp_path),
            "LIVEBLOG_EMBED_ORIGINS": "https://a.example.org, http://127.0.0.1:9000",
        },
    )
    assert allowed.stdout.strip() == "['https://a.example.org', 'http://127.0.0.1:9000']"


def test_authors_get_a_copyable_iframe_snippet(author_client, session, monkeypatch):
    monkeypatch.setitem(liveblog.AUTHOR_DESK, "embed_origins", ["https://conf.example.org"])
    html = author_client.get("/sessions/keynote/").content.decode()
    assert "&lt;iframe src=&quot;http://testserver/sessions/keynote/embed/&quot;" in html
    assert 'data-copy-from="embed-code"' in html and "Sites that may show it: https://conf.example.org." in html


def test_link_previews_name_the_conference(client, session, monkeypatch):
    monkeypatch.setattr(liveblog, "CONFERENCE_NAME", "PyCon Testland 2026")
    _, og, _ = extracted(client, "/sessions/keynote/")
    assert og["og:site_name"] == "PyCon Testland 2026"
    _, og, _ = extracted(client, "/")
    assert og["og:site_name"] == "PyCon Testland 2026" and og["og:title"] == "Schedule · PyCon Testland 2026"
