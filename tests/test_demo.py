"""The demo conference in seed/: loaded relative to now, once, and only when asked or on a first run."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import make_session

from liveblog import Session, Update, load_demo, move_demo, publish_update, save_session, save_update

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_has_one_live_session_some_upcoming_and_most_ended(db):
    now = datetime(2026, 3, 3, 15, 42, tzinfo=UTC)
    created = load_demo(now=now)
    sessions = list(Session.objects.all())
    assert created == len(sessions) == 13
    by_status = {}
    for session in sessions:
        status = (
            "live" if session.starts_at <= now < session.ends_at else "upcoming" if now < session.starts_at else "ended"
        )
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
    code = (
        "import liveblog, sys; liveblog.app._prepare(is_prod=sys.argv[1] == 'prod'); "
        "liveblog.app._prestart('127.0.0.1:0', username='admin', password='pw'); "
        "print('sessions', liveblog.Session.objects.count())"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}",
        "DJANGO_SECRET_KEY": "k" * 60,
        **env,
    }
    environment.pop("LIVEBLOG_DEMO", None) if "LIVEBLOG_DEMO" not in env else None
    out = subprocess.run(
        [sys.executable, "-c", code, "prod" if production else "dev"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split("sessions")[-1])


def test_a_first_development_run_shows_the_demo(tmp_path):
    assert run_prestart(tmp_path, production=False) == 13


def test_production_is_never_seeded_without_being_asked(tmp_path):
    assert run_prestart(tmp_path, production=True) == 0
    assert run_prestart(tmp_path, production=True, LIVEBLOG_DEMO="1") == 13


def test_development_can_skip_the_demo(tmp_path):
    assert run_prestart(tmp_path, production=False, LIVEBLOG_DEMO="0") == 0


def test_the_untouched_demo_moves_so_one_session_is_live_again(db):
    first = datetime(2026, 3, 3, 15, 42, tzinfo=UTC)
    load_demo(now=first)
    before = {
        s.slug: (s.starts_at, s.version, sorted(s.updates.values_list("id", "created_at", "body")))
        for s in Session.objects.all()
    }
    later = first + timedelta(days=1, hours=3)
    assert move_demo(now=later) == 13
    live = Session.objects.get(slug="high-performance-django-at-ten")
    assert live.starts_at <= later < live.ends_at and live.starts_at == later.replace(second=0) - timedelta(minutes=20)
    shift = timedelta(days=1, hours=3)
    for session in Session.objects.all():
        starts, version, updates = before[session.slug]
        assert session.starts_at == starts + shift and session.version == version  # moved, not rewritten
        assert sorted(session.updates.values_list("id", "created_at", "body")) == [
            (pk, created + shift, body) for pk, created, body in updates
        ]
    assert move_demo(now=later + timedelta(minutes=5)) == 0  # still live: nothing moves


def test_moving_the_demo_never_touches_what_a_person_created_or_changed(db, poster):
    first = datetime(2026, 3, 3, 15, 42, tzinfo=UTC)
    load_demo(now=first)
    posted_in = Session.objects.get(slug="high-performance-django-at-ten")
    note, _ = publish_update(posted_in, poster, body="My own note")
    edited = Session.objects.get(slug="keynote-htmx-and-lateral-thinking")
    save_update(edited.updates.first(), body="Corrected")
    renamed = Session.objects.get(slug="dsf-community-update")
    renamed.title = "DSF update (moved to room B)"
    save_session(renamed)
    mine = make_session("my-own-talk", "ended")
    untouched = {s.slug: s.starts_at for s in Session.objects.all()}

    later = first + timedelta(days=2)
    assert move_demo(now=later) == 10
    for slug in [
        "high-performance-django-at-ten",
        "keynote-htmx-and-lateral-thinking",
        "dsf-community-update",
        "my-own-talk",
    ]:
        assert Session.objects.get(slug=slug).starts_at == untouched[slug], slug
    assert Session.objects.get(slug="my-own-talk").starts_at == mine.starts_at
    assert Update.objects.get(body="My own note").created_at == note.created_at


def test_a_later_development_run_moves_the_demo_it_loaded(tmp_path):
    assert run_prestart(tmp_path, production=False) == 13
    code = (
        "import liveblog; from datetime import timedelta; from django.db.models import F; liveblog.app._prepare();"
        "back = timedelta(days=3);"  # as if the first run had been three days ago
        "liveblog.Session.objects.update(starts_at=F('starts_at') - back, ends_at=F('ends_at') - back);"
        "liveblog.Update.objects.update(created_at=F('created_at') - back)"
    )
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'first.sqlite3'}"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True, timeout=120)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import liveblog; liveblog.app._prepare(); liveblog.app._prestart('127.0.0.1:0', username='admin', "
                "password='pw'); print('live', liveblog.Session.objects.with_status('live').count())"
            ),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "untouched demo sessions so that one is live again" in out.stdout
    assert out.stdout.strip().endswith("live 1")


def test_the_demo_comes_in_through_the_schedule_importer(db):
    from liveblog import ScheduleImport

    load_demo()
    assert Session.objects.filter(guid__isnull=False, conference="djangocon_us_2025").count() == 13
    record = ScheduleImport.objects.get()
    assert record.conference == "DjangoCon US 2025, Chicago" and record.created == 13
    assert load_demo() == 0 and ScheduleImport.objects.count() == 2 and Session.objects.count() == 13
