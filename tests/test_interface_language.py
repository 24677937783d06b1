"""The interface's language (LIVEBLOG_LANGUAGE): every shipped language complete and compiled,
no English left on the reader's and the author's pages, dates in the language's own formats,
one language a site so that nothing varies on Accept-Language."""

import gettext
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from conftest import make_session, post
from django.utils import translation

from liveblog import INTERFACE_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["de", "fr", "es", "pt_BR", "ja", "ar"]
DOMAINS = ["django", "djangojs"]


def catalog(language, domain="django"):
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))


def test_every_shipped_language_is_offered_and_an_unknown_one_stops_the_app_saying_which_there_are():
    assert sorted(INTERFACE_LANGUAGES) == sorted(["en", "de", "fr", "es", "pt-br", "ja", "ar"])
    started = subprocess.run(
        [sys.executable, "-c", "import liveblog"],
        env={**os.environ, "LIVEBLOG_LANGUAGE": "tlh"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert started.returncode != 0
    assert "LIVEBLOG_LANGUAGE=tlh is not a language liveblog speaks" in started.stderr
    assert "de (Deutsch)" in started.stderr and "pt-br (Português Brasileiro)" in started.stderr


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (CI installs it)")
def test_no_message_of_the_code_lacks_a_translation_in_any_shipped_language(tmp_path):
    """makemessages on a copy of the sources: every message it finds is translated, none fuzzy."""
    for part in ["liveblog.py", "liveblog_nanodjango.py", "pyproject.toml", "templates", "static", "locale"]:
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, tmp_path / part)
    env = {**os.environ, "LIVEBLOG_DEMO": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for domain, extensions in [("django", ["-e", "html", "-e", "py", "-e", "md"]), ("djangojs", [])]:
        subprocess.run(
            [sys.executable, "-m", "nanodjango", "manage", "liveblog.py", "makemessages", "-a", "-d", domain]
            + extensions,
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    for language in SHIPPED:
        for domain in DOMAINS:
            po = polib.pofile(str(tmp_path / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))
            untranslated = [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]
            assert untranslated == [], f"{language} {domain}: {untranslated}"
            assert len(po.translated_entries()) > {"django": 150, "djangojs": 40}[domain]


@pytest.mark.parametrize("language", SHIPPED)
def test_the_committed_mo_files_are_the_po_files_compiled(language):
    for domain in DOMAINS:
        po = catalog(language, domain)
        with open(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.mo", "rb") as compiled:
            mo = gettext.GNUTranslations(compiled)
        for entry in po.translated_entries():
            if entry.msgid_plural:
                assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[mo.plural(1)]
            else:
                assert mo.gettext(entry.msgid) == entry.msgstr, (language, entry.msgid)


def visible_text(page):
    """The words a person meets: the text, and the labels, hints and titles of what is on the page
    (not the code in a text box, such as the embed code)."""
    body = page[page.index("<body") :]
    attributes = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', body)
    text = re.sub(r"<(script|template|style|textarea)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", text), *attributes]))


def english_left(page, language):
    """The interface's English messages still on the page (those the language writes the same aside)."""
    words = visible_text(page)
    left = []
    for entry in catalog(language):
        if "python-format" in entry.flags or re.fullmatch(r"[DjlMFYHi:, ]+", entry.msgid):
            continue  # a message with values in it, or a date format (l j F Y)
        if entry.msgid not in entry.msgstr and re.search(rf"(?<!\w){re.escape(entry.msgid)}(?!\w)", words):
            left.append(entry.msgid)
    return left


@pytest.fixture
def conference(db, poster):
    """Content with no English words of the interface's in it."""
    live = make_session("eins", "live", title="Ξ 1", speakers="Ada", room="Σ", description="…")
    post(live, "Ω **α**", pinned=True)
    post(live, "β")
    make_session("zwei", "upcoming", title="Ξ 2", speakers="Bo", room="Σ")
    ended = make_session("drei", "ended", title="Ξ 3", speakers="Cy", room="Σ")
    post(ended, "γ")
    return live


@pytest.mark.parametrize("language", SHIPPED)
def test_no_english_interface_string_is_left_on_the_readers_the_authors_or_the_admins_pages(
    client, conference, poster, admin_user, language
):
    code = language.lower().replace("_", "-")
    poster.username = "ψ"  # a name shown ("Sign out ψ"), not the word "author"
    poster.save()
    with translation.override(code):
        pages = {
            "schedule": client.get("/"),
            "live page": client.get("/sessions/eins/"),
            "search": client.get("/search/?q=β"),
            "search, nothing found": client.get("/search/?q=δ"),
        }
        client.force_login(poster)
        pages["author's page"] = client.get("/sessions/eins/")
        pages["my sessions"] = client.get("/my/")
        client.force_login(admin_user)
        for model in ["session", "update", "scheduleimport", "apitoken"]:
            pages[f"admin: {model} list"] = client.get(f"/admin/liveblog/{model}/")
            pages[f"admin: new {model}"] = client.get(f"/admin/liveblog/{model}/add/")
        pages["admin: a session"] = client.get(f"/admin/liveblog/session/{conference.pk}/change/")
        pages["admin: an update"] = client.get(f"/admin/liveblog/update/{conference.updates.first().pk}/change/")
    for name, response in pages.items():
        # Django's own admin/search_form.html writes this alt in English in every language.
        page = response.content.decode().replace('alt="Search"', "")
        assert f'<html lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">' in page, name
        assert english_left(page, language) == [], name


def test_every_label_the_admin_shows_is_marked_for_translation(rf, admin_user):
    """Models, the fields the admin shows, their help, the admin's own columns and inlines: each a
    lazy translation, so that the admin speaks the conference's language too."""
    from django.contrib import admin
    from django.utils.functional import Promise

    request = rf.get("/admin/")
    request.user = admin_user
    unmarked = []

    def check(where, text):
        if text and not isinstance(text, Promise):
            unmarked.append(where)

    for model, model_admin in admin.site._registry.items():
        inlines = model_admin.get_inline_instances(request)
        for inline in inlines:
            check(f"{type(inline).__name__}.verbose_name", type(inline).verbose_name)
        if model._meta.app_label != "liveblog":
            continue
        for shown in [model_admin, *inlines]:
            check(f"{shown.model.__name__} (model)", shown.model._meta.verbose_name)
            check(f"{shown.model.__name__} (models)", shown.model._meta.verbose_name_plural)
            names = {*shown.get_fields(request), *getattr(shown, "list_display", [])}
            for field in (f for f in shown.model._meta.get_fields() if f.name in names):
                check(f"{shown.model.__name__}.{field.name}", field.verbose_name)
                check(f"{shown.model.__name__}.{field.name} (help)", field.help_text)
        for name in model_admin.list_display:
            check(
                f"{type(model_admin).__name__}.{name}",
                getattr(getattr(model_admin, name, None), "short_description", None),
            )
    assert unmarked == []


def test_dates_and_times_follow_the_language(client, db):
    make_session("termin", "ended", title="Ξ")
    from liveblog import Session

    Session.objects.filter(slug="termin").update(
        starts_at="2025-09-08T14:00:00Z", ends_at="2025-09-08T15:00:00Z", time_zone="Europe/Berlin"
    )
    shown = {}
    for code in ["en", "de", "fr", "es", "ja", "ar"]:
        with translation.override(code):
            shown[code] = html.unescape(client.get("/sessions/termin/").content.decode())
    assert "Monday 8 September 2025, 16:00" in shown["en"]
    assert "Montag, 8. September 2025, 16:00" in shown["de"]
    assert "lundi 8 septembre 2025, 16:00" in shown["fr"]
    assert "lunes 8 de septiembre de 2025, 16:00" in shown["es"]
    assert "2025年9月8日 月曜日 16:00" in shown["ja"]
    assert "الاثنين 8 سبتمبر 2025، 16:00" in shown["ar"]


def test_one_language_a_site_nothing_varies_on_accept_language(client, conference):
    english = client.get("/sessions/eins/")
    german = client.get("/sessions/eins/", HTTP_ACCEPT_LANGUAGE="de")
    assert german.content == english.content and 'lang="en"' in english.content.decode()
    assert "Accept-Language" not in english.get("Vary", "")


def test_the_scripts_words_come_from_the_javascript_catalogue(client, db):
    with translation.override("de"):
        catalogue = client.get("/jsi18n.js")
    assert catalogue.status_code == 200 and catalogue["Content-Type"].startswith("text/javascript")
    text = catalogue.content.decode()
    assert '"Pause updates": "Updates pausieren"' in text and "pluralidx" in text
