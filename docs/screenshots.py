"""Draws the screenshots in docs/ from a real server with the demo conference: python docs/screenshots.py"""

import html
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import extruct  # noqa: E402
from liveserver import LiveServer  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

DOCS = Path(__file__).resolve().parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LIVE = "/sessions/high-performance-django-at-ten/"
RICH_UPDATE = """The fix, as shown on the slide:

```python
@cached_property
def recent(self) -> QuerySet[Update]:
    return self.updates.select_related("author")[:50]  # one query, not fifty
```

The demo, recorded:
https://youtu.be/aBcDeFgHiJk"""


def shared_card(url):
    """The session's link, drawn as a chat app previews it: from the Open Graph tags alone, read by extruct."""
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    og = extruct.extract(page, base_url=url, syntaxes=["opengraph"], uniform=True)["opengraph"][0]
    esc = {key: html.escape(value) for key, value in og.items() if isinstance(value, str)}
    return f"""<!doctype html><meta charset="utf-8"><style>
      body {{ font: 15px system-ui, sans-serif; background: #e9edf1; margin: 0; padding: 24px; }}
      .message {{ background: #fff; border-radius: 12px; padding: 12px; max-width: 540px;
        box-shadow: 0 1px 2px #0002; }}
      .link {{ color: #0b6bcb; word-break: break-all; }}
      .card {{ border-left: 4px solid #0b6bcb; margin-top: 8px; padding: 4px 10px; }}
      .site {{ color: #5f6368; font-size: 13px; }} .title {{ font-weight: 700; margin: 2px 0; }}
      .card img {{ width: 100%; border-radius: 8px; margin-top: 6px; }}
    </style><div class="message"><span class="link">{html.escape(url)}</span>
      <div class="card"><div class="site">{esc["og:site_name"]}</div><div class="title">{esc["og:title"]}</div>
      <div>{esc["og:description"]}</div><img src="{esc["og:image"]}" alt="{esc.get("og:image:alt", "")}"></div></div>"""


def demo_server(tmp, **env):
    server = LiveServer(
        Path(tmp), poll_seconds=5, env={"LIVEBLOG_DEMO": "0", "LIVEBLOG_CONFERENCE_NAME": "DjangoCon US 2025", **env}
    )
    subprocess.run(
        [sys.executable, "-c", "import liveblog; liveblog.app._prepare(); liveblog.load_demo()"],
        cwd=DOCS.parent,
        env=server.env,
        check=True,
    )
    return server.start()


def arabic():
    """The live session with the interface in Arabic, at phone width: the page mirrors, the
    English talk's own words stay left to right."""
    with tempfile.TemporaryDirectory() as tmp:
        server = demo_server(tmp, LIVEBLOG_LANGUAGE="ar")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
                page.goto(server.url + LIVE)
                page.locator("#last-heard").filter(has_text=":").wait_for()
                page.screenshot(path=DOCS / "live-session-phone-ar.png")
                browser.close()
        finally:
            server.close()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = demo_server(tmp)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                for name, size in [("phone", (390, 844)), ("laptop", (1280, 860))]:
                    for scheme in ["light", "dark"]:
                        page = browser.new_page(
                            viewport=dict(zip(["width", "height"], size, strict=True)),
                            color_scheme=scheme,
                            device_scale_factor=1,
                        )
                        page.goto(server.url + LIVE)
                        suffix = "" if scheme == "light" else "-dark"
                        page.screenshot(path=DOCS / f"live-session-{name}{suffix}.png")
                        page.close()
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(server.url + "/")
                page.screenshot(path=DOCS / "schedule.png")
                page.close()
                page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
                page.goto(server.url + "/")
                page.screenshot(path=DOCS / "schedule-phone.png")
                page.close()
                page = browser.new_page(viewport={"width": 1000, "height": 760})
                page.goto(server.url + "/search/?q=django+queries")
                page.screenshot(path=DOCS / "search.png")
                page.close()
                page = browser.new_page(viewport={"width": 620, "height": 560})
                page.set_content(shared_card(server.url + LIVE))
                page.wait_for_load_state("networkidle")
                page.screenshot(path=DOCS / "shared-card.png")
                page.close()
                page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
                page.goto(f"{server.url}/login/?next={LIVE}")
                page.fill("#id_username", "author")
                page.fill("#id_password", "pw")
                page.click("button[type=submit]")
                page.wait_for_url(f"**{LIVE}")
                page.keyboard.type("Peter: the slowest query is the one you *did not* know you ran.")
                page.screenshot(path=DOCS / "author-desk-phone.png")
                page.context.set_offline(True)  # the Wi-Fi drops: posts wait in the outbox
                page.keyboard.press("Control+Enter")
                page.keyboard.type("Q&A: *async views* only pay off when the view waits on I/O.")
                page.keyboard.press("Control+Enter")
                page.locator("#outbox-status").get_by_text("2 waiting to send").wait_for()
                page.locator("#compose-body").focus()
                page.evaluate("() => document.getElementById('compose').scrollIntoView()")
                page.screenshot(path=DOCS / "author-outbox-phone.png")
                page.context.set_offline(False)
                page.close()
                server.post(LIVE.split("/")[2], RICH_UPDATE)  # highlighted code and a click-to-load card
                for scheme in ["light", "dark"]:
                    page = browser.new_page(viewport={"width": 760, "height": 900}, color_scheme=scheme)
                    page.goto(server.url + LIVE)
                    page.locator("#updates > li").first.screenshot(
                        path=DOCS / f"rich-update{'' if scheme == 'light' else '-dark'}.png"
                    )
                    page.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
    arabic()
