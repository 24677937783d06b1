"""Draws the screenshots in docs/ from a real server with the demo conference: python docs/screenshots.py"""
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from liveserver import LiveServer  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

DOCS = Path(__file__).resolve().parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
LIVE = "/sessions/high-performance-django-at-ten/"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), poll_seconds=5, env={"LIVEBLOG_DEMO": "0"})
        subprocess.run([sys.executable, "-c", "import liveblog; liveblog.app._prepare(); liveblog.load_demo()"],
                       cwd=DOCS.parent, env=server.env, check=True)
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                for name, size in [("phone", (390, 844)), ("laptop", (1280, 860))]:
                    for scheme in ["light", "dark"]:
                        page = browser.new_page(viewport=dict(zip(["width", "height"], size)),
                                                color_scheme=scheme, device_scale_factor=1)
                        page.goto(server.url + LIVE)
                        suffix = "" if scheme == "light" else "-dark"
                        page.screenshot(path=DOCS / f"live-session-{name}{suffix}.png")
                        page.close()
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(server.url + "/")
                page.screenshot(path=DOCS / "schedule.png")
                page.close()
                page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
                page.goto(f"{server.url}/login/?next={LIVE}")
                page.fill("#id_username", "author")
                page.fill("#id_password", "pw")
                page.click("button[type=submit]")
                page.wait_for_url(f"**{LIVE}")
                page.keyboard.type("Peter: the slowest query is the one you *did not* know you ran.")
                page.screenshot(path=DOCS / "author-desk-phone.png")
                page.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
