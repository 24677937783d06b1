"""Script-injection payloads in every field a user can write: none runs in any page the app draws."""

import re

import pytest
from liveserver import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.server]

RUN = "window.__xss=1"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    f'<a href="javascript:{RUN}">click</a>',
    f"[click](javascript:{RUN})",
    f"[click](JAVASCRIPT:{RUN})",
    f"[click](&#106;avascript:{RUN})",
    f"![x](javascript:{RUN})",
    f"<body onload={RUN}>",
    f"<details open ontoggle={RUN}>",
    f"<input autofocus onfocus={RUN}>",
    f"<marquee onstart={RUN}>x</marquee>",
    f"<video><source onerror={RUN}></video>",
    f"<audio src=x onerror={RUN}>",
    f'<object data="javascript:{RUN}"></object>',
    f'<embed src="javascript:{RUN}">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f"<style>@import 'javascript:{RUN}';</style>",
    f'<div style="background:url(javascript:{RUN})">x</div>',
    f'<form action="javascript:{RUN}"><button>go</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<base href="javascript:{RUN}//">',
    f'"><script>{RUN}</script>',
    f"'><img src=x onerror={RUN}>",
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"<scr<script>ipt>{RUN}</scr</script>ipt>",
    '<img src="x" onerror="&#119;indow.__xss=1">',
    '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==">x</a>',
    "<img src=x:window.__xss=1 onerror=eval(src)>",
    f'<svg><a xlink:href="javascript:{RUN}"><text x=20 y=20>x</text></a></svg>',
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
    f"`<script>{RUN}</script>`",
    f"```\n<script>{RUN}</script>\n```",
    f'<a href="  javascript:{RUN}">x</a>',
    f'<a href="java\tscript:{RUN}">x</a>',
    f"[x](data:text/html,<script>{RUN}</script>)",
    f"<img src=1 onerror={RUN} <!--",
    f"<<script>script>{RUN}<</script>/script>",
    f'<div hx-get="/api/sessions" hx-trigger="load" hx-on::after-request="{RUN}">x</div>',
    f'<div data-hx-on-click="{RUN}" data-hx-get="/">x</div>',
    f'<button hx-on:click="{RUN}" autofocus>x</button>',
    f"<select autofocus onfocus={RUN}></select>",
    f"<javascript:{RUN}>",
    f'<a href="vbscript:{RUN}">x</a>',
    f'<img srcset="x 1x" onerror="{RUN}">',
    f'<p onpointerenter="{RUN}" style="width:100vw;height:100vh">cover</p>',
    f"{{{{ request }}}}{{% debug %}}<script>{RUN}</script>",
]
TEXT_FIELDS = ["title", "speakers", "room", "description"]


def login(page, server):
    page.goto(server.url + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def assert_nothing_ran(page, dialogs):
    page.mouse.move(200, 200)  # hover handlers, had any survived
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None and dialogs == []
    assert page.locator(".update .body [hx-get], .update .body [data-hx-get], .update .body [onerror]").count() == 0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("xss"), poll_seconds=1).start()
    live.new_session("xss")
    for payload in PAYLOADS:
        live.post("xss", payload)
    for n, payload in enumerate(PAYLOADS[:12]):  # payloads in the session's own fields too
        live.api(
            "POST",
            "/sessions",
            {
                **{field: payload for field in TEXT_FIELDS},
                "slug": f"hostile-{n}",
                "starts_at": "2025-09-08T09:00:00-05:00",
                "minutes": 60,
                "status": "live",
            },
        )
    yield live
    live.close()


def test_there_are_at_least_fifty_payloads():
    assert len(PAYLOADS) >= 50


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/xss/",
        "/sessions/xss/?order=oldest",
        "/",
        "/sessions/hostile-0/",
        "/sessions/hostile-5/",
        "/sessions/hostile-11/",
        "/api/docs",
    ],
)
def test_no_payload_runs_in_the_pages(server, browser, path):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + path)
    assert_nothing_ran(page, dialogs)
    page.close()


def test_no_payload_runs_when_it_arrives_by_polling(server, browser):
    server.new_session("xss-live")
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/sessions/xss-live/")
    for payload in PAYLOADS:
        server.post("xss-live", payload)
    page.wait_for_function(
        f"() => document.querySelectorAll('#updates > li').length === {len(PAYLOADS)}", timeout=20_000
    )
    assert_nothing_ran(page, dialogs)
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/liveblog/update/",
        "/admin/liveblog/session/",
        "/admin/liveblog/update/?q=script",
        "/admin/liveblog/session/?q=script",
    ],
)
def test_no_payload_runs_in_the_admin(server, browser, path):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, server)
    page.goto(server.url + path)
    assert page.locator("#result_list").count() == 1
    assert_nothing_ran(page, dialogs)
    first_change_link = page.locator("#result_list tbody th a").first
    first_change_link.click()
    page.wait_for_url("**/change/**")
    assert_nothing_ran(page, dialogs)
    page.close()


def test_hostile_slugs_are_refused(server):
    import urllib.error

    for slug in ["<script>", "x onload=alert(1)", "javascript:alert(1)", "../admin"]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            server.api(
                "POST",
                "/sessions",
                {"title": "t", "slug": slug, "starts_at": "2025-09-08T09:00:00-05:00", "minutes": 60},
            )
        assert refused.value.code == 422
    generated = server.api(
        "POST", "/sessions", {"title": PAYLOADS[0], "starts_at": "2025-09-08T09:00:00-05:00", "minutes": 60}
    )["slug"]
    assert re.fullmatch(r"[-a-z0-9_]+", generated)
