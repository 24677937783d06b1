"""The demo conference in seed/: loaded relative to now, once, and only when asked or on a first run."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone as tz
from pathlib import Path

from liveblog import Session, Update, load_demo

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_has_one_live_session_some_upcoming_and_most_ended(db):
    now = datetime(2026, 3, 3, 15, 42, tzinfo=tz.utc)
    created = load_demo(now=now)
    sessions = list(Session.objects.all())
    assert created == len(sessions) == 13
    by_status = {}
    for session in sessions:
        status = "live" if session.starts_at <= now < session.ends_at else "upcoming" if now < session.starts_at else "ended"
        by_status.setdefault(status, []).append(session.slug)
    assert by_status["live"] == ["high-performance-django-at-ten"]
    assert len(by_status["upcoming"]) >= 2 and len(by_status["ended"]) > len(sessions) / 2
    assert Update.objects.filter(created_at__gt=now).count() == 0  # nothing from the future
    live = Session.objects.get(slug="high-performance-django-at-ten")
    assert live.updates.count() == 4 and live.starts_at == now.replace(second=0) - timedelta(minutes=20)
    assert Update.objects.filter(session__slug="dsf-community-update").count() == 0
    assert Session.objects.get(slug="keynote-htmx-and-lateral-thinking").updates.filter(pinned=True).count() == 2


def test_loading_twice_adds_nothing(db):
    load_demo()
    counts = Session.objects.count(), Update.objects.count()
    assert load_demo() == 0
    assert (Session.objects.count(), Update.objects.count()) == counts


def test_demo_updates_go_through_the_change_cursor(db):
    load_demo()
    keynote = Session.objects.get(slug="keynote-htmx-and-lateral-thinking")
    assert keynote.version == keynote.updates.count() == 6
    assert sorted(keynote.updates.values_list("version", flat=True)) == [1, 2, 3, 4, 5, 6]


def run_prestart(tmp_path, production, **env):
    code = ("import liveblog, sys; liveblog.app._prepare(is_prod=sys.argv[1] == 'prod'); "
            "liveblog.app._prestart('127.0.0.1:0', username='admin', password='pw'); "
            "print('sessions', liveblog.Session.objects.count())")
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}",
                   "DJANGO_SECRET_KEY": "k" * 60, **env}
    environment.pop("LIVEBLOG_DEMO", None) if "LIVEBLOG_DEMO" not in env else None
    out = subprocess.run([sys.executable, "-c", code, "prod" if production else "dev"], cwd=ROOT,
                         env=environment, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split("sessions")[-1])


def test_a_first_development_run_shows_the_demo(tmp_path):
    assert run_prestart(tmp_path, production=False) == 13


def test_production_is_never_seeded_without_being_asked(tmp_path):
    assert run_prestart(tmp_path, production=True) == 0
    assert run_prestart(tmp_path, production=True, LIVEBLOG_DEMO="1") == 13


def test_development_can_skip_the_demo(tmp_path):
    assert run_prestart(tmp_path, production=False, LIVEBLOG_DEMO="0") == 0
