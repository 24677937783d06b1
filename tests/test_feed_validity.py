"""The Atom feeds as independent readers see them: RFC 4287's required elements, and feedparser."""

import xml.etree.ElementTree as ElementTree
from datetime import datetime

import feedparser
import pytest
from conftest import make_session, post

from liveblog import save_update

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def feeds(client, db, poster):
    """Both feeds over updates with and without an author, an edit, markup and a photo-less title."""
    session = make_session("qa", title="Q&A <live>")
    post(session, "Q&A: *questions* & 1 < 2")
    post(session, "From an author", author=poster)
    save_update(post(session, "typo"), body="Fixed & edited")
    return {url: client.get(url) for url in ["/feed.xml", "/sessions/qa/feed.xml"]}


def rfc3339(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None


def test_feeds_have_every_element_rfc_4287_requires(feeds):
    for url, response in feeds.items():
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ElementTree.fromstring(response.content)
        assert feed.tag == f"{ATOM}feed"
        for name in ["id", "title", "updated"]:  # exactly one each
            assert len(feed.findall(f"{ATOM}{name}")) == 1, (url, name)
        assert rfc3339(feed.find(f"{ATOM}updated").text)
        assert [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"], url
        feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 3
        for entry in entries:
            for name in ["id", "title", "updated"]:
                assert len(entry.findall(f"{ATOM}{name}")) == 1, (url, name)
            assert rfc3339(entry.find(f"{ATOM}updated").text)
            # An entry without an author of its own takes the feed's: one of the two must exist.
            assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None, url
            assert len(entry.findall(f"{ATOM}content")) == 1 and entry.find(f"{ATOM}content").get("type") == "html"


def test_feedparser_reads_titles_once_escaped_and_the_full_content(feeds):
    for url, response in feeds.items():
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.feed.author
        titles = [entry.title for entry in parsed.entries]
        assert any(title.endswith("Q&A: questions & 1 < 2") for title in titles), titles
        assert not any("&amp;" in title for title in titles), titles
        for entry in parsed.entries:
            assert entry.content[0].value and entry.content[0].type == "text/html"
        edited = next(entry for entry in parsed.entries if "Fixed" in entry.title)
        assert "Fixed &amp; edited" in edited.content[0].value
        assert {entry.get("author") for entry in parsed.entries} >= {"Ada Author"}
