"""Migrations, settings from the environment and the SQLite tuning."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

import liveblog

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_are_committed_and_match_the_models():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nanodjango",
            "manage",
            "liveblog.py",
            "makemigrations",
            "liveblog",
            "--check",
            "--dry-run",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "url, engine, name",
    [
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3", "/tmp/x.sqlite3"),
        ("postgres://root@127.0.0.1:5432/live", "django.db.backends.postgresql", "live"),
    ],
)
def test_database_url_is_read_from_the_environment(url, engine, name):
    code = (
        "import liveblog; from django.conf import settings; "
        "d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == [engine, name], out.stderr


def test_default_database_is_sqlite_beside_the_file():
    code = "import liveblog; from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert Path(out.stdout.strip()) == ROOT / "db.sqlite3", out.stderr
    config = liveblog.database_settings(f"sqlite:///{ROOT / 'db.sqlite3'}")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"] and config["OPTIONS"]["timeout"] >= 5


def test_sqlite_connections_run_in_wal_mode(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    code = (
        "import liveblog; from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["wal", "20000"], out.stderr


def test_production_mode_survives_the_prepare_that_every_request_makes():
    # `nanodjango serve` prepares in production; the WSGI handler prepares again on the first request.
    code = (
        "import liveblog; liveblog.app._prepare(is_prod=True); liveblog.app._prepare(); print(liveblog.app._production)"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "k" * 60, "DATABASE_URL": "sqlite:////tmp/unused.sqlite3"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split()[-1:] == ["True"], out.stdout + out.stderr


def test_liveblog_py_stays_within_its_line_budget():
    """The round's rule: a capability comes with the fewest lines that do it well (ruff lays them out)."""
    lines = (Path(__file__).resolve().parent.parent / "liveblog.py").read_text().count("\n")
    assert lines <= 2700, f"liveblog.py is {lines} lines; the budget is 2,700"
