"""Click-to-load embeds and images from other hosts: what the pages draw, what every other
output keeps, and the Content-Security-Policy that holds the pages to it."""

import os
import re
import subprocess
import sys

import feedparser
import pytest
from conftest import post

import liveblog
from liveblog import CONTENT_SECURITY_POLICY, render_markdown

INSTANCES = ["tube.example.org", "social.example.org"]
YOUTUBE = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
PEERTUBE_UUID = "9c9de5e8-0a1e-484a-b099-e80766180a6d"
EMBEDDED = {  # the address an author pastes: the frame a reader may load
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ": YOUTUBE,
    "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=754s": YOUTUBE + "?start=754",
    "https://youtu.be/dQw4w9WgXcQ?si=shared": YOUTUBE,
    "https://youtube.com/shorts/dQw4w9WgXcQ": YOUTUBE,
    "https://www.youtube.com/live/dQw4w9WgXcQ": YOUTUBE,
    "https://vimeo.com/76979871": "https://player.vimeo.com/video/76979871?dnt=1",
    "https://vimeo.com/76979871/8272103f6e": "https://player.vimeo.com/video/76979871?dnt=1&amp;h=8272103f6e",
    "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv": "https://tube.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv",
    f"https://tube.example.org/videos/watch/{PEERTUBE_UUID}": f"https://tube.example.org/videos/embed/{PEERTUBE_UUID}",
    "https://social.example.org/@ada/113507720612345678": "https://social.example.org/@ada/113507720612345678/embed",
}
NOT_EMBEDDED = [
    "https://youtube.com.example.org/watch?v=dQw4w9WgXcQ",  # a lookalike host
    "https://example.org/youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com@example.org/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=short",  # not a video's id
    "https://www.youtube.com/dQw4w9WgXcQ",
    "http://youtu.be/dQw4w9WgXcQ",  # not HTTPS
    "https://vimeo.com/channels/staffpicks",
    "https://peertube.elsewhere.org/w/kkGMgK9ZtnKfYAgnEtQxbv",  # an instance not listed
    "https://mastodon.elsewhere.org/@ada/113507720612345678",
    "https://social.example.org/@ada",  # a profile, not a post
    "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
    "data:text/html,https://youtu.be/dQw4w9WgXcQ",
]


@pytest.fixture(autouse=True)
def instances(monkeypatch):
    monkeypatch.setattr(liveblog, "EMBED_INSTANCES", INSTANCES)


def update_html(client, session, body):
    update = post(session, body)
    page = client.get(f"/sessions/{session.slug}/").content.decode()
    start = page.index(f'id="update-{update.pk}"')
    return page[start : page.index("</li>", start)]


@pytest.mark.parametrize("address", EMBEDDED)
def test_a_link_alone_on_its_line_becomes_a_card_holding_the_private_frame(client, session, address):
    html = update_html(client, session, address)
    card = re.search(r'<span class="embed-card embed-(video|post)">.*?</template></span>', html, re.S)
    assert card, html
    assert (
        f'href="{address.replace("&", "&amp;")}"' in card[0] and '<button type="button" class="embed-load">' in card[0]
    )
    frame = re.search(r"<template>(<iframe [^>]*>)</iframe></template>", card[0])[1]
    assert f'src="{EMBEDDED[address]}"' in frame
    assert 'sandbox="allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in frame
    assert 'referrerpolicy="strict-origin-when-cross-origin"' in frame and 'loading="lazy"' in frame
    assert re.search(r'title="(YouTube|Vimeo|PeerTube) video: |title="Mastodon post: ', frame)
    # the only address outside the template is the link the author wrote: nothing loads by itself
    outside = html.replace(frame, "")
    assert not re.search(r"(src|srcset|poster)=\"https?:", outside)


def test_a_link_on_its_own_line_after_text_and_a_titled_link_are_cards_too(client, session):
    assert "embed-card" in update_html(client, session, "The demo, recorded:\nhttps://youtu.be/dQw4w9WgXcQ")
    titled = update_html(client, session, "[The demo](https://youtu.be/dQw4w9WgXcQ)")
    assert 'rel="nofollow noopener">The demo</a>' in titled and 'title="YouTube video: The demo"' in titled


@pytest.mark.parametrize("address", NOT_EMBEDDED)
def test_lookalike_and_hostile_addresses_get_no_card(client, session, address):
    html = update_html(client, session, address)
    assert "embed-card" not in html and "<iframe" not in html and "<template" not in html


