"""Draws the screenshots in docs/ from a real server: python docs/screenshots.py"""
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from liveserver import LiveServer  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

DOCS = Path(__file__).resolve().parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
UPDATES = [
    ("Carson opens with a question: what if the browser already is the application platform?", False),
    ("**Hypermedia as the engine of application state** – the server sends the next possible "
     "actions with the data, so the client needs no model of its own.", True),
    ("Active search demo: an input with `hx-get`, `hx-trigger=\"keyup changed delay:500ms\"` and a "
     "target. No build step, no JSON.", False),
    ("Template fragments: render one block of a Django template for the htmx request, the whole page "
     "otherwise. One template, two uses.", False),
    ("> Lateral thinking: solve the problem sideways instead of adding another layer.", True),
    ("Q&A: yes, it works with Django forms and CSRF, put `hx-headers` on the body.", False),
]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), poll_seconds=5).start()
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        try:
            server.api("POST", "/sessions", {
                "title": "Keynote: HTMX and Lateral Thinking", "slug": "htmx-keynote",
                "speakers": "Carson Gross", "room": "Grand Ballroom", "time_zone": "America/Chicago",
                "starts_at": (now - timedelta(minutes=25)).isoformat(),
                "ends_at": (now + timedelta(minutes=35)).isoformat(),
                "description": "DjangoCon US 2025 opening keynote."})
            for body, pinned in UPDATES:
                server.post("htmx-keynote", body, pinned=pinned)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                for name, size in [("phone", (390, 844)), ("laptop", (1280, 860))]:
                    for scheme in ["light", "dark"]:
                        page = browser.new_page(viewport=dict(zip(["width", "height"], size)),
                                                color_scheme=scheme, device_scale_factor=1)
                        page.goto(server.url + "/sessions/htmx-keynote/")
                        suffix = "" if scheme == "light" else "-dark"
                        page.screenshot(path=DOCS / f"live-session-{name}{suffix}.png")
                        page.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