@pytest.mark.parametrize(
    "body",
    [
        "Watch https://youtu.be/dQw4w9WgXcQ from minute 12.",  # in the middle of a sentence
        "See [the demo](https://youtu.be/dQw4w9WgXcQ) first",
        "- https://youtu.be/dQw4w9WgXcQ",  # in a list, not a line of the update's own
        "`https://youtu.be/dQw4w9WgXcQ`",
        "```\nhttps://youtu.be/dQw4w9WgXcQ\n```",
        '<a href="https://youtu.be/dQw4w9WgXcQ" onclick="x()">a</a> and more',
    ],
)
def test_an_embeddable_link_within_other_text_stays_a_link(client, session, body):
    html = update_html(client, session, body)
    assert "embed-card" not in html and "<iframe" not in html


def test_feeds_notes_and_the_api_carry_the_plain_link(client, session):
    update = post(session, "https://youtu.be/dQw4w9WgXcQ")
    link = '<a href="https://youtu.be/dQw4w9WgXcQ" rel="nofollow noopener">https://youtu.be/dQw4w9WgXcQ</a>'
    assert update.html == f"<p>{link}</p>"
    assert client.get(f"/api/sessions/{session.slug}/updates").json()["updates"][0]["html"] == update.html
    feed = feedparser.parse(client.get(f"/sessions/{session.slug}/feed.xml").content)
    assert feed.entries[0].content[0].value == update.html
    notes = client.get(f"/sessions/{session.slug}.md").content.decode()
    assert "https://youtu.be/dQw4w9WgXcQ" in notes
    for output in [feed.entries[0].content[0].value, notes]:
        assert "embed-card" not in output and "youtube-nocookie" not in output


def test_a_recording_link_of_a_known_provider_is_a_card_on_the_page(client, session):
    session.links.create(kind="recording", title="Recording", url="https://vimeo.com/76979871")
    session.links.create(kind="slides", title="Slides", url="https://youtu.be/dQw4w9WgXcQ")  # slides: a link
    page = client.get(f"/sessions/{session.slug}/").content.decode()
    links = page[page.index('<ul class="session-links"') : page.index("</ul>", page.index('<ul class="session-links"'))]
    assert links.count("embed-card") == 1 and "https://player.vimeo.com/video/76979871?dnt=1" in links
    assert 'title="Vimeo video: Recording"' in links


def test_an_image_from_another_host_is_a_link_to_it_and_the_apps_own_stay_images(client, session):
    html = update_html(client, session, '![The "roadmap" slide](https://slides.example.org/roadmap.png)')
    assert "<img" not in html and '<span class="embed-provider">Image on slides.example.org</span>' in html
    link = '<a href="https://slides.example.org/roadmap.png" rel="nofollow noopener">The &quot;roadmap&quot; slide</a>'
    assert link in html
    assert "<a " in update_html(client, session, "![](//slides.example.org/x.png)")
    html = update_html(client, session, "![before > after](https://slides.example.org/a.png)")
    assert "<img" not in html and '">before &gt; after</a>' in html
    assert '<img alt="Our logo" src="/static/liveblog/favicon.svg">' in update_html(
        client, session, "![Our logo](/static/liveblog/favicon.svg)"
    )


def test_the_policy_frames_the_four_providers_alone_and_loads_images_from_the_app():
    directives = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-src"] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]  # none listed


def policy_with(instances):
    return subprocess.run(
        [sys.executable, "-c", "import liveblog; print(liveblog.CONTENT_SECURITY_POLICY['DIRECTIVES']['frame-src'])"],
        env={**os.environ, "LIVEBLOG_EMBED_INSTANCES": instances},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_instances_an_operator_lists_are_framed_and_nothing_else():
    listed = policy_with("tube.example.org, Social.Example.org:8443")
    assert listed.stdout.strip().splitlines()[-1] == str(
        [
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
            "https://tube.example.org",
            "https://social.example.org:8443",
        ]
    )
    refused = policy_with("https://tube.example.org/")
    assert refused.returncode != 0 and "LIVEBLOG_EMBED_INSTANCES takes host names" in refused.stderr


def test_the_policy_is_sent_with_every_page(client, session):
    policy = client.get(f"/sessions/{session.slug}/").headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com" in policy
    assert re.search(r"img-src 'self' data:(;|$)", policy)


def test_a_bare_address_becomes_a_link_and_a_hostile_one_does_not():
    assert render_markdown("See https://example.org/a_(b).") == (
        '<p>See <a href="https://example.org/a_(b)" rel="nofollow noopener">https://example.org/a_(b)</a>.</p>'
    )
    assert "<a" not in render_markdown("javascript:alert(1) and data:text/html,x")
