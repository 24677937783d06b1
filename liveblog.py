"""liveblog: a live blog for conference sessions, in one nanodjango file.

An author sits in a talk and posts short updates; readers follow the session in a
browser that fetches only what changed since its cursor.

    pip install -e . && nanodjango run liveblog.py      # SQLite, http://localhost:8000/
    granian --interface wsgi --workers 2 liveblog:app   # production (or: nanodjango serve liveblog.py)

Every setting that varies comes from the environment, read in the settings block below;
README.md lists them.
"""

import hashlib
import hmac
import html
import json
import os
import re
import secrets
import sqlite3
import sys
import threading
import time
import zoneinfo
from collections import OrderedDict, defaultdict
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial, reduce, wraps
from io import BytesIO
from operator import attrgetter, or_
from pathlib import Path
from typing import Annotated, Literal
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urljoin, urlsplit
from urllib.request import Request, urlopen
from uuid import UUID

import dj_database_url
import icalendar
import markdown
import nh3
from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib import admin, messages
from django.contrib.auth import authenticate
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.contrib.staticfiles import finders
from django.contrib.syndication.views import Feed
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import IntegrityError, InterfaceError, OperationalError, connection, models, transaction
from django.db.models import Count, F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import resolve, reverse
from django.utils import dateformat, timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _  # lazy: in class bodies it waits for the language
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve as serve_static
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRefresh
from nanodjango import Django
from PIL import Image, ImageOps
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pygments.token import STANDARD_TYPES
from slugify import slugify  # python-slugify: transliterates (Straßen: strassen)

# --- Settings -------------------------------------------------------------------------

BASE_DIR = Path(__file__).resolve().parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name) or default)


def contrast_on_white(colour):
    """WCAG's contrast ratio of a #rrggbb colour against the pages' white background."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def readable_colour(colour):
    if colour and not (re.fullmatch(r"#[0-9a-fA-F]{6}", colour) and contrast_on_white(colour) >= 4.5):
        raise SystemExit(
            f"LIVEBLOG_ACCENT takes a colour such as #8a1c7c that text can be read in on white "
            f"(a contrast of 4.5:1 or more): {colour}"
        )
    return colour


# The interface's language: one for the site, so that nothing varies on Accept-Language and
# every answer stays cacheable (two languages are two sites). Translations: locale/.
INTERFACE_LANGUAGES = {code: LANG_INFO[code]["name_local"] for code in ["en", "de", "fr", "es", "pt-br", "ja", "ar"]}
INTERFACE_LANGUAGE = os.environ.get("LIVEBLOG_LANGUAGE", "en").strip().lower().replace("_", "-")
if INTERFACE_LANGUAGE not in INTERFACE_LANGUAGES:
    raise SystemExit(
        f"LIVEBLOG_LANGUAGE={INTERFACE_LANGUAGE} is not a language liveblog speaks; it has: "
        + ", ".join(f"{code} ({name})" for code, name in INTERFACE_LANGUAGES.items())
    )
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
REDIS_URL = os.environ.get("REDIS_URL", "")  # one cache for every app process
POLL_SECONDS = env_int("LIVEBLOG_POLL_SECONDS", 5)  # between polls of a live page
PAGE_SIZE = env_int("LIVEBLOG_PAGE_SIZE", 50)  # updates a session page shows at first, and then at a time
SLOW_POLL_SECONDS = POLL_SECONDS * 6  # of an upcoming session's page, and of the schedule's board
# How long a process may answer from a cached session version. A commit drops it at once
# from a shared cache; without Redis, on SQLite, every process learns of it at its next
# request (CommitWatch), and on PostgreSQL the other processes notice when it expires.
VERSION_TTL = env_int("LIVEBLOG_VERSION_TTL", 60 if REDIS_URL else 2)
COMMIT_WATCH = env_flag("LIVEBLOG_COMMIT_WATCH", default=True)  # 0: on SQLite too, wait for VERSION_TTL
MEDIA_ROOT = Path(os.environ.get("LIVEBLOG_MEDIA_ROOT") or BASE_DIR / "media")  # slide photos
MAX_IMAGE_MB = env_int("LIVEBLOG_MAX_IMAGE_MB", 10)
MAX_REQUEST_BYTES = (MAX_IMAGE_MB + 1) * 1024 * 1024  # the largest post: a photo at the limit, and its text
SERVE_MEDIA = env_flag("LIVEBLOG_SERVE_MEDIA", default=True)  # 0: the web server serves MEDIA_ROOT
AUTH_FAILURE_LIMIT = env_int("LIVEBLOG_AUTH_FAILURES", 20)  # failed sign-ins an address, or an account, may make
AUTH_COOLOFF_SECONDS = 300  # before it may try again
# Behind N proxies that each append to X-Forwarded-For (nginx, a CDN), the client is the
# Nth address from the right; without it every reader would share the proxy's address.
TRUSTED_PROXIES = env_int("LIVEBLOG_TRUSTED_PROXIES", 0)
DEMO = os.environ.get("LIVEBLOG_DEMO", "")  # 1: load it, 0: never; unset: on a first development run
BAKE = os.environ.get("LIVEBLOG_BAKE", "")  # ended or all: the pages drawn for a baked archive
SITE_URL = os.environ.get("LIVEBLOG_SITE_URL", "").rstrip("/")  # for links shared elsewhere; else the request's host
# May frame /sessions/<slug>/embed/.
EMBED_ORIGINS = os.environ.get("LIVEBLOG_EMBED_ORIGINS", "").replace(",", " ").split()
# PeerTube and Mastodon run on any host: a link to one becomes a click-to-load embed only on the
# instances listed here, which the pages' frame-src names. A page's policy is fixed when it is
# drawn, yet its polls bring updates it has not seen, so a per-page list would refuse their frames.
EMBED_INSTANCES = os.environ.get("LIVEBLOG_EMBED_INSTANCES", "").replace(",", " ").lower().split()
FRAME_SOURCES = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]  # YouTube's and Vimeo's players
# In the header, titles, feeds and notes; unset, the title of the last schedule imported.
CONFERENCE_NAME = os.environ.get("LIVEBLOG_CONFERENCE_NAME", "")
CONFERENCE_LOGO = os.environ.get("LIVEBLOG_CONFERENCE_LOGO", "")  # an address, such as /media/logo.svg
# A colour such as #8a1c7c, for links and the header's rule.
ACCENT = readable_colour(os.environ.get("LIVEBLOG_ACCENT", ""))
RESPONSE_CACHE_MB = env_int("LIVEBLOG_RESPONSE_CACHE_MB", 64)  # answers each process keeps in memory
# Behind HTTPS (directly or through a proxy that sets X-Forwarded-Proto): HSTS, the
# redirect to HTTPS and secure cookies.
SECURE = env_flag("DJANGO_SECURE")
DEVELOPMENT_SECRET_KEY = "liveblog-insecure-development-key"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Without ALLOWED_HOSTS, the public address's host alone; with neither, any (a check warns in production).
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "").replace(",", " ").split() or [urlsplit(SITE_URL).hostname or "*"]
# nanodjango run/serve decide DEBUG unless the environment says otherwise; a bake draws production pages.
debug_setting = {"DEBUG": env_flag("DJANGO_DEBUG")} if "DJANGO_DEBUG" in os.environ else {}
if BAKE:
    debug_setting = {"DEBUG": False}
    if not SITE_URL:
        raise SystemExit(
            "A baked archive links to itself: set LIVEBLOG_SITE_URL to the address it will be served from, "
            "such as https://archive.example.org"
        )

MEDIA_ROOT.mkdir(parents=True, exist_ok=True)  # `nanodjango run` serves it only if it exists


def client_address(request):
    if TRUSTED_PROXIES:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= TRUSTED_PROXIES:
            return forwarded[-TRUSTED_PROXIES]
    return request.META.get("REMOTE_ADDR", "")


def database_settings(url):
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A web server writes from several threads and processes: WAL lets readers run
        # beside a writer, IMMEDIATE takes the write lock up front instead of failing
        # on upgrade, and the timeout waits for the lock rather than raising at once.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


def cache_from_env():
    """Redis as an optimisation, never a dependency: django-redis logs and ignores its failures
    (a read misses, a write is skipped), and one that hangs costs a cache call half a second."""
    if REDIS_URL:
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "liveblog",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "liveblog",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "connect-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "script-src": ["'self'"],  # only the app's own files: no inline script, no eval
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin and the API docs set inline styles
        # Images are the app's own; data: for the icons the API docs' style sheet (Swagger UI) draws.
        "img-src": ["'self'", "data:", *re.findall(r"^https://[^/]+", CONFERENCE_LOGO)],
        "frame-src": [*FRAME_SOURCES, *(f"https://{host}" for host in EMBED_INSTANCES)],  # click-to-load embeds
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],  # the embed alone may be framed (EMBED_FRAMING)
    }
}


if not all(re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?", host) for host in EMBED_INSTANCES):
    raise SystemExit(f"LIVEBLOG_EMBED_INSTANCES takes host names such as peertube.example.org: {EMBED_INSTANCES}")
if not all(re.fullmatch(r"https?://[-a-zA-Z0-9.]+(:\d+)?", origin) for origin in EMBED_ORIGINS):
    raise SystemExit(f"LIVEBLOG_EMBED_ORIGINS takes origins such as https://conference.example.org: {EMBED_ORIGINS}")


def refuse_unsafe_production_settings(debug, secret_key):
    """Production (nanodjango serve, granian, gunicorn) will not run on the development key."""
    if not debug and secret_key == DEVELOPMENT_SECRET_KEY:
        print(
            "liveblog refuses to serve in production with the development secret key.\n"
            "Set DJANGO_SECRET_KEY to a long random value, for example the output of\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(50))'",
            file=sys.stderr,
        )
        raise SystemExit(3)  # gunicorn's "worker failed to boot": it stops rather than start another


class LiveblogDjango(Django):
    """nanodjango's app, refusing unsafe production settings, loading the demo on a first
    run, and building Django's WSGI handler once per process (nanodjango 0.17.1 builds it,
    and so every middleware, again for every request)."""

    _wsgi_handler = None
    _production = False

    def _prepare(self, is_prod=False):
        if not self._prepared:  # upstream prepares once; later calls (from wsgi) change nothing
            if is_prod:
                refuse_unsafe_production_settings(
                    self.settings.DEBUG and "DEBUG" in self._settings, self.settings.SECRET_KEY
                )
            self._production = is_prod
        super()._prepare(is_prod)

    def _prestart(self, *args, **kwargs):
        """After migrating: the demo conference on a first `nanodjango run`, or when asked."""
        host_and_port = super()._prestart(*args, **kwargs)
        if DEMO == "1" or (not self._production and DEMO == "" and not Session.objects.exists()):
            print(f"Loaded the demo conference: {load_demo()} new sessions (LIVEBLOG_DEMO=0 to skip).")
        elif not self._production and DEMO == "" and (moved := move_demo()):
            print(f"Moved {moved} untouched demo sessions so that one is live again (LIVEBLOG_DEMO=0 to skip).")
        return host_and_port

    def _pre_xsgi(self, is_prod=True):
        super()._pre_xsgi(is_prod)
        if is_prod:
            refuse_unsafe_production_settings(self.settings.DEBUG, self.settings.SECRET_KEY)
            for warning in checks.run_checks(tags=[checks.Tags.security]):  # no `manage check` runs here
                print(warning, file=sys.stderr)

    def wsgi(self, environ, start_response, is_prod=True):
        if self._wsgi_handler is None:
            from django.core import wsgi

            self._pre_xsgi(is_prod)
            self._wsgi_handler = ResponseCache(wsgi.get_wsgi_application())
        return self._wsgi_handler(environ, start_response)

    __call__ = wsgi


# A WSGI server that imports liveblog:app serves production: refuse before the first request.
if {"granian", "gunicorn"} & set(Path(sys.argv[0]).parts):  # granian, or python -m granian
    refuse_unsafe_production_settings(debug_setting.get("DEBUG", False), SECRET_KEY)

app = LiveblogDjango(
    SECRET_KEY=SECRET_KEY,
    ALLOWED_HOSTS=ALLOWED_HOSTS,
    DATABASES={"default": database_settings(DATABASE_URL)},
    EXTRA_APPS=["ninja", "django_htmx", "csp", "template_partials", "axes"],
    MIDDLEWARE=lambda middleware: [
        "liveblog.RequestLimitsMiddleware",
        "django.middleware.gzip.GZipMiddleware",
        "django.middleware.http.ConditionalGetMiddleware",
        *middleware,
        "django_htmx.middleware.HtmxMiddleware",
        "csp.middleware.CSPMiddleware",
        "liveblog.DatabaseUnavailableMiddleware",
        "liveblog.RefusalsMiddleware",
    ],
    # django-axes counts failed sign-ins (the login page, the admin's, the API's passwords)
    # per address, and per account from each address, and refuses either for a cool-off:
    # guesses from elsewhere cannot keep an author out.
    AUTHENTICATION_BACKENDS=["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
    AXES_FAILURE_LIMIT=AUTH_FAILURE_LIMIT,
    AXES_LOCKOUT_PARAMETERS=["ip_address", ["username", "ip_address"]],
    AXES_COOLOFF_TIME=timedelta(seconds=AUTH_COOLOFF_SECONDS),
    AXES_RESET_ON_SUCCESS=True,
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT=False,  # the cool-off ends, whoever keeps guessing
    AXES_CLIENT_IP_CALLABLE=client_address,
    SILENCED_SYSTEM_CHECKS=["axes.W002"],  # RefusalsMiddleware answers axes' lockouts, not AxesMiddleware
    CONTENT_SECURITY_POLICY=CONTENT_SECURITY_POLICY,
    SECURE_REFERRER_POLICY="same-origin",
    SECURE_CONTENT_TYPE_NOSNIFF=True,
    X_FRAME_OPTIONS="DENY",
    SECURE_SSL_REDIRECT=SECURE,
    SECURE_HSTS_SECONDS=31_536_000 if SECURE else 0,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=SECURE,
    SESSION_COOKIE_SECURE=SECURE,
    CSRF_COOKIE_SECURE=SECURE,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None,
    CACHES={"default": cache_from_env()},
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS=True,
    TIME_ZONE="UTC",
    USE_TZ=True,
    LANGUAGE_CODE=INTERFACE_LANGUAGE,
    LANGUAGES=[(INTERFACE_LANGUAGE, INTERFACE_LANGUAGES[INTERFACE_LANGUAGE])],  # a bake draws each page once
    LOCALE_PATHS=[BASE_DIR / "locale"],
    LOGIN_URL="login",
    LOGIN_REDIRECT_URL="my_sessions",
    FORMS_URLFIELD_ASSUME_HTTPS=True,  # Django 6's default for an address typed without its scheme
    # `nanodjango run` serves through the response cache too, as production does.
    WSGI_APPLICATION="liveblog.development_wsgi",
    ADMIN_URL="admin/",
    MEDIA_ROOT=MEDIA_ROOT,
    MEDIA_URL="/media/",
    STATIC_ROOT=BASE_DIR / "static-collected",
    # The bake copies STATIC_ROOT and MEDIA_ROOT whole: not the API docs' Swagger UI (the
    # archive has no API), and no slide photo but those its /media/ route writes.
    DISTILL_SKIP_STATICFILES_DIRS=["ninja", "slides"],
    **debug_setting,
)

development_wsgi = partial(app.wsgi, is_prod=False)  # what `nanodjango run` serves (WSGI_APPLICATION)


@checks.register(checks.Tags.security)
def any_host_check(app_configs, **kwargs):
    if settings.DEBUG or "*" not in settings.ALLOWED_HOSTS:
        return []
    hint = "Set ALLOWED_HOSTS (such as live.example.org) or LIVEBLOG_SITE_URL, whose host is then the one allowed."
    return [checks.Warning("Any Host is allowed, and absolute links are built from it.", hint=hint, id="liveblog.W001")]


# These need Django configured, which the app above does.
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry  # noqa: E402
from django.contrib.auth.admin import UserAdmin  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login  # noqa: E402
from ninja import Body, Field, File, Form, Header, Query, Schema, Status  # noqa: E402
from ninja.errors import AuthenticationError, HttpError  # noqa: E402
from ninja.files import UploadedFile as NinjaUploadedFile  # noqa: E402
from ninja.parser import Parser  # noqa: E402
from ninja.security import HttpBasicAuth, HttpBearer  # noqa: E402

# --- Models ---------------------------------------------------------------------------

MAX_BODY_LENGTH = 10_000
EMPTY_UPDATE = _("Write something or add a slide photo.")
AUTHOR_DESK = {
    "max_body_length": MAX_BODY_LENGTH,
    "empty_update_message": EMPTY_UPDATE,  # for the templates
    "embed_origins": EMBED_ORIGINS,
    "width": 640,
    "height": 800,
}  # the size of the embed's <iframe>
LOCAL_TIME = _("Local time where the session happens: in its time zone, below.")  # the admin form's times
MAX_VERSION = 2**63 - 1
POST_PERMISSION = "liveblog.post_updates"  # an editor's
CONTRIBUTE_PERMISSION = "liveblog.contribute"
# Text the server refuses: control characters (C0 and C1: strip() eats U+0085; lone surrogates
# pydantic refuses itself), line breaks in a one-line field, and text that shows nothing
# (white space, and format characters such as U+200B, invisible fillers and variation selectors).
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
LINE_BREAK = r"\n\r\u2028\u2029"
INVISIBLE = (  # within the Basic Multilingual Plane, so that JavaScript's patterns read it too
    r"\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)


def is_blank(text):
    return re.fullmatch(f"[{INVISIBLE}]*", text) is not None


def one_line(value):
    if re.search(f"[{CONTROL}{LINE_BREAK}]", value):
        raise ValidationError(_("Keep it to one line, without line breaks or control characters."), code="one_line")


# Python-Markdown's time grows steeply with nesting: 10,000 unclosed "[" take 13 s, "1. " * 3,000
# on one line overflows the stack. Under this bound the longest update draws in well under a second.
MAX_NESTING = 16
NESTED_MARKERS = re.compile(rf"^[ \t]*(?:(?:>|[-*+][ \t]|\d{{1,9}}[.)][ \t])[ \t]*){{{MAX_NESTING + 1}}}", re.M)


def drawable(text):
    """Refuse Markdown whose brackets, or list and quote markers on one line, nest past MAX_NESTING."""
    depth = deepest = 0
    for char in text:
        if char in "[(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "])":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING or NESTED_MARKERS.search(text):
        raise ValidationError(
            _("The text nests brackets, lists or quotes more than %(depth)d deep; close some or write it plainer.")
            % {"depth": MAX_NESTING},
            code="too_deep",
        )


def shows_something(value):
    if is_blank(value):
        raise ValidationError(_("Write something a reader can see."), code="blank")


@lru_cache
def known_time_zones():
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name):
    if name not in known_time_zones():
        raise ValidationError(
            "%(name)r is not a known IANA time zone; use a name such as 'Europe/London' or 'America/Chicago'.",
            params={"name": name},
            code="invalid_time_zone",
        )


def byline(user):
    """The name readers see: the full name, else the username."""
    return (user.get_full_name() or user.get_username()) if user else None


def schedule_status(override, starts, ends, now):
    """The hand-set status if any, else where `now` falls against the start and end."""
    if override:
        return Session.Status(override)
    if now < starts:
        return Session.Status.UPCOMING
    if now < ends:
        return Session.Status.LIVE
    return Session.Status.ENDED


class SessionQuerySet(models.QuerySet):
    def with_status(self, status, now=None):
        """Sessions whose effective status (hand-set, else from the times) is `status`."""
        now = now or timezone.now()
        by_schedule = {
            Session.Status.UPCOMING: Q(starts_at__gt=now),
            Session.Status.ENDED: Q(ends_at__lte=now),
            Session.Status.LIVE: Q(starts_at__lte=now, ends_at__gt=now),
        }.get(status, Q(pk__in=[]))  # cancelled only by hand, or by an import
        return self.filter(Q(status_override=status) | Q(status_override="") & by_schedule)

    def with_update_counts(self):
        # An aggregate drops Meta.ordering (GROUP BY), so the schedule's order is asked for again.
        counted = self.annotate(update_count=Count("updates", filter=Q(updates__deleted_at__isnull=True)))
        return counted.order_by(*Session._meta.ordering)


class SessionManager(models.Manager.from_queryset(SessionQuerySet)):
    def get_queryset(self):
        return super().get_queryset().prefetch_related("links", "authors")  # every page and answer shows them


class UpdateQuerySet(models.QuerySet):
    def current(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class Session(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = ("cancelled", _("Cancelled"))  # gone from the programme: never deleted, it may have updates

    title = models.CharField(_("title"), max_length=200, validators=[one_line, shows_something])
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    speakers = models.CharField(_("speaker(s)"), max_length=200, blank=True, validators=[one_line])
    room = models.CharField(_("room"), max_length=100, blank=True, validators=[one_line])
    track = models.CharField(_("track"), max_length=100, blank=True, validators=[one_line])
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("Of the talk, such as de or pt-BR.")
    )
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), help_text=LOCAL_TIME)
    ends_at = models.DateTimeField(_("ends at"), help_text=LOCAL_TIME)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("IANA name, such as America/Chicago; times show in this zone."),
    )
    status_override = models.CharField(
        _("status set by hand"),
        max_length=10,
        choices=Status.choices,
        blank=True,
        help_text=_("Leave blank to follow the start and end times."),
    )
    # The change cursor: bumped only by bump_version(), never written by save().
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # From a conference tool's schedule: the event's guid, and the conference it came with.
    guid = models.UUIDField(_("GUID"), null=True, blank=True, unique=True, editable=False)
    conference = models.CharField(_("conference"), max_length=200, blank=True, editable=False)
    authors = models.ManyToManyField(
        User,
        verbose_name=_("authors"),
        blank=True,
        related_name="sessions_blogged",
        help_text=_("Its bloggers: contributors post only here."),
    )

    objects = SessionManager()

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name, verbose_name_plural = _("session"), _("sessions")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # An existing session must not write back a stale version; a commit drops its cached
        # states, under its old slug too when it is renamed.
        if self.pk and not kwargs.get("force_insert") and "update_fields" not in kwargs:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if f.name not in ("id", "version")]
        super().save(*args, **kwargs)
        forget_states(self.slug, getattr(self, "saved_slug", None))
        self.saved_slug = self.slug

    def get_absolute_url(self):
        return reverse("session_page", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        session = super().from_db(db, field_names, values)
        session.saved_slug = session.__dict__.get("slug")
        return session

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The session must end after it starts.")})

    @property
    def status(self):
        return schedule_status(self.status_override, self.starts_at, self.ends_at, timezone.now())

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def bloggers(self):
        return [byline(user) for user in self.authors.all()]

    @property
    def summary(self):
        """A line for link previews: the description, else who speaks where."""
        about = " · ".join(filter(None, [self.speakers, self.room]))
        coverage = _("Live coverage of %(title)s") % {"title": self.title}
        return Truncator(self.description).chars(300) or coverage + (f": {about}" if about else "")


class Update(models.Model):
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(
        _("text"), max_length=MAX_BODY_LENGTH, blank=True, help_text=_("Markdown."), validators=[drawable]
    )
    html = models.TextField(editable=False)
    image = models.ImageField(
        _("slide photo"), upload_to="slides/%Y/%m/", blank=True, width_field="image_width", height_field="image_height"
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField(
        _("photo description"),
        max_length=300,
        blank=True,
        help_text=_("What the photo shows, for readers who cannot see it."),
    )
    pinned = models.BooleanField(_("key moment"), default=False)
    author = models.ForeignKey(User, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, editable=False)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    version = models.PositiveBigIntegerField(_("version"), default=0, editable=False)
    # The compose box sends one key per draft, so a double submit or a retry posts once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001 (NULLs are not unique)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name, verbose_name_plural = _("update"), _("updates")
        indexes = [models.Index(fields=["session", "version"]), models.Index(fields=["session", "created_at", "id"])]
        constraints = [models.UniqueConstraint(fields=["session", "idempotency_key"], name="one_update_per_draft")]
        permissions = [
            ("post_updates", "Can post and manage live blog sessions"),  # an editor's
            ("contribute", "Can post to the sessions assigned to them"),  # a contributor's
        ]

    def __str__(self):
        return Truncator(self.body).chars(60) or f"(photo) {self.image_alt}".strip()

    def get_absolute_url(self):
        return reverse("update_page", args=[self.session.slug, self.pk])

    def clean(self):
        if is_blank(self.body) and not self.image:
            raise ValidationError(EMPTY_UPDATE)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def author_name(self):
        return byline(self.author)

    @property
    def text(self):
        """The update as plain text, for link previews, feed titles and structured data."""
        return html.unescape(strip_tags(self.html)).strip()

    @property
    def headline(self):
        return Truncator(self.text).words(12) or self.image_alt or "(slide photo)"


class Revision(models.Model):
    """What an update said before an edit: corrections stay visible, as newsrooms keep them."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(blank=True)
    html = models.TextField(editable=False)  # as it was drawn when it was shown
    written_at = models.DateTimeField(help_text="When this text was first shown.")
    replaced_at = models.DateTimeField()
    replaced_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self):
        return f"{self.update} (before {self.replaced_at:%Y-%m-%d %H:%M})"

    @property
    def editor_name(self):
        return byline(self.replaced_by)


class MovedUpdate(models.Model):
    """An update moved to another session: the session it left tells its readers to drop it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="moved_away")
    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField(help_text="The version of the session it left, at the move.")

    def __str__(self):
        return f"{self.update} (left {self.session})"


class LinkKind(models.TextChoices):  # beside SessionLink, not in it: the converter follows module-level names
    TALK = "talk", _("The talk's page")
    SLIDES = "slides", _("Slides")
    RECORDING = "recording", _("Recording")
    LINK = "link", _("Link")


class SessionLink(models.Model):
    """Slides, a recording, the talk's page: from the schedule, the admin or the API."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices, default=LinkKind.LINK)
    title = models.CharField(_("title"), max_length=200, blank=True, validators=[one_line])
    url = models.URLField(_("address"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    from_schedule = models.BooleanField(_("from the schedule"), default=False, editable=False)  # replaced on reimport

    class Meta:
        ordering = ["id"]
        verbose_name, verbose_name_plural = _("link"), _("links")

    def __str__(self):
        return self.title or self.get_kind_display()


class ScheduleImport(models.Model):
    """One import of a conference's schedule: where from, what it did, who and when; and for an
    address, the validators of its last answer, for the next conditional request."""

    source = models.CharField(_("source"), max_length=500)
    conference = models.CharField(_("conference"), max_length=200)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    by = models.ForeignKey(User, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(_("at"), default=timezone.now)
    etag = models.CharField(max_length=100, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name, verbose_name_plural = _("schedule import"), _("schedule imports")

    def __str__(self):
        return f"{self.conference} from {self.source}"

    @property
    def counts(self):
        return {name: getattr(self, name) for name in ("created", "updated", "unchanged", "cancelled")}

    @property
    def summary(self):
        words = [_("%(count)d created"), _("%(count)d updated"), _("%(count)d unchanged"), _("%(count)d cancelled")]
        return ", ".join(word % {"count": count} for word, count in zip(words, self.counts.values(), strict=True))


@receiver(post_delete, sender=Update)
def remove_photo_file(sender, instance, **kwargs):
    """An update removed for good (its session deleted, say) takes its photo file along."""
    if instance.image:
        transaction.on_commit(partial(instance.image.storage.delete, instance.image.name))


@receiver(m2m_changed, sender=Session.authors.through)
def bloggers_assigned(sender, instance, action, reverse, pk_set, **kwargs):
    """A session's page names its bloggers: an assignment from either side draws it anew."""
    if action == "pre_clear":
        pk_set = set(instance.sessions_blogged.values_list("pk", flat=True)) if reverse else None
    elif action not in ("post_add", "post_remove"):
        return
    for session_id in pk_set if reverse else [instance.pk]:
        bump_version(session_id)


@receiver(post_save, sender=Session.authors.through)  # the user admin's inline saves the rows themselves
@receiver(post_delete, sender=Session.authors.through)
def assignment_saved(sender, instance, **kwargs):
    bump_version(instance.session_id)


@receiver(post_delete, sender=Session)
def forget_deleted_session(sender, instance, **kwargs):
    forget_states(instance.slug)


# --- The write path -------------------------------------------------------------------
# Every write from the API, the pages and the admin goes through these: each bumps its
# session's version in the writer's transaction and drops the cached states on commit.

IDEMPOTENCY_KEY = re.compile(r"^[-_a-zA-Z0-9]{8,64}$")  # a draft's key, from the page or the API
CONFERENCE_STATE = "conference-state"
CONFERENCE_NAME_KEY = "conference-name"


class Refused(Exception):
    """A write the write path will not make, and why: the API answers {"detail": message}, a page the text."""

    def __init__(self, message, status=422):
        super().__init__(message)
        self.status = status


def state_key(slug):
    return f"session-state:{slug}"


# Without Redis a process's states live in this dict: Django's local-memory cache pickles and
# unpickles every value at every get, and every poll reads one. {key: (expiry, state)}
LOCAL_STATES = {}


def forget_states(*slugs):
    """Once the transaction commits, drop the cached state of these sessions and the conference's."""
    keys = [CONFERENCE_STATE, CONFERENCE_NAME_KEY, *(state_key(slug) for slug in slugs if slug)]
    transaction.on_commit(lambda: [cache.delete_many(keys), *(LOCAL_STATES.pop(key, None) for key in keys)])


def bump_version(session_id):
    """Take the next version of a session, inside the writer's transaction: the UPDATE row-locks
    the session until commit (SQLite serialises writers already), so versions commit in order."""
    Session.objects.filter(pk=session_id).update(version=F("version") + 1)
    version, slug = Session.objects.values_list("version", "slug").get(pk=session_id)
    forget_states(slug)
    return version


def audit(by, obj, flag, message):
    """Record a write in Django's admin log (its history of the object): who, what and when."""
    if by is not None:
        LogEntry.objects.log_actions(by.pk, [obj], flag, change_message=message, single_object=True)


def what_changed(changes):
    if "deleted_at" in changes:
        return "Deleted" if changes["deleted_at"] else "Restored"
    with translation.override(None):  # kept in English, as the admin keeps them: shown translated
        return [{"changed": {"fields": [str(Update._meta.get_field(name).verbose_name) for name in changes]}}]


def save_update(update, by=None, **changes):
    """Create or change an update through the change cursor: the one door for writes, and the
    audit log's for updates (`by` is who). A photo file lives as long as its row: removed if
    its save fails, or once another replaces it. Moved to another session, it leaves a note
    in the old one, whose readers drop it."""
    earlier, new, message = None, not update.pk, what_changed(changes)
    if update.pk and changes.get("body", update.body) != update.body:
        changes["edited_at"] = timezone.now()
        shown = update.edited_at or update.created_at
        earlier = Revision(
            update=update,
            body=update.body,
            html=update.html,
            written_at=shown,
            replaced_at=changes["edited_at"],
            replaced_by=by,
        )
    if changes.get("image") is False:  # a form's "clear"
        changes["image"] = ""
    replaced = update.image.name if update.pk and "image" in changes else None
    moved = update.pk and "session" in changes and changes["session"].pk != update.session_id
    left = update.session_id if moved else None
    for name, value in changes.items():
        setattr(update, name, value)
    if "body" in changes or not update.pk:  # drawn once, before anything is written (or Refused)
        update.html = render_markdown(update.body)
    uploading = bool(update.image) and not update.image._committed
    try:
        with transaction.atomic():
            if left:
                MovedUpdate.objects.create(session_id=left, update=update, version=bump_version(left))
            update.version = bump_version(update.session_id)
            update.save()
            if earlier:
                earlier.save()
            audit(by, update, ADDITION if new else CHANGE, "Posted" if new else message)
            if replaced and replaced != update.image.name:
                transaction.on_commit(partial(update.image.storage.delete, replaced))
    except BaseException:
        if uploading and update.image._committed:  # written to storage, but its row was not
            update.image.storage.delete(update.image.name)
        raise
    return update


def find_update(pk, deleted=False):
    """A current update (or a deleted one, to restore) with its session, else 404."""
    updates = Update.objects.select_related("session")
    return get_object_or_404(updates.deleted() if deleted else updates.current(), pk=pk)


def delete_update(update, by=None):
    return save_update(update, by, deleted_at=timezone.now())


def restore_update(update, by=None):
    return save_update(update, by, deleted_at=None)


def publish_update(session, author, body="", pinned=False, image=None, image_alt="", key=None):
    """Post a new update, once per idempotency key, from the page or the API: (update, whether it is new)."""
    if key and (posted := Update.objects.filter(session=session, idempotency_key=key).first()):
        return posted, False
    update = Update(session=session, author=author, image_alt=image_alt, idempotency_key=key or None)
    if image:
        update.image = image
    try:
        return save_update(update, author, body=body, pinned=pinned), True
    except IntegrityError:  # the same draft, arriving twice at the same moment
        return Update.objects.get(session=session, idempotency_key=key), False


def post_new_update(session, author, data, image=None, key=None):
    """Post from the API or the author's page: text or a photo, drawn anew, once per key.
    Refused: 413 for a photo over the size limit, 409 for a key already used for other
    text (a new post under an old key would be silently dropped), 422 for the rest."""
    if not data.body and not image:
        raise Refused(EMPTY_UPDATE)
    try:
        photo = slide_photo(image) if image else None
    except ValidationError as error:
        raise Refused(error.messages[0], 413 if error.code == "too_large" else 422) from None
    update, created = publish_update(
        session, author, body=data.body, pinned=data.pinned, image=photo, image_alt=data.image_alt, key=key
    )
    if not created and data.body != (update.revisions.last() or update).body:  # the text first posted
        raise Refused("This idempotency key was used for another update; send a new key with a new one.", 409)
    return update, created


def unique_slug(title, starts_at, room=""):
    """A slug from the title, transliterated (Straßen: strassen); from the start and room where
    nothing readable is left; numbered when taken."""
    apostrophes = [["'", ""], ["\u2019", ""]]  # Django's becomes djangos, as Django's own slugify has it
    base = slugify(title, max_length=90, word_boundary=True, replacements=apostrophes)
    base = base or slugify(f"{starts_at:%Y-%m-%d %H%M} {room}", max_length=90)
    slug, n = base, 1
    while Session.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_session(session, by=None, message="Changed"):
    """Save a session and bump its version, so open pages learn of the change."""
    with transaction.atomic():
        session.save()
        session.version = bump_version(session.pk)
        audit(by, session, CHANGE, message)
    return session


def set_status(session, status, by=None):
    """Set live, ended or upcoming by hand, or "auto" to follow the start and end times."""
    session.status_override = "" if status == "auto" else status
    return save_session(session, by, f"Status: {status}")


def with_session(updates, session):
    updates = list(updates)
    for update in updates:
        update.session = session  # spares a query per permalink
    return updates


def changes_since(session, since=None):
    """What a reader needs to catch up: (cursor, updates, deleted ids); without `since` (or with one
    from the future), the whole state. The cursor, read first, bounds the rows: it never runs ahead.
    An update moved away counts as deleted here, unless it has come back since."""
    cursor = Session.objects.values_list("version", flat=True).get(pk=session.pk)
    rows = Update.objects.filter(session=session, version__lte=cursor).select_related("author")
    if since is None or since > cursor:
        return cursor, with_session(rows.current(), session), []
    changed = with_session(rows.filter(version__gt=since), session)
    updates = [u for u in changed if not u.is_deleted]
    moved = session.moved_away.filter(version__gt=since, version__lte=cursor).values_list("update_id", flat=True)
    deleted = [u.pk for u in changed if u.is_deleted] + [pk for pk in moved if pk not in {u.pk for u in changed}]
    return cursor, updates, deleted


# --- Who may do what -------------------------------------------------------------------
# Editors (and superusers, and the original posting permission) may do anything; contributors
# post to the sessions assigned to them and change only their own updates there. Asked at each
# request, so a token acts with its user's role and assignments as they are now.

NOT_ASSIGNED = _("You are not assigned to this session: an editor assigns its bloggers.")
NOT_YOURS = _("Contributors may change only their own updates: this one is someone else's.")


def is_editor(user):
    return bool(user and user.is_active and user.has_perm(POST_PERMISSION))


def can_post(user):
    """An author: an editor, or a contributor."""
    return is_editor(user) or bool(user and user.is_active and user.has_perm(CONTRIBUTE_PERMISSION))


def is_assigned(user, session):
    return is_editor(user) or (can_post(user) and session.authors.filter(pk=user.pk).exists())


def check_may_post(user, session):
    if not is_assigned(user, session):
        raise Refused(NOT_ASSIGNED, 403)


def check_may_change(user, update):
    check_may_post(user, update.session)
    if not is_editor(user) and update.author_id != user.pk:
        raise Refused(NOT_YOURS, 403)


def check_editor(user, refusal):
    if not is_editor(user):
        raise Refused(refusal, 403)


# --- Content --------------------------------------------------------------------------

INLINE_TAGS = {"a", "br", "em", "strong", "del", "code", "img"}
ALLOWED_TAGS = INLINE_TAGS | {"p", "hr", "pre", "blockquote", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "span": {"class"}, "pre": {"class"}}
CODE_CLASSES = set(STANDARD_TYPES.values()) - {""}  # the classes Pygments gives tokens (static/liveblog/code.css)


def pygments_classes_only(tag, attribute, value):
    """A class is kept only when Pygments could have written it: no borrowing the page's own."""
    if attribute == "class":
        return value if set(value.split()) <= CODE_CLASSES else None
    return value


def render_markdown(text):
    """Markdown to HTML that is safe to put in a page: an allow-list, not a block-list. Text
    nested too deep to draw in good time is Refused."""
    try:
        drawable(text)
    except ValidationError as error:
        raise Refused(error.messages[0]) from None
    # A fenced block with a known language is highlighted once, here, with classes (codehilite).
    extensions = ["fenced_code", "codehilite", "sane_lists", "pymdownx.magiclink"]  # bare addresses link too
    rendered = markdown.markdown(text, extensions=extensions, extension_configs={"codehilite": {"guess_lang": False}})
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=pygments_classes_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


# Click-to-load embeds: a link alone on its line to a known video or post becomes a card of the
# app's own, its provider's frame inert in a <template> until the reader asks (embeds.js). Only
# the pages draw cards: feeds, notes, the bake and the API keep the plain link.
YOUTUBE = {"youtube.com", "www.youtube.com", "m.youtube.com"}
PEERTUBE_ID = r"[1-9A-HJ-NP-Za-km-z]{20,22}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def embed_frame(address):
    """(provider, what it shows, the frame's address) for a video or post that may be loaded
    here, else None. Read by host and path: youtube.com.example.org or javascript: never are."""
    parts = urlsplit(html.unescape(address))
    host, path, query = parts.netloc.lower(), parts.path.rstrip("/"), dict(parse_qsl(parts.query))
    if parts.scheme != "https":
        return None
    if host in YOUTUBE or host == "youtu.be":
        shapes = [r"/()([\w-]{11})"] if host == "youtu.be" else [r"/watch()", r"/(shorts|live)/([\w-]{11})"]
        found = next(filter(None, (re.fullmatch(shape, path) for shape in shapes)), None)
        video = found and (found[2] if found.lastindex == 2 else query.get("v", ""))
        start = re.fullmatch(r"(\d+)s?", query.get("t", ""))  # a moment in the talk: ?t=754
        if video and re.fullmatch(r"[\w-]{11}", video):
            frame = f"https://www.youtube-nocookie.com/embed/{video}"
            return "YouTube", "video", frame + (f"?start={start[1]}" if start else "")
    elif host in ("vimeo.com", "www.vimeo.com") and (found := re.fullmatch(r"/(\d+)(?:/([0-9a-f]+))?", path)):
        unlisted = f"&h={found[2]}" if found[2] else ""  # an unlisted video's key
        return "Vimeo", "video", f"https://player.vimeo.com/video/{found[1]}?dnt=1{unlisted}"
    elif host in EMBED_INSTANCES and (found := re.fullmatch(rf"/(?:w|videos/watch)/({PEERTUBE_ID})", path)):
        return "PeerTube", "video", f"https://{host}/videos/embed/{found[1]}"
    elif host in EMBED_INSTANCES and (found := re.fullmatch(r"/(@\w+)/(\d+)", path)):
        return "Mastodon", "post", f"https://{host}/{found[1]}/{found[2]}/embed"
    return None


def embed_card(address, text):
    """The card for a link to a known video or post (text is HTML), else None (in the bake too)."""
    if BAKE or not (found := embed_frame(address)):
        return None
    provider, thing, frame = found
    card = {"provider": provider, "thing": thing, "frame": frame, "host": urlsplit(frame).netloc}
    return render_to_string("liveblog/_partials.html#embed_card", {"address": address, "text": text, **card})


# In sanitised HTML: what nh3 writes for a link, alone between the edges of its paragraph or line.
ALONE_LINK = re.compile(
    r'(?:(?<=<p>)|(?<=<br>)|(?<=\n))<a href="([^"]+)" rel="nofollow noopener">([^<]+)</a>(?=</p>|<br>|\n)'
)
IMAGE = re.compile(r'<img((?: [\w-]+="[^"]*")*)>')  # nh3 quotes every attribute with "


def for_readers(update_html):
    """An update's HTML as the pages show it: an image from another host as a link to it (the
    pages load images from the app alone), and a link alone on its line to a known video or
    post as a click-to-load card (in the bake, the link)."""
    if "<img" in update_html:
        update_html = IMAGE.sub(image_link, update_html)
    if "<a " in update_html:  # a link to anything else stays as it was drawn
        update_html = ALONE_LINK.sub(
            lambda found: embed_card(mark_safe(found[1]), mark_safe(found[2])) or found[0], update_html
        )
    return mark_safe(update_html)


# Template tags are thin: the converter copies a function that views call with its decorator.
@app.templatetag.filter(is_safe=True)
def reader_html(update_html):
    return for_readers(update_html)


@app.templatetag.simple_tag
def session_link(link):
    """A session's link; its recording, when on a known provider, as a click-to-load card."""
    card = embed_card(link.url, link) if link.kind == LinkKind.RECORDING else None
    return card or format_html('<a href="{}" rel="noopener">{}</a>', link.url, link)


def image_link(found):
    """An <img> from another host as a card linking to it, described by its alt; else as it is."""
    attributes = {name: mark_safe(value) for name, value in re.findall(r' ([\w-]+)="([^"]*)"', found[1])}
    host = urlsplit(html.unescape(attributes.get("src", ""))).netloc
    if not host:
        return found[0]
    context = {"address": attributes["src"], "alt": attributes.get("alt", ""), "host": host}
    return render_to_string("liveblog/_partials.html#image_card", context)


IMAGE_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG", "MPO": "JPEG"}  # in: out
MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel photo is large; more is a decompression bomb
IMAGE_BOX = (1600, 1600)  # wide enough for a slide on any screen


def slide_photo(upload):
    """An uploaded image checked and drawn again, as a ContentFile with a fresh name: within the
    limits, fit to IMAGE_BOX, upright, without metadata (GPS and all). Else ValidationError."""
    if upload.size > MAX_IMAGE_MB * 1024 * 1024:
        raise ValidationError(
            _("The photo is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": upload.size / 2**20, "limit": MAX_IMAGE_MB},
            code="too_large",
        )
    try:
        with Image.open(upload) as probe:  # reads the header only
            kind = probe.format
            if kind not in IMAGE_FORMATS:
                raise ValidationError(_("Send a photo as JPEG, PNG, WebP or GIF."), code="invalid_image")
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The photo is %(width)d×%(height)d pixels; the limit is %(limit)d megapixels.")
                    % {"width": probe.width, "height": probe.height, "limit": MAX_IMAGE_PIXELS // 1_000_000},
                    code="invalid_image",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(IMAGE_BOX)
            out_format = IMAGE_FORMATS[kind]
            if out_format == "JPEG" and image.mode != "RGB":
                image = image.convert("RGB")
            drawn = BytesIO()
            image.save(drawn, out_format, quality=85, optimize=True)  # no exif= : metadata stays behind
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # Pillow's own, far larger limit, met while opening
        raise ValidationError(
            _("The photo has too many pixels; the limit is %(limit)d megapixels.")
            % {"limit": MAX_IMAGE_PIXELS // 10**6},
            code="invalid_image",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("That file is not an image that can be read."), code="invalid_image") from None
    return ContentFile(
        drawn.getvalue(), name=f"{secrets.token_urlsafe(12)}.{out_format.lower().replace('jpeg', 'jpg')}"
    )


# --- Input: the text and times the server accepts -----------------------------------

# What the server accepts, said as patterns so that the OpenAPI document says it too: Python's
# `re` checks them (regex_engine), as the tests read them.
PLAIN_TEXT = rf"^[^{CONTROL}]*$"  # may be empty, but no control characters
SOME_TEXT = rf"^[^{CONTROL}]*[^{INVISIBLE}{CONTROL}][^{CONTROL}]*$"  # and shows something
ONE_LINE = rf"^[^{CONTROL}{LINE_BREAK}]*$"  # a title, a room: no line breaks either
SOME_LINE = rf"^[^{CONTROL}{LINE_BREAK}]*[^{INVISIBLE}{CONTROL}][^{CONTROL}{LINE_BREAK}]*$"
# An RFC 3339 time from 1900 to 2999 whose offset is one the Earth has (within ±14:00).
DATE_TIME = (
    r"^(19|2\d)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
    r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)$"
)
SLUG = r"^[-a-zA-Z0-9_]{1,100}$"
IdempotencyKey = Annotated[str, StringConstraints(pattern=IDEMPOTENCY_KEY.pattern)]


def text(max_length, blank=True, one_line=False, **field):
    """A text field: the schema gives its pattern, PlainText checks it with a plain message."""
    pattern = [[SOME_TEXT, PLAIN_TEXT], [SOME_LINE, ONE_LINE]][one_line][blank]
    return Field(max_length=max_length, json_schema_extra={"pattern": pattern}, **field)


class PlainText(BaseModel):
    """Text fields made with text(), checked with plain messages: API bodies and imported schedules.
    Lengths count the text as sent, as the schema says; what is kept has no surrounding space."""

    model_config = ConfigDict(regex_engine="python-re")

    @field_validator("*")
    @classmethod
    def plain_text(cls, value, info):
        pattern = (cls.model_fields[info.field_name].json_schema_extra or {}).get("pattern")
        if isinstance(value, str) and pattern in (PLAIN_TEXT, SOME_TEXT, ONE_LINE, SOME_LINE):
            if re.search(f"[{CONTROL}]", value):
                raise ValueError("must not contain control characters")
            if pattern in (ONE_LINE, SOME_LINE) and re.search(f"[{LINE_BREAK}]", value):
                raise ValueError("must be one line, without line breaks")
            if is_blank(value):  # nothing a reader would see: empty, or refused where text is needed
                if pattern in (SOME_TEXT, SOME_LINE):
                    raise ValueError("must not be empty")
                return ""
            return value.strip()
        return value


def rfc3339_text(value):
    if not isinstance(value, str) or not re.match(DATE_TIME, value):  # pydantic reads numbers as epoch seconds
        raise ValueError("give the time as RFC 3339 text with its offset, such as 2025-09-08T09:00:00-05:00")
    return value


def known_zone(name):
    try:
        validate_time_zone(name)  # the model's own check and message
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return name


Rfc3339Time = Annotated[datetime, BeforeValidator(rfc3339_text), Field(json_schema_extra={"pattern": DATE_TIME})]
TimeZoneName = Annotated[str, AfterValidator(known_zone), Field(json_schema_extra={"enum": sorted(known_time_zones())})]


# --- The conference: its schedule imported and kept current, and the demo -------------
# pretalx and frab export a schedule.json (conference, days, rooms, events): sessions are
# keyed by the event's guid, so a new import updates them in place, and an event gone from
# the conference's programme leaves its session cancelled, never deleted.

SCHEDULE_BYTES = 20 * 1024 * 1024  # the most an import reads
DURATION = r"^\d{1,3}:[0-5]\d(:[0-5]\d)?$"  # hh:mm, or hh:mm:ss


class ScheduleLink(PlainText):
    title: str = text(200, one_line=True, default="")
    url: str = text(500, one_line=True)
    type: str | None = None


Address = Annotated[str, Field(max_length=500, pattern=ONE_LINE)]  # some tools give a link as its address alone


class SchedulePerson(PlainText):
    name: str | None = text(200, one_line=True, default=None)  # pretalx
    public_name: str | None = text(200, one_line=True, default=None)  # frab


class ScheduleEvent(PlainText):
    guid: UUID
    title: str = text(200, blank=False, one_line=True)
    slug: str | None = None
    date: Rfc3339Time
    duration: str = Field(pattern=DURATION)
    room: str = text(100, one_line=True)
    track: str | None = text(100, one_line=True, default=None)
    language: str | None = text(35, one_line=True, default=None)
    abstract: str | None = text(20_000, default=None)
    description: str | None = text(20_000, default=None)
    url: str | None = text(500, one_line=True, default=None)
    persons: list[SchedulePerson] = []
    links: list[ScheduleLink | Address] = []
    attachments: list[ScheduleLink | Address] = []

    def session_fields(self, zone):
        hours, minutes, seconds = [int(part) for part in f"{self.duration}:0".split(":")[:3]]
        names = (person.public_name or person.name or "" for person in self.persons)
        return {
            "title": self.title,
            "speakers": Truncator(", ".join(filter(None, names))).chars(200),  # 200 speakers fit too
            "room": self.room,
            "track": self.track or "",
            "language": self.language or "",
            "description": "\n\n".join(filter(None, [self.abstract, self.description])),
            "starts_at": self.date,
            "ends_at": self.date + timedelta(hours=hours, minutes=minutes, seconds=seconds),
            "time_zone": zone,
        }

    def session_links(self, base):
        """(kind, title, address) of the talk's page, its attachments and links: relative addresses
        resolved against base, and only http and https kept."""
        talk = [ScheduleLink(url=self.url)] if self.url else []  # titled by its kind, in the interface's language
        links = []
        for kind, items in [(LinkKind.TALK, talk), (LinkKind.SLIDES, self.attachments), (LinkKind.LINK, self.links)]:
            for item in items:
                item = ScheduleLink(url=item) if isinstance(item, str) else item
                address = urljoin(base, item.url)
                if urlsplit(address).scheme in ("http", "https") and len(address) <= 500:
                    recording = kind == LinkKind.LINK and item.type in ("video", "recording")
                    links.append((LinkKind.RECORDING if recording else kind, item.title, address))
        return links


class ScheduleDay(PlainText):
    rooms: dict[str, list[ScheduleEvent]]


class ScheduleConference(PlainText):
    title: str = text(200, blank=False, one_line=True)
    acronym: str | None = text(100, one_line=True, default=None)
    time_zone_name: TimeZoneName | None = None
    days: list[ScheduleDay]


class ScheduleBody(PlainText):
    version: str = Field(max_length=100)  # read, not kept
    base_url: str | None = text(500, one_line=True, default=None)
    conference: ScheduleConference


class ScheduleIn(PlainText):
    """A conference tool's schedule.json (pretalx, frab; format 1.x): what an import reads of it."""

    schedule: ScheduleBody

    @property
    def events(self):
        return [event for day in self.schedule.conference.days for room in day.rooms.values() for event in room]

    @model_validator(mode="after")
    def one_event_a_guid(self):
        guids = [event.guid for event in self.events]
        if repeated := sorted({str(guid) for guid in guids if guids.count(guid) > 1}):
            raise ValueError(f"each event's guid must be its own; repeated: {', '.join(repeated[:5])}")
        return self


def conference_name():
    """LIVEBLOG_CONFERENCE_NAME, else the title of the last schedule imported (cached: every page shows it)."""
    if CONFERENCE_NAME:
        return CONFERENCE_NAME
    imported = partial(ScheduleImport.objects.values_list("conference", flat=True).first)
    return cache.get_or_set(CONFERENCE_NAME_KEY, lambda: imported() or "liveblog", VERSION_TTL)


def import_schedule(document, source, by=None, fetched_from="", cancel_missing=True):
    """Create, update, cancel and bring back sessions from a schedule, all in one transaction;
    returns its ScheduleImport record. A changed session is saved through the write path, so
    open pages and calendars learn of it; an unchanged one is not touched."""
    conference, base = document.schedule.conference, document.schedule.base_url or fetched_from
    known_as, zone = conference.acronym or conference.title, conference.time_zone_name or "UTC"
    record = ScheduleImport(source=source[:500], conference=conference.title, by=by)
    renamed = conference_name() != conference.title and not CONFERENCE_NAME
    with transaction.atomic():
        sessions = Session.objects.in_bulk([event.guid for event in document.events], field_name="guid")
        for event in document.events:
            fields, links = event.session_fields(zone), event.session_links(base)
            session = sessions.get(event.guid)
            if session is None:
                slug = event.slug if re.fullmatch(SLUG, event.slug or "") else None
                if not slug or Session.objects.filter(slug=slug).exists():
                    slug = unique_slug(event.title, event.date, event.room)
                session = Session.objects.create(slug=slug, guid=event.guid, conference=known_as, **fields)
                record.created += 1
            elif (
                all(getattr(session, name) == value for name, value in fields.items())
                and session.status_override != Session.Status.CANCELLED
                and [(link.kind, link.title, link.url) for link in session.links.all() if link.from_schedule] == links
            ):
                record.unchanged += 1
                continue
            else:
                for name, value in fields.items():
                    setattr(session, name, value)
                if session.status_override == Session.Status.CANCELLED:  # back in the programme
                    session.status_override = ""
                save_session(session)
                record.updated += 1
            session.links.filter(from_schedule=True).delete()
            SessionLink.objects.bulk_create(
                SessionLink(session=session, kind=kind, title=title, url=url, from_schedule=True)
                for kind, title, url in links
            )
        if cancel_missing:
            gone = Session.objects.filter(conference=known_as, guid__isnull=False).exclude(
                guid__in=[event.guid for event in document.events]
            )
            for session in gone.exclude(status_override=Session.Status.CANCELLED):
                record.cancelled += 1
                set_status(session, Session.Status.CANCELLED)
        record.save()
        # Every page shows the conference's name: a new one drops every cached state.
        forget_states(*(Session.objects.values_list("slug", flat=True) if renamed else []))
    return record


class ScheduleUnavailable(Exception):
    """The schedule could not be fetched, or is not a schedule: nothing was imported."""


def read_schedule(source, by=None):
    """Import a schedule.json from a file, or from an http(s) address conditionally on its last
    fetch (If-None-Match, If-Modified-Since). Returns the record, or None when the address
    answers 304 Not Modified. Raises ScheduleUnavailable, having changed nothing."""
    scheme, headers = urlsplit(source).scheme, {}
    try:
        if scheme in ("http", "https"):
            if last := ScheduleImport.objects.filter(source=source).exclude(etag="", last_modified="").first():
                headers = {"If-None-Match": last.etag, "If-Modified-Since": last.last_modified}
            request = Request(source, headers={k: v for k, v in headers.items() if v})
            with urlopen(request, timeout=30) as answer:
                content, validators = (
                    answer.read(SCHEDULE_BYTES + 1),
                    (answer.headers["ETag"], answer.headers["Last-Modified"]),
                )
        elif scheme:
            raise ScheduleUnavailable(f"Give a file, or an http or https address: not {scheme}:.")
        else:
            content, validators = Path(source).read_bytes(), (None, None)
        if len(content) > SCHEDULE_BYTES:
            raise ScheduleUnavailable(f"The schedule is over {SCHEDULE_BYTES // 1024 // 1024} MB.")
        document = ScheduleIn.model_validate_json(content)
    except HTTPError as error:
        if error.code == 304:
            return None
        raise ScheduleUnavailable(f"{source} answered {error.code} {error.reason}.") from None
    except (OSError, ValueError) as error:  # unreachable, timed out, unreadable; not JSON or not a schedule
        raise ScheduleUnavailable(f"{source}: {error}") from None
    record = import_schedule(document, source, by, fetched_from=source if scheme else "")
    record.etag, record.last_modified = ((value or "")[:100] for value in validators)  # as a server sent them
    record.save(update_fields=["etag", "last_modified"])
    return record


class ImportScheduleCommand(BaseCommand):
    help = "Import a conference's schedule.json (pretalx, frab) from a file or an http(s) address."

    def add_arguments(self, parser):
        parser.add_argument("source", help="A file, or an address: fetched only if it changed since the last time.")

    def handle(self, source, **options):
        try:
            record = read_schedule(source)
        except ScheduleUnavailable as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        self.stdout.write(record.summary if record else "unchanged")


DEMO_SCHEDULE = BASE_DIR / "seed" / "schedule.json"
DEMO_POSTS = BASE_DIR / "seed" / "demo-posts.json"


def demo_plan(now):
    """The demo conference with its events moved so the live one began `live_for_minutes` before
    `now`, and its plan: {"live_session", "live_for_minutes", "posts": {slug: [[minutes, body, pinned]]}}."""
    demo, plan = ScheduleIn.model_validate_json(DEMO_SCHEDULE.read_bytes()), json.loads(DEMO_POSTS.read_text())
    live = next(event for event in demo.events if event.slug == plan["live_session"])
    shift = now.replace(second=0, microsecond=0) - timedelta(minutes=plan["live_for_minutes"]) - live.date
    for event in demo.events:
        event.date += shift  # real time, not wall-clock time
    return demo, plan


def load_demo(now=None):
    """Load the demo conference through the importer, moved in time so that one session is live
    `now`, with the posts made by then; a session already there is left as it is. Returns how many."""
    now = now or timezone.now()
    demo, plan = demo_plan(now)
    there = set(Session.objects.filter(guid__isnull=False).values_list("guid", flat=True))
    new = [event for event in demo.events if event.guid not in there]
    demo.schedule.conference.days = [ScheduleDay(rooms={"": new})]
    import_schedule(demo, "seed/schedule.json (the demo)", cancel_missing=False)
    for session in Session.objects.filter(guid__in=[event.guid for event in new]):
        for minutes, body, pinned in plan["posts"].get(session.slug, []):
            if (posted_at := session.starts_at + timedelta(minutes=minutes)) <= now:
                save_update(Update(session=session, created_at=posted_at), body=body, pinned=pinned)
    move_demo(now)
    return len(new)


def untouched_demo(session):
    """Whether a session is still the demo as loaded: a change to it, or an edit, pin or deletion
    in it, moves its version past its count of updates, and a person's post has an author."""
    updates = list(session.updates.all())
    return session.version == len(updates) and not any(update.author_id for update in updates)


def move_demo(now=None):
    """Once the demo's live session is over, move every untouched demo session (and its updates)
    so that it is live again. Returns how many moved."""
    now = now or timezone.now()
    demo, plan = demo_plan(now)
    live = Session.objects.filter(slug=plan["live_session"]).first()
    if live is None or live.starts_at <= now < live.ends_at:
        return 0
    moved = 0
    for event in demo.events:
        session = Session.objects.filter(guid=event.guid).first()
        if session is None or session.starts_at == event.date or not untouched_demo(session):
            continue
        shift = event.date - session.starts_at
        with transaction.atomic():
            Session.objects.filter(pk=session.pk).update(starts_at=F("starts_at") + shift, ends_at=F("ends_at") + shift)
            session.updates.update(created_at=F("created_at") + shift)
            forget_states(session.slug)
        moved += 1
    return moved


# --- Admin ----------------------------------------------------------------------------


class SessionLinkInline(admin.TabularInline):
    model = SessionLink
    extra = 1
    fields = ["kind", "title", "url", "from_schedule"]
    readonly_fields = ["from_schedule"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "speakers", "room", "local_start", "status_display", "update_count", "post_update_link"]
    list_filter = ["status_override", "room"]
    search_fields = ["title", "speakers", "room"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["conference", "guid"]
    filter_horizontal = ["authors"]
    inlines = [SessionLinkInline]
    actions = ["go_live", "end_session", "follow_schedule"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_update_counts()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Organisers type and read times in the session's own zone, not the server's UTC."""
        session = self.get_object(request, object_id) if object_id else None
        zone = request.POST.get("time_zone") or (session.time_zone if session else "UTC")
        with timezone.override(zone if zone in known_time_zones() else "UTC"):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return response.render() if hasattr(response, "render") else response  # render in the zone

    @admin.display(description=_("starts"), ordering="starts_at")
    def local_start(self, obj):
        return dateformat.format(timezone.localtime(obj.starts_at, obj.tzinfo), _("D j M Y, H:i T"))

    @admin.display(description=_("status"))
    def status_display(self, obj):
        by_hand = _("%(status)s (by hand)") % {"status": obj.get_status_override_display()}
        return by_hand if obj.status_override else obj.status.label

    @admin.display(description=_("updates"), ordering="update_count")
    def update_count(self, obj):
        return obj.update_count

    @admin.display(description="")
    def post_update_link(self, obj):
        url = reverse("admin:liveblog_update_add") + f"?session={obj.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("Post update"))

    def save_model(self, request, obj, form, change):
        save_session(obj)

    def _set_status(self, request, queryset, status):
        for session in queryset:
            set_status(session, status, request.user)
        count = queryset.count()
        done = ngettext("%(count)d session changed.", "%(count)d sessions changed.", count) % {"count": count}
        self.message_user(request, done, messages.SUCCESS)

    @admin.action(description=_("Go live now"), permissions=["change"])
    def go_live(self, request, queryset):
        self._set_status(request, queryset, Session.Status.LIVE)

    @admin.action(description=_("End session"), permissions=["change"])
    def end_session(self, request, queryset):
        self._set_status(request, queryset, Session.Status.ENDED)

    @admin.action(description=_("Follow the schedule (clear hand-set status)"), permissions=["change"])
    def follow_schedule(self, request, queryset):
        self._set_status(request, queryset, "auto")


class AssignmentInline(admin.TabularInline):
    model = Session.authors.through
    extra = 1
    verbose_name, verbose_name_plural = _("session to live blog"), _("sessions to live blog")


def instead_of_auths_admin(model_admin):
    admin.site.unregister(User)
    admin.site.register(User, model_admin)
    return model_admin


@instead_of_auths_admin
class AuthorAdmin(UserAdmin):
    """The users, each with the sessions they are assigned to (the other side of Session.authors)."""

    inlines = [AssignmentInline]


class ScheduleImportForm(forms.ModelForm):
    upload = forms.FileField(required=False, help_text=_("A schedule.json exported from pretalx or frab."))
    address = forms.URLField(
        required=False, assume_scheme="https", help_text=_("Or the address it is published at, to fetch it now.")
    )

    class Meta:
        model = ScheduleImport
        fields = []

    def clean(self):
        upload, address = self.cleaned_data.get("upload"), self.cleaned_data.get("address")
        if bool(upload) == bool(address):
            raise ValidationError(_("Upload a schedule.json, or give the address it is published at: one of the two."))
        if upload:
            try:
                self.document = ScheduleIn.model_validate_json(upload.read(SCHEDULE_BYTES + 1))
            except PydanticValidationError as error:
                where = ".".join(map(str, error.errors()[0]["loc"]))
                problem = f"{where}: {error.errors()[0]['msg']}"
                raise ValidationError(_("That is not a schedule.json: %(problem)s") % {"problem": problem}) from None
        return self.cleaned_data


@admin.register(ScheduleImport)
class ScheduleImportAdmin(admin.ModelAdmin):
    """Imports, each recorded; a new one from a file or an address (Add schedule import)."""

    form = ScheduleImportForm
    list_display = ["at", "conference", "source", "created", "updated", "unchanged", "cancelled", "by"]

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    def save_model(self, request, obj, form, change):
        try:
            if upload := form.cleaned_data["upload"]:
                record = import_schedule(form.document, f"upload: {upload.name}", request.user)
            else:
                record = read_schedule(form.cleaned_data["address"], request.user)
        except ScheduleUnavailable as error:
            messages.error(request, _("Nothing was imported: %(error)s") % {"error": error})
            return
        obj.pk = record.pk if record else None
        summary = record.summary if record else _("unchanged since last time")
        messages.success(request, _("Imported: %(summary)s.") % {"summary": summary})


class UpdateAdminForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["session", "body", "image", "image_alt", "pinned"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6, "autofocus": True})}

    def clean_image(self):
        image = self.cleaned_data.get("image")
        return slide_photo(image) if isinstance(image, UploadedFile) else image

    def clean_session(self):
        try:
            check_may_post(self.user, self.cleaned_data["session"])
        except Refused as refusal:
            raise ValidationError(str(refusal)) from None
        return self.cleaned_data["session"]


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    form = UpdateAdminForm
    list_display = ["__str__", "session", "pinned", "created_at", "deleted_at"]
    list_filter = ["session", "pinned", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["session"]
    search_fields = ["body", "session__title"]
    readonly_fields = ["author", "created_at", "edited_at", "deleted_at", "version", "earlier_versions"]
    actions = ["restore_updates"]

    @admin.display(description=_("earlier versions"))
    def earlier_versions(self, obj):
        def local(moment):
            return dateformat.format(timezone.localtime(moment, obj.session.tzinfo), _("j M H:i T"))

        return (
            format_html_join(
                mark_safe("<hr>"),
                "<p>{}</p><small>{} – {}</small>",
                ((r.body, local(r.written_at), local(r.replaced_at)) for r in obj.revisions.all()),
            )
            or "-"
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user  # whose sessions it may post to
        return form

    def refusal(self, request, update):
        try:
            check_may_change(request.user, update)
        except Refused as refusal:
            return str(refusal)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and self.refusal(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and self.refusal(request, obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if (update := self.get_object(request, object_id)) and (reason := self.refusal(request, update)):
            messages.warning(request, reason)  # shown read-only: say why
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if (update := self.get_object(request, object_id)) and (reason := self.refusal(request, update)):
            messages.error(request, reason)
            return HttpResponseRedirect(reverse("admin:liveblog_update_change", args=[update.pk]))
        return super().delete_view(request, object_id, extra_context)

    # The write path records each write in the log (as it does for the API and the pages).
    def log_addition(self, *args):
        pass

    log_change = log_deletion = log_deletions = log_addition

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
            save_update(obj, request.user)
        else:  # the changes through save_update, which marks an edited body as edited
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            save_update(Update.objects.get(pk=obj.pk), request.user, **changes)

    # Deleting leaves a tombstone through the cursor, so open pages drop the update.
    def delete_model(self, request, obj):
        delete_update(obj, request.user)

    def delete_queryset(self, request, queryset):
        for update in queryset.current():
            if not self.refusal(request, update):
                delete_update(update, request.user)

    @admin.action(description=_("Restore selected updates"), permissions=["change"])
    def restore_updates(self, request, queryset):
        refused = [update for update in queryset.deleted() if self.refusal(request, update)]
        restored = [restore_update(u, request.user) for u in queryset.deleted() if u not in refused]
        done = ngettext("%(count)d update restored.", "%(count)d updates restored.", len(restored))
        self.message_user(request, done % {"count": len(restored)}, messages.SUCCESS)
        if refused:
            reason = {"count": len(refused), "reason": self.refusal(request, refused[0])}
            self.message_user(request, _("%(count)d not restored: %(reason)s") % reason, messages.ERROR)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            return HttpResponseRedirect(f"{request.path}?session={obj.session_id}")
        return response


# --- API ------------------------------------------------------------------------------

CACHED_READS = {}  # route name: the query parameters its view reads (see ResponseCache)


def cacheable(*query):
    """Mark a public read that the response cache may answer again while the state of its
    session (the slug in its path) or else the conference's stays the same."""

    def mark(view):
        CACHED_READS[view.__name__] = query
        return view

    return mark


class ApiToken(models.Model):
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(
        _("prefix"), max_length=12, editable=False, help_text=_("Start of the token, to recognise it.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name, verbose_name_plural = _("API token"), _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()

    def set_new_key(self):
        """Give the token a fresh secret and return it: only its hash is kept."""
        raw = "lb_" + secrets.token_urlsafe(32)
        self.prefix, self.key_hash = raw[:10], self.hash(raw)
        return raw

    @classmethod
    def issue(cls, user, name):
        token = cls(user=user, name=name)
        raw = token.set_new_key()
        token.save()
        return token, raw

    def revoke(self, by):
        ApiToken.objects.filter(pk=self.pk).update(revoked_at=timezone.now())
        audit(by, self, CHANGE, "Revoked")

    @classmethod
    def user_for(cls, raw):
        digest = cls.hash(raw)
        token = cls.objects.select_related("user").filter(key_hash=digest, revoked_at__isnull=True).first()
        if token is None or not hmac.compare_digest(token.key_hash, digest) or not token.user.is_active:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request):  # an author's own tokens; an editor's, everyone's
        tokens = super().get_queryset(request)
        return tokens if is_editor(request.user) else tokens.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + ([] if is_editor(request.user) else ["user"])

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = obj.user if is_editor(request.user) else request.user
            raw = obj.set_new_key()
            messages.warning(request, _("Copy the token now, it is not shown again: %(token)s") % {"token": raw})
        obj.save()

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = [token.revoke(request.user) for token in queryset.filter(revoked_at__isnull=True)]
        done = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(revoked))
        self.message_user(request, done % {"count": len(revoked)}, messages.SUCCESS)


FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class ApiParser(Parser):
    """Every body this API takes is a JSON object (Ninja would read a list or a number as
    an empty object and fill in the defaults), and a JSON post fills the fields that a
    multipart form would (Ninja's Form reads request.POST alone)."""

    def parse_body(self, request):
        try:
            data = super().parse_body(request)
        except (ValueError, RecursionError):  # RecursionError: nested too deep for Python to read
            raise HttpError(400, "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise HttpError(400, "The body must be a JSON object.")
        return data

    def parse_querydict(self, data, list_fields, request):
        if data is request.POST and request.content_type == "application/json":
            fields = request.form_fields = self.parse_body(request)
            # Ninja reads a form field that is None as left out; JSON's null is a wrong value.
            if nulls := [name for name, value in fields.items() if value is None]:
                raise HttpError(422, f"{', '.join(nulls)} must not be null.")
            return fields
        if data is request.POST and request.content_type not in FORM_TYPES:
            raise HttpError(415, "Send JSON (application/json) or a multipart form (multipart/form-data).")
        return super().parse_querydict(data, list_fields, request)


app.api.parser = ApiParser()
app.api.urls_namespace = "api"
app.api.title = "liveblog API"
app.api.description = (
    "Read sessions and follow their updates with the change cursor; write with "
    "`Authorization: Bearer <token>` (get one from `POST /api/tokens`)."
)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        return ApiToken.user_for(token)


class PasswordAuth(HttpBasicAuth):
    def authenticate(self, request, username, password):
        return authenticate(request, username=username, password=password)


def posting_user(request):
    """The authenticated user, if they are an author; a 403 otherwise."""
    if not can_post(request.auth):
        raise HttpError(403, "This account may not post: an organiser adds it to the Editors or Contributors.")
    return request.auth


class ErrorOut(Schema):
    detail: str | list[dict]


def errors(*codes):
    return {code: ErrorOut for code in codes}


READ_ERRORS = errors(404, 422, 503)
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422, 429, 503)


def page_url(obj, context):
    return context["request"].build_absolute_uri(obj.get_absolute_url())


class LinkOut(Schema):
    kind: LinkKind
    title: str
    url: str


class SessionOut(Schema):
    id: int
    slug: str
    title: str
    speakers: str
    room: str
    track: str
    language: str
    description: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    status: Session.Status
    version: int
    url: str
    links: list[LinkOut]
    authors: list[str] = Field(alias="bloggers", description="Who live blogs it: its assigned authors.")

    resolve_url = staticmethod(page_url)

    @staticmethod
    def resolve_links(obj):
        return list(obj.links.all())


class UpdateOut(Schema):
    id: int
    version: int
    created_at: datetime
    edited_at: datetime | None
    pinned: bool
    body: str
    html: str
    image: str | None = Field(description="The slide photo's URL, if the update has one.")
    image_alt: str
    author: str | None = Field(alias="author_name")
    url: str

    resolve_url = staticmethod(page_url)

    @staticmethod
    def resolve_image(obj, context):
        return context["request"].build_absolute_uri(obj.image.url) if obj.image else None


class RevisionOut(Schema):
    body: str
    html: str
    written_at: datetime
    replaced_at: datetime
    edited_by: str | None = Field(alias="editor_name", description="Who replaced this text.")


class ChangesOut(Schema):
    session: SessionOut
    cursor: int
    updates: list[UpdateOut]
    deleted: list[int]


class ApiSchema(Schema, PlainText):
    """A JSON body: a field this API does not know is refused (422, naming it), not ignored."""

    model_config = ConfigDict(extra="forbid")


# An http or https address that Django's URLValidator takes as it is.
WEB_ADDRESS = (
    r"^https?://(?=[^/:]{4,253}(?:[/:]|$))([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[1-9]\d{0,3})?(/[!-~]*)?$"
)
LANGUAGE = r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$"  # a BCP 47 tag, such as de or pt-BR


class LinkIn(ApiSchema):
    kind: LinkKind = LinkKind.LINK
    title: str = text(200, one_line=True, default="")
    url: str = Field(max_length=500, pattern=WEB_ADDRESS)


class SessionIn(ApiSchema):
    title: str = text(200, blank=False, one_line=True)
    slug: str | None = Field(None, pattern=SLUG)
    speakers: str = text(200, one_line=True, default="")
    room: str = text(100, one_line=True, default="")
    track: str = text(100, one_line=True, default="")
    language: str = Field("", pattern=rf"{LANGUAGE}|^$", max_length=35)
    description: str = text(5000, default="")
    starts_at: Rfc3339Time
    minutes: int = Field(ge=1, le=7 * 24 * 60, description="How long the session lasts.")
    time_zone: TimeZoneName = Field("UTC", description="Its IANA name: times on the pages show in it.")
    status: Session.Status | None = Field(None, description="Set by hand; omit to follow the times.")
    links: list[LinkIn] = Field([], max_length=50, description="Slides, a recording, the talk's page.")


class SessionPatch(ApiSchema):
    title: str | None = text(200, blank=False, one_line=True, default=None)
    speakers: str | None = text(200, one_line=True, default=None)
    room: str | None = text(100, one_line=True, default=None)
    track: str | None = text(100, one_line=True, default=None)
    language: str | None = Field(None, pattern=rf"{LANGUAGE}|^$", max_length=35)
    description: str | None = text(5000, default=None)
    links: list[LinkIn] | None = Field(
        None, max_length=50, description="Replaces the links given by hand; those from the schedule stay."
    )
    status: Session.Status | Literal["auto"] | None = Field(
        None, description="live, ended, upcoming or cancelled to set it by hand; auto to follow the times."
    )


class UpdateIn(ApiSchema):
    """A new update: JSON, or a multipart form that may carry a slide photo instead of text."""

    body: str = text(MAX_BODY_LENGTH, default="", description="Markdown")
    pinned: bool = False
    image_alt: str = text(300, default="", description="What the slide photo shows")

    @field_validator("pinned", mode="before")
    @classmethod
    def boolean_in_json(cls, value, info):  # a form sends "true"; JSON must send true
        if info.context and info.context["request"].content_type == "application/json" and not isinstance(value, bool):
            raise ValueError("pinned must be true or false")
        return value


class UpdatePatch(ApiSchema):
    body: str = text(MAX_BODY_LENGTH, blank=False, default=None, description="Markdown")
    pinned: StrictBool = None

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["body"]}, {"required": ["pinned"]}]})

    @model_validator(mode="after")
    def something_to_change(self):
        if self.body is None and self.pinned is None:
            raise ValueError("send body, pinned, or both")
        return self


class ComposeIn(UpdateIn):
    key: IdempotencyKey = None  # the author's page sends the draft's key as a field


class TokenIn(ApiSchema):
    name: str = text(100, blank=False, one_line=True, default="API token")


class TokenOut(Schema):
    token: str
    name: str
    prefix: str


# Path parameters checked before any query: PostgreSQL refuses a NUL in text and an id
# beyond 64 bits with an error of its own.
SlugText = Annotated[str, StringConstraints(pattern=SLUG)]
UpdateId = Annotated[int, Field(ge=1, le=MAX_VERSION)]


@app.api.get("/sessions", response={200: list[SessionOut], **READ_ERRORS}, tags=["read"])
def list_sessions(request, status: Session.Status | None = None):
    sessions = Session.objects.all()
    # Evaluated here, so a database error surfaces as itself, not inside serialisation.
    return list(sessions.with_status(status) if status else sessions)


@app.api.get("/sessions/{slug}", response={200: SessionOut, **READ_ERRORS}, tags=["read"])
@cacheable()
def get_session(request, slug: SlugText):
    return get_object_or_404(Session, slug=slug)


@app.api.get("/sessions/{slug}/updates", response={200: ChangesOut, **READ_ERRORS}, tags=["read"])
@cacheable("since")
def session_updates(
    request, response: HttpResponse, slug: SlugText, since: int | None = Query(None, ge=0, le=MAX_VERSION)
):
    """Every current update, or with `since` only what changed after that cursor."""
    session = get_object_or_404(Session, slug=slug)
    cursor, updates, deleted = changes_since(session, since)
    shared_for(response, session.status)
    return {"session": session, "cursor": cursor, "updates": updates, "deleted": deleted}


@app.api.get("/updates/{update_id}/revisions", response={200: list[RevisionOut], **READ_ERRORS}, tags=["read"])
def update_revisions(request, update_id: UpdateId):
    """What an update said before each edit, the latest first (a deleted update has none to show)."""
    return list(find_update(update_id).revisions.select_related("replaced_by"))


@app.api.post("/sessions", response={201: SessionOut, **WRITE_ERRORS}, auth=TokenAuth(), tags=["write"])
def create_session(request, data: SessionIn):
    check_editor(posting_user(request), _("Only editors may create sessions."))
    fields = data.dict(exclude={"status", "slug", "minutes", "links"})
    slug = data.slug or unique_slug(data.title, data.starts_at, data.room)
    try:  # the unique slug decides a race between two creates
        with transaction.atomic():
            session = Session.objects.create(
                **fields,
                ends_at=data.starts_at + timedelta(minutes=data.minutes),
                slug=slug,
                status_override=data.status or "",
            )
            SessionLink.objects.bulk_create(SessionLink(session=session, **link.dict()) for link in data.links)
    except IntegrityError:
        raise HttpError(409, f"A session with slug {slug!r} exists already.") from None
    audit(request.auth, session, ADDITION, "Created through the API")
    session.refresh_from_db()  # times as stored, in UTC
    return Status(201, session)


@app.api.patch("/sessions/{slug}", response={200: SessionOut, **WRITE_ERRORS}, auth=TokenAuth(), tags=["write"])
def change_session(request, slug: SlugText, data: SessionPatch):
    """Change a session's details or its links, or set its status by hand (`status`)."""
    check_editor(posting_user(request), _("Only editors may change a session."))
    session = get_object_or_404(Session, slug=slug)
    changes = data.dict(exclude_none=True)
    status, links = changes.pop("status", None), changes.pop("links", None)
    for name, value in changes.items():
        setattr(session, name, value)
    with transaction.atomic():
        if links is not None:
            session.links.filter(from_schedule=False).delete()
            SessionLink.objects.bulk_create(SessionLink(session=session, **link) for link in links)
        set_status(session, status, request.auth) if status else save_session(session, request.auth)
    session.refresh_from_db()  # as stored: its links too
    return session


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    cancelled: int


@app.api.post("/schedule", response={200: ImportOut, **WRITE_ERRORS}, auth=TokenAuth(), tags=["write"])
def post_schedule(request, data: ScheduleIn):
    """Import a conference tool's schedule.json (pretalx, frab): sessions are created, updated in
    place (by the events' guids), and cancelled when their event has left the programme."""
    check_editor(posting_user(request), _("Only editors may import the schedule."))
    record = import_schedule(data, "POST /api/schedule", request.auth)
    audit(request.auth, record, ADDITION, "Imported through the API")
    return record.counts


# The same operation takes JSON, which ApiParser reads into the form's fields, or a
# multipart form with a photo. Either must carry text, or the form a photo.
JSON_UPDATE = UpdateIn.model_json_schema()  # its fields, and no others
JSON_UPDATE["required"], JSON_UPDATE["properties"]["body"]["pattern"] = ["body"], SOME_TEXT  # no photo: text
NEW_UPDATE_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "anyOf": [
                        {"required": ["body"], "properties": {"body": {"pattern": SOME_TEXT}}},
                        {"required": ["image"]},
                    ]
                },
                "encoding": {
                    "image": {"contentType": ", ".join(f"image/{k.lower()}" for k in IMAGE_FORMATS if k != "MPO")}
                },
            },
            "application/json": {"schema": JSON_UPDATE},
        }
    }
}


@app.api.post(
    "/sessions/{slug}/updates",
    response={200: UpdateOut, 201: UpdateOut, **WRITE_ERRORS, **errors(413, 415)},
    auth=TokenAuth(),
    tags=["write"],
    openapi_extra=NEW_UPDATE_BODY,
)
def post_update(
    request,
    slug: SlugText,
    data: Form[UpdateIn],
    image: File[NinjaUploadedFile] = None,
    idempotency_key: IdempotencyKey = Header(None, alias="Idempotency-Key"),
):
    """Post an update as JSON, or as a multipart form with a slide photo. With an
    `Idempotency-Key` header a retry returns the first post (200) instead of posting again."""
    author = posting_user(request)
    # Ninja's Form drops the fields it does not know. A JSON body says it takes no others
    # (additionalProperties: false), so a typo there is refused; a multipart form may carry others.
    if unknown := sorted(set(getattr(request, "form_fields", ())) - set(UpdateIn.model_fields)):
        raise HttpError(
            422, f"Unknown field(s): {', '.join(unknown)}; this operation takes {', '.join(UpdateIn.model_fields)}."
        )
    session = get_object_or_404(Session, slug=slug)
    check_may_post(author, session)
    update, created = post_new_update(session, author, data, image, idempotency_key)
    return Status(201 if created else 200, update)


@app.api.patch("/updates/{update_id}", response={200: UpdateOut, **WRITE_ERRORS}, auth=TokenAuth(), tags=["write"])
def change_update(request, update_id: UpdateId, data: UpdatePatch):
    update = find_update(update_id)
    check_may_change(posting_user(request), update)
    return save_update(update, request.auth, **data.dict(exclude_none=True))


@app.api.delete("/updates/{update_id}", response={204: None, **WRITE_ERRORS}, auth=TokenAuth(), tags=["write"])
def remove_update(request, update_id: UpdateId):
    update = find_update(update_id)
    check_may_change(posting_user(request), update)
    delete_update(update, request.auth)
    return Status(204, None)


@app.api.post("/tokens", response={201: TokenOut, **WRITE_ERRORS}, auth=PasswordAuth(), tags=["tokens"])
def create_token(request, data: TokenIn = Body(None)):
    """A new token for the user of these credentials; the body, {"name": ...}, may be left out."""
    user = posting_user(request)
    token, raw = ApiToken.issue(user, data.name if data else "API token")
    audit(user, token, ADDITION, "Made through the API")
    return Status(201, {"token": raw, "name": token.name, "prefix": token.prefix})


@app.api.delete(
    "/tokens/{prefix}", response={204: None, **WRITE_ERRORS}, auth=[TokenAuth(), PasswordAuth()], tags=["tokens"]
)
def revoke_token(request, prefix: Annotated[str, StringConstraints(pattern=r"^lb_[-_a-zA-Z0-9]{7}$")]):
    """Revoke a token by its prefix: an author's own, or as an editor anyone's."""
    user = posting_user(request)
    tokens = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
    token = get_object_or_404(tokens if is_editor(user) else tokens.filter(user=user))
    token.revoke(user)
    return Status(204, None)


@app.api.exception_handler(Refused)
def refused(request, exc):
    return JsonResponse({"detail": str(exc)}, status=exc.status)


@app.api.exception_handler(OperationalError)
@app.api.exception_handler(InterfaceError)
def api_database_unavailable(request, exc):
    return database_unavailable(request)


@app.api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    basic = request.path.endswith("/tokens")
    detail = (
        "Send the username and password of an account that may post (HTTP Basic)."
        if basic
        else "Send a valid token: 'Authorization: Bearer <token>'."
    )
    response = JsonResponse({"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Basic realm="liveblog"' if basic else 'Bearer realm="liveblog"'
    return response


# --- The baked archive ----------------------------------------------------------------
# `LIVEBLOG_BAKE=ended nanodjango manage liveblog.py distill generate --output-directory site
# --collectstatic --force` writes the pages, feeds and notes of the ended sessions (or all: =all).


def published_sessions():
    """Every session, or in an archive baked with LIVEBLOG_BAKE=ended the ended ones alone."""
    sessions = Session.objects.all()
    return sessions.with_status(Session.Status.ENDED) if BAKE == "ended" else sessions


# Generators, not lists: django-distill draws a route once without arguments (and fails)
# when its function returns an empty list.
def baked_slugs():
    yield from ({"slug": slug} for slug in published_sessions().values_list("slug", flat=True))


def baked_pages():
    """Each published session's pages after its first: the update each starts after."""
    for session in published_sessions():
        ids = list(session.updates.current().order_by("-created_at", "-id").values_list("pk", flat=True))
        yield from ({"slug": session.slug, "before": ids[n]} for n in range(PAGE_SIZE - 1, len(ids) - 1, PAGE_SIZE))


def baked_media():
    photos = Update.objects.current().filter(session__in=published_sessions()).exclude(image="")
    yield from ({"path": name} for name in photos.values_list("image", flat=True))


# --- Pages and fragments --------------------------------------------------------------


@app.templatetag.simple_tag
def timestamp(moment, time_format):
    """A <time> of a moment in the active time zone and the interface's format, for a sentence."""
    when = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return format_html(
        '<time datetime="{}">{}</time>', when, dateformat.format(timezone.localtime(moment), time_format)
    )


@app.templatetag.simple_tag
def content_language(session):
    """lang="…" for what is written in the session's own language (its title, description and
    updates), and dir where that language's direction differs from the page's."""
    if not re.match(LANGUAGE, session.language or ""):
        return ""
    rtl = session.language.split("-")[0].lower() in settings.LANGUAGES_BIDI
    direction = "" if rtl == translation.get_language_bidi() else ["ltr", "rtl"][rtl]
    return format_html(' lang="{}"{}', session.language, format_html(' dir="{}"', direction) if direction else "")


def shared_for(response, status=Session.Status.LIVE):
    """Say how long a shared cache (a CDN) may keep a public answer: seconds while the
    session (or, without one, the conference) may change, longer once it is over."""
    max_age, s_maxage, stale = {
        Session.Status.ENDED: (300, 3600, 86400),
        Session.Status.UPCOMING: (0, POLL_SECONDS * 3, POLL_SECONDS * 6),
    }.get(status, (0, max(1, POLL_SECONDS // 2), POLL_SECONDS))
    patch_cache_control(
        response, public=True, max_age=max_age, s_maxage=s_maxage, stale_while_revalidate=stale, stale_if_error=86400
    )
    return response


def by_local_day(sessions):
    """[(day, sessions)] in the order given, each session under the day it starts on where it is."""
    days = defaultdict(list)
    for session in sessions:
        days[timezone.localtime(session.starts_at, session.tzinfo).date()].append(session)
    return list(days.items())


SCHEDULE_SECTIONS = [
    (Session.Status.LIVE, _("Live now")),
    (Session.Status.UPCOMING, _("Upcoming")),
    (Session.Status.ENDED, _("Earlier")),
]


def now_and_next(sessions):
    """The board, from sessions in the schedule's (start) order: {"rooms": [(room, the live session,
    the next one)]} for every room with either, and how often an open page asks for it again."""
    rooms = defaultdict(lambda: [None, None])
    for session in sessions:
        slot = {Session.Status.LIVE: 0, Session.Status.UPCOMING: 1}.get(session.status)
        if session.room and slot is not None and rooms[session.room][slot] is None:
            rooms[session.room][slot] = session
    return {
        "rooms": [(room, *slots) for room, slots in sorted(rooms.items())],
        "board_seconds": None if BAKE else SLOW_POLL_SECONDS,
    }


@app.route("/", name="schedule", distill_file="index.html")
@cacheable()
@require_safe
def schedule(request):
    sessions, now = list(published_sessions().with_update_counts()), timezone.now()
    for session in sessions:  # a cancelled one stands where its times put it, struck through
        session.section = schedule_status(
            session.status_override.replace("cancelled", ""), session.starts_at, session.ends_at, now
        )
    sections = [
        {"status": status, "title": title, "days": by_local_day(s for s in sessions if s.section == status)}
        for status, title in SCHEDULE_SECTIONS
    ]
    sections[-1]["days"].reverse()  # the most recent day first
    if BAKE:  # an archive has no "now": only the sections it has sessions in
        sections = [section for section in sections if section["days"]]
    card_photo = Update.objects.current().filter(session__in=published_sessions()).exclude(image="").last()
    context = {"sections": sections, "baked": BAKE, "card_photo": card_photo, **now_and_next(sessions)}
    return shared_for(render(request, "liveblog/schedule.html", context))


@app.route("/jsi18n.js", name="javascript_catalog", distill_file="jsi18n.js")
@require_safe
@cache_control(public=True, max_age=3600)
def javascript_catalog(request):
    """The scripts' words in the interface's language (locale/*/djangojs.po), with its plural rule."""
    return JavaScriptCatalog.as_view()(request)


@app.route("/board/", name="board")
@cacheable()
@require_safe
def board(request):
    """The schedule page's poll: its now-and-next board alone, for every reader at once."""
    if not request.htmx:  # a person opened the poll URL
        response = HttpResponseRedirect(reverse("schedule") + "#now-next")
    else:
        response = shared_for(render(request, "liveblog/_partials.html#board", now_and_next(published_sessions())))
    patch_vary_headers(response, ["HX-Request"])
    return response


SEARCH_RESULTS = 50  # the newest matches; more words narrow them


def search_updates(query):
    """The newest current updates of the published sessions that hold every word of the query, in
    their text or their session's title or speakers, and the terms to mark. PostgreSQL matches
    English stems through its full-text index; elsewhere a word matches as a substring."""
    words = re.findall(r"\w+", query)[:10]
    updates = Update.objects.current().filter(session__in=published_sessions()).select_related("session")
    if not words:
        return [], []
    if connection.vendor != "postgresql":
        for word in words:
            updates = updates.filter(
                Q(body__icontains=word) | Q(session__title__icontains=word) | Q(session__speakers__icontains=word)
            )
        return list(updates.order_by("-created_at")[:SEARCH_RESULTS]), words
    every_word = SearchQuery(" ".join(words), config="english")
    any_word = reduce(or_, (SearchQuery(word, config="english") for word in words))
    named = Session.objects.annotate(found=SearchVector("title", "speakers", config="english")).filter(found=any_word)
    # Every word in the text (indexed), or across all three in a session a word names (ids: both indexes serve).
    updates = updates.annotate(
        in_body=SearchVector("body", config="english"),
        in_all=SearchVector("body", "session__title", "session__speakers", config="english"),
    )
    updates = updates.filter(
        Q(in_body=every_word) | Q(session__in=list(named.values_list("pk", flat=True)), in_all=every_word)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(tsvector_to_array(to_tsvector('english', %s)))", [" ".join(words)])
        stems = [stem for (stem,) in cursor.fetchall()]
    return list(updates.order_by("-created_at")[:SEARCH_RESULTS]), words + stems


def marked(text, terms):
    """Plain text made safe for a page, with every word that holds a search term in <mark>."""
    holds_a_term = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE)
    pieces = re.split(r"(\w+)", text)  # words at odd places, each searched once: linear in the text
    return mark_safe(
        "".join(
            f"<mark>{html.escape(piece)}</mark>" if odd % 2 and holds_a_term.search(piece) else html.escape(piece)
            for odd, piece in enumerate(pieces)
        )
    )


@app.route("/search/", name="search")
@require_safe
def search(request):
    """Search every session's updates, titles and speakers: a plain form and its results."""
    query = request.GET.get("q", "")[:200].strip()
    updates, terms = search_updates(query)
    results = [(u, *(marked(text, terms) for text in (u.session.title, u.session.speakers, u.text))) for u in updates]
    context = {"query": query, "limit": SEARCH_RESULTS, "results": results}
    return shared_for(render(request, "liveblog/search.html", context))


def poll_seconds(session):
    """How often an open page asks for changes: slowly until live, never once ended."""
    if BAKE or session.status in (Session.Status.ENDED, Session.Status.CANCELLED):
        return None  # a baked page is plain files: there is no server to ask
    return POLL_SECONDS if session.status == Session.Status.LIVE else SLOW_POLL_SECONDS


def live_context(session, since=None):
    cursor, updates, deleted = changes_since(session, since)
    return {
        "session": session,
        "cursor": cursor,
        "updates": updates,
        "deleted": deleted,
        "poll_seconds": poll_seconds(session),
    }


def reader_context(request, session, boundary=None):
    """What the session page and its embed draw: every key moment, and a page of updates in the
    reader's order, from the start or after the update `boundary` (where the last page ended),
    with the update the next page starts after (`more`). The cursor is read first, as changes_since does."""
    order = "oldest" if request.GET.get("order") == "oldest" else "newest"
    cursor = Session.objects.values_list("version", flat=True).get(pk=session.pk)
    # version + 0: bounded by the cursor, but walked in the order of the (session, created_at, id)
    # index, so the first page of 5,000 updates costs what the first of 50 does (no sort).
    current = Update.objects.alias(v=F("version") + 0).filter(session=session, v__lte=cursor).current()
    current = current.select_related("author")
    ordered = current.order_by(*(["-created_at", "-id"] if order == "newest" else ["created_at", "id"]))
    page = ordered
    if boundary is not None:
        at = get_object_or_404(Update.objects.filter(session=session), pk=boundary).created_at
        if order == "newest":
            page = page.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=boundary))
        else:
            page = page.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=boundary))
    page = with_session(page[: PAGE_SIZE + 1], session)
    return {
        "session": session,
        "cursor": cursor,
        "updates": page[:PAGE_SIZE],
        "more": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        "key_moments": with_session(ordered.filter(pinned=True), session),
        "card_photo": current.exclude(image="").order_by("-created_at", "-id").first(),
        "poll_seconds": poll_seconds(session),
        "order": order,
        "baked": BAKE,
    }


def page_holding(update):
    """The update the session's page holding this one starts after (None: the first page)."""
    ids = list(update.session.updates.current().order_by("-created_at", "-id").values_list("pk", flat=True))
    first = ids.index(update.pk) // PAGE_SIZE * PAGE_SIZE if update.pk in ids else 0
    return ids[first - 1] if first else None


@app.route("/sessions/<slug:slug>/", name="session_page", distill_func=baked_slugs)
@cacheable("order", "before", "after")
@require_safe
def session_page(request, slug, before=None):
    """The page every reader shares, or for an author the same with the desk. Earlier updates
    (later ones, oldest first) are pages of their own: ?before=N (?order=oldest&after=N), where N
    is the update the last page ended at; htmx asks for the next page's items alone."""
    session = get_object_or_404(Session, slug=slug)
    boundary = request.GET.get("after" if "after" in request.GET else "before")
    if before is None and boundary is not None and (before := parse_cursor(boundary)) is None:
        return HttpResponseBadRequest("before and after take an update's id.", content_type="text/plain")
    user = getattr(request, "user", None)  # a baked page's request has no user
    author = is_assigned(user, session)  # the desk, on an author's own sessions
    context = {**reader_context(request, session, before), "author": author}
    if request.htmx and before is not None:
        response = render(request, "liveblog/_partials.html#next_page", context)
    else:
        if author:
            context.update(AUTHOR_DESK, editor=is_editor(user))
        response = render(request, "liveblog/session.html", context)
    patch_vary_headers(response, ["HX-Request"])
    if author:
        add_never_cache_headers(response)
        return response
    return shared_for(response, session.status)


@app.route("/sessions/<slug:slug>/before/<int:before>/", name="earlier_updates", distill_func=baked_pages)
@cacheable()
@require_safe
def earlier_updates(request, slug, before):
    """The pages of ?before=N at addresses of their own: what the baked archive links to."""
    return session_page(request, slug, before)


@app.route("/sessions/<slug:slug>/changes/<str:since>/", name="session_changes")
@cacheable()
@require_safe
def session_changes(request, slug, since):
    """The htmx poll: what changed since cursor N, drawn with the page's partials (the cursor is in
    the path, not the query string, so every CDN keys its cache on it)."""
    since = parse_cursor(since)
    if since is None:
        return HttpResponseBadRequest("The cursor must be a non-negative integer.", content_type="text/plain")
    if not request.htmx:  # a person opened the poll URL
        response = HttpResponseRedirect(reverse("session_page", args=[slug]))
    else:
        session = get_object_or_404(Session, slug=slug)
        context = live_context(session, since)
        # The swapped-in poller says the session ended.
        status = HTMX_STOP_POLLING if context["poll_seconds"] is None else 200
        response = shared_for(
            render(request, "liveblog/_partials.html#changes", context, status=status), session.status
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


def parse_cursor(value):
    if len(value) <= len(str(MAX_VERSION)) and value.isascii() and value.isdigit() and int(value) <= MAX_VERSION:
        return int(value)
    return None


# --- The author's seat: post, preview, pin, edit, delete and undo from the page -----------
# Signed-in authors use the session cookie and CSRF; each action writes through the change
# cursor and answers with the changed items for the author's own page (live.js applies
# them as it applies a poll), while readers' pages learn of it from their next poll.


@app.route("/login/", name="login")
def login(request):
    return LoginView.as_view(template_name="liveblog/login.html", redirect_authenticated_user=True)(request)


@app.route("/logout/", name="logout")
def logout(request):
    return LogoutView.as_view(next_page="schedule")(request)


def author_required(view):
    """A page for authors: signed-out readers are sent to sign in (GET) or refused (403)."""

    @wraps(view)
    def check(request, *args, **kwargs):
        if not request.user.is_authenticated and request.method == "GET" and not request.htmx:
            return redirect_to_login(request.get_full_path())
        if not can_post(request.user):
            return HttpResponseForbidden(
                _("Only authors may do this: sign in with an account that may post."),
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return check


def author_result(request, session, updates=(), deleted=(), undo=None, status=200):
    """The changes an author just made, drawn as a poll draws them; a plain form post
    (no JavaScript) goes back to the page instead."""
    if not request.htmx:
        return HttpResponseRedirect(session.get_absolute_url())
    context = {"session": session, "updates": with_session(updates, session), "deleted": deleted, "undo": undo}
    return render(request, "liveblog/_partials.html#author_result", context, status=status)


def author_error(message, status=422):
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def author_input(schema, request):
    """The fields of the author's form, checked as the API checks them."""
    try:
        return schema.model_validate({name: request.POST[name] for name in schema.model_fields if name in request.POST})
    except PydanticValidationError as error:
        raise Refused(
            " ".join(f"{e['loc'][0]}: {e['msg'].removeprefix('Value error, ')}." for e in error.errors())
        ) from None


def plain_text_errors(view):
    """What went wrong, as text the author's page shows beside the box."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as error:
            return author_error(str(error), error.status)

    return answer


def author_action(view):
    return require_POST(author_required(plain_text_errors(view)))


@app.route("/sessions/<slug:slug>/updates/", name="author_post")
@author_action
def author_post(request, slug):
    session = get_object_or_404(Session, slug=slug)
    check_may_post(request.user, session)
    data = author_input(ComposeIn, request)
    update, created = post_new_update(session, request.user, data, request.FILES.get("image"), data.key)
    return author_result(request, session, [update], status=201 if created else 200)


@app.route("/sessions/<slug:slug>/preview/", name="author_preview")
@author_action
def author_preview(request, slug):
    check_may_post(request.user, get_object_or_404(Session, slug=slug))
    body = author_input(UpdateIn, request).body  # the checks a post would meet; an empty box previews as empty
    nothing = format_html('<p class="empty">{}</p>', _("Nothing to preview yet."))
    return HttpResponse(for_readers(render_markdown(body)) or nothing)


@app.route("/sessions/<slug:slug>/status/", name="author_status")
@author_action
def author_status(request, slug):
    """Go live, end, or follow the schedule again; the page reloads to show it."""
    session = get_object_or_404(Session, slug=slug)
    check_editor(request.user, _("Only editors may set a session's status."))
    if (status := request.POST.get("status", "")) not in {"live", "ended", "auto"}:
        return author_error(_("The status must be live, ended or auto."))
    set_status(session, status, request.user)
    if not request.htmx:
        return HttpResponseRedirect(session.get_absolute_url())
    return HttpResponseClientRefresh()


@app.route("/updates/<int:pk>/edit/", name="author_edit")
@require_http_methods(["GET", "POST"])
@author_required
@plain_text_errors
def author_edit(request, pk):
    update = find_update(pk)
    check_may_change(request.user, update)
    if request.method == "GET":
        return render(request, "liveblog/_partials.html#edit_form", {"update": update, **AUTHOR_DESK})
    body = author_input(UpdateIn, request).body
    if not body and not update.image:  # a photo may stand alone
        return author_error(EMPTY_UPDATE)
    return author_result(request, update.session, [save_update(update, request.user, body=body)])


@app.route("/updates/<int:pk>/pin/", name="author_pin")
@author_action
def author_pin(request, pk):
    update = find_update(pk)
    check_may_change(request.user, update)
    pinned = request.POST.get("pinned") == "true"
    return author_result(request, update.session, [save_update(update, request.user, pinned=pinned)])


@app.route("/updates/<int:pk>/delete/", name="author_delete")
@author_action
def author_delete(request, pk):
    check_may_change(request.user, update := find_update(pk))
    delete_update(update, request.user)
    return author_result(request, update.session, deleted=[update.pk], undo=update)


@app.route("/updates/<int:pk>/restore/", name="author_restore")
@author_action
def author_restore(request, pk):
    check_may_change(request.user, update := find_update(pk, deleted=True))
    return author_result(request, update.session, [restore_update(update, request.user)])


@app.route("/my/", name="my_sessions")
@require_safe
@never_cache
@login_required
def my_sessions(request):
    """Where an author lands after signing in: their sessions (an editor's: all), live first, then
    upcoming, each with a link to its desk."""
    sessions = Session.objects.all() if is_editor(request.user) else request.user.sessions_blogged.all()
    rank = [Session.Status.LIVE, Session.Status.UPCOMING, Session.Status.ENDED, Session.Status.CANCELLED]
    sessions = sorted(sessions, key=lambda session: rank.index(session.status))  # by start within each
    context = {"sessions": sessions, "author": can_post(request.user), "editor": is_editor(request.user)}
    return render(request, "liveblog/my_sessions.html", context)


# --- Slide photos -----------------------------------------------------------------------
# Served by the app itself (their names are random and never reused, so caches may keep
# them for good); LIVEBLOG_SERVE_MEDIA=0 when the web server serves MEDIA_ROOT instead.


@app.route("/media/<path:path>", name="media", distill_func=baked_media)
@require_safe
def media(request, path):
    if not SERVE_MEDIA:
        raise Http404("Slide photos are served by the web server.")
    if len(path) > 200:  # the names it writes are short; a long one would fail in the file system
        raise Http404("No such photo.")
    response = serve_static(request, path, document_root=settings.MEDIA_ROOT)
    patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    return response


@app.route("/favicon.ico", name="favicon", distill_file="favicon.ico")
@require_safe
def favicon(request):
    """Browsers, feed readers and crawlers ask for /favicon.ico whatever a page links to."""
    icon = open(finders.find("liveblog/favicon.ico"), "rb")  # noqa: SIM115 (FileResponse closes it)
    response = FileResponse(icon, content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=86400)
    return response


# --- Sharing: a page per update, link previews, structured data, embeds -----------------


def absolute_url(request, path):
    """An address that works where it is shared: on LIVEBLOG_SITE_URL, else on the host asked for."""
    return f"{SITE_URL}{path}" if SITE_URL else request.build_absolute_uri(path)


@app.templatetag.simple_tag
def conference():
    """The conference's name, logo and accent colour, for every page's header and title."""
    return {"name": conference_name(), "logo": CONFERENCE_LOGO, "accent": ACCENT}


@app.templatetag.simple_tag(takes_context=True)
def absolute(context, path):
    return absolute_url(context["request"], path)


LIVE_BLOG_UPDATES = 50  # the newest, in a session page's structured data
JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}  # as django.utils.html.json_script


@app.templatetag.simple_tag(takes_context=True)
def live_blog_posting(context, session, updates):
    """schema.org's LiveBlogPosting as JSON-LD: how search engines read live coverage."""
    request, newest = context["request"], sorted(updates, key=attrgetter("created_at"), reverse=True)
    iso = partial(datetime.isoformat, timespec="seconds")
    posting = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": session.title,
        "description": session.summary,
        "url": absolute_url(request, session.get_absolute_url()),
        "coverageStartTime": iso(session.starts_at),
        "coverageEndTime": iso(session.ends_at),
        "about": {
            "@type": "Event",
            "name": session.title,
            "startDate": iso(session.starts_at),
            "endDate": iso(session.ends_at),
            "eventStatus": f"https://schema.org/Event{'Cancelled' if session.status == 'cancelled' else 'Scheduled'}",
            **({"location": {"@type": "Place", "name": session.room}} if session.room else {}),
            "subjectOf": [
                {"@type": "CreativeWork", "name": str(link), "url": link.url} for link in session.links.all()
            ],
        },
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": update.headline,
                "articleBody": update.text,
                "datePublished": iso(update.created_at),
                "url": absolute_url(request, update.get_absolute_url()),
                **({"dateModified": iso(update.edited_at)} if update.edited_at else {}),
                **({"image": absolute_url(request, update.image.url)} if update.image else {}),
                **({"author": {"@type": "Person", "name": update.author_name}} if update.author else {}),
            }
            for update in newest[:LIVE_BLOG_UPDATES]
        ],
    }
    return format_html(
        '<script type="application/ld+json">{}</script>', mark_safe(json.dumps(posting).translate(JSON_IN_HTML))
    )


def baked_updates():
    updates = Update.objects.current().filter(session__in=published_sessions())
    yield from ({"slug": slug, "pk": pk} for slug, pk in updates.values_list("session__slug", "pk"))


@app.route("/sessions/<slug:slug>/updates/<int:pk>/", name="update_page", distill_func=baked_updates)
@cacheable()
@require_safe
def update_page(request, slug, pk):
    """One update in its session's context, with a link preview of its own; 410 once deleted."""
    update = get_object_or_404(Update.objects.select_related("session", "author"), pk=pk)
    if update.session.slug != slug:  # moved to another session: its old link follows it
        get_object_or_404(MovedUpdate, update=update, session__slug=slug)
        return HttpResponsePermanentRedirect(update.get_absolute_url())
    context = {"session": update.session, "update": update, "baked": BAKE, "page_before": page_holding(update)}
    response = render(request, "liveblog/update.html", context, status=410 if update.is_deleted else 200)
    return shared_for(response, update.session.status)


EMBED_FRAMING = {"frame-ancestors": EMBED_ORIGINS or ["'none'"]}


@app.route("/sessions/<slug:slug>/embed/", name="session_embed")
@cacheable("order")
@require_safe
@xframe_options_exempt
@csp_replace(EMBED_FRAMING)
def session_embed(request, slug):
    """The live updates alone, for the sites in LIVEBLOG_EMBED_ORIGINS to frame (and no
    other page may be framed): the same polls, and the same caching, as the page."""
    session = get_object_or_404(Session, slug=slug)
    return shared_for(render(request, "liveblog/embed.html", reader_context(request, session)), session.status)


# --- Feeds, calendars and Markdown notes ----------------------------------------------

FEED_LENGTH = 100


class AtomWithContent(Atom1Feed):
    """Atom with each update in <content>, where feed readers look for the full text
    (Django's Atom1Feed puts an item's description in <summary>)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        handler.addQuickElement("content", item["description"], {"type": "html"})

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for title, url in self.feed.get("links", ()):  # a session's slides, recording, the talk's page
            handler.addQuickElement("link", "", {"rel": "related", "href": url, "title": title})


class UpdatesFeed(Feed):
    """An Atom feed of current updates; an edit republishes an update with its new time."""

    feed_type = AtomWithContent
    description_template = "liveblog/_partials.html#feed_item"  # the update, and its photo by absolute URL

    def item_title(self, update):
        return update.headline

    def item_pubdate(self, update):
        return update.created_at

    def item_updateddate(self, update):
        return update.edited_at or update.created_at

    def get_feed(self, obj, request):
        self.request = request  # for links on LIVEBLOG_SITE_URL where it is set, as every page's
        return super().get_feed(obj, request)

    def feed_url(self):
        return absolute_url(self.request, self.request.path)

    def item_link(self, update):
        return absolute_url(self.request, update.get_absolute_url())

    def item_author_name(self, update):
        return update.author_name

    def author_name(self):  # RFC 4287: entries without an author take the feed's
        return conference_name()


class SessionFeed(UpdatesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Session, slug=slug)

    def title(self, session):
        return session.title

    def subtitle(self, session):
        return " · ".join(filter(None, [session.speakers, session.room]))

    def link(self, session):
        return absolute_url(self.request, session.get_absolute_url())

    def feed_extra_kwargs(self, session):
        return {"links": [(str(link), link.url) for link in session.links.all()]}

    def items(self, session):
        return with_session(
            session.updates.current().select_related("author").order_by("-created_at")[:FEED_LENGTH], session
        )


class ConferenceFeed(UpdatesFeed):
    subtitle = _("The latest updates from every session.")

    def title(self):
        return _("%(conference)s: every session") % {"conference": conference_name()}

    def link(self):
        return absolute_url(self.request, reverse("schedule"))

    def item_title(self, update):
        return f"{update.session.title}: {super().item_title(update)}"

    def items(self):
        return (
            Update.objects.current()
            .filter(session__in=published_sessions())
            .select_related("session", "author")
            .order_by("-created_at")[:FEED_LENGTH]
        )


@app.route("/feed.xml", name="conference_feed", distill=True)
@cacheable()
def conference_feed(request):
    return shared_for(ConferenceFeed()(request))


@app.route("/sessions/<slug:slug>/feed.xml", name="session_feed", distill_func=baked_slugs)
@cacheable()
def session_feed(request, slug):
    return shared_for(SessionFeed()(request, slug=slug), get_object_or_404(Session, slug=slug).status)


def image_link_markdown(address, alt):
    return "[{}]({})".format(_("Image: %(alt)s") % {"alt": alt or _("slide photo")}, address)


def images_as_links(markdown_text):
    return re.sub(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)", lambda m: image_link_markdown(m[2], m[1]), markdown_text)


def update_as_markdown(update):
    """An update's Markdown with every image, the slide photo too, as a link."""
    text = images_as_links(update.body)
    if update.image:
        text = f"{text}\n\n{image_link_markdown(update.image.url, update.image_alt)}".strip()
    return text


def markdown_notes(sessions, heading_level):
    """Sessions as Markdown notes, each update under its local time, images as links."""
    notes = []
    for session in sessions:
        updates = with_session(session.updates.current(), session)
        for update in updates:
            update.markdown = update_as_markdown(update)
        notes.append(
            render_to_string(
                "liveblog/_session.md",
                {"session": session, "updates": updates, "h": "#" * heading_level, "hh": "#" * (heading_level + 1)},
            ).strip()
            + "\n"
        )
    return "\n".join(notes)


def markdown_response(text):
    return HttpResponse(text, content_type="text/markdown; charset=utf-8")


@app.route("/sessions/<slug:slug>.md", name="session_markdown", distill_func=baked_slugs)
@cacheable()
@require_safe
def session_markdown(request, slug):
    session = get_object_or_404(Session, slug=slug)
    return shared_for(markdown_response(markdown_notes([session], heading_level=1)), session.status)


@app.route("/conference.md", name="conference_markdown", distill=True)
@cacheable()
@require_safe
def conference_markdown(request):
    """Every session's notes, day by day in each session's own time zone."""
    days = (
        f"\n## {dateformat.format(day, _('l j F Y'))}\n\n" + markdown_notes(sessions, heading_level=3)
        for day, sessions in by_local_day(published_sessions())
    )
    heading = _("%(conference)s notes") % {"conference": conference_name()}
    return shared_for(markdown_response(f"# {heading}\n" + "".join(days)))


def calendar_response(request, sessions, name):
    """Sessions as iCalendar events (RFC 5545), for calendar apps to subscribe to."""
    host, now = urlsplit(absolute_url(request, "/")).hostname, timezone.now()
    events = [
        icalendar.Event.new(
            uid=f"session-{session.pk}@{host}",
            summary=session.title,
            location=session.room or None,
            stamp=now,
            start=session.starts_at,
            end=session.ends_at,
            url=absolute_url(request, session.get_absolute_url()),
            status="CANCELLED" if session.status == Session.Status.CANCELLED else "CONFIRMED",
            description="\n\n".join(
                filter(
                    None,
                    [session.speakers, session.description, *(f"{link}: {link.url}" for link in session.links.all())],
                )
            )
            or None,
        )
        for session in sessions
    ]
    calendar = icalendar.Calendar.new(
        prodid="-//liveblog//schedule//EN", name=name, uid=absolute_url(request, request.path), subcomponents=events
    )
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")


@app.route("/schedule.ics", name="conference_calendar", distill_file="schedule.ics")
@cacheable()
@require_safe
def conference_calendar(request):
    return shared_for(calendar_response(request, published_sessions(), conference_name()))


@app.route("/sessions/<slug:slug>.ics", name="session_calendar", distill_func=baked_slugs)
@cacheable()
@require_safe
def session_calendar(request, slug):
    session = get_object_or_404(Session, slug=slug)
    return shared_for(calendar_response(request, Session.objects.filter(pk=session.pk), session.title), session.status)


# --- HTTP: the response cache in front of Django ------------------------------------------
# A public GET or HEAD that Django answered for the current state of what it shows (a session's
# or the conference's) is answered again from memory before Django runs, a 304 too. Signed-in
# users, credentials, writes, bodies and unknown sessions go through Django.


class CommitWatch(threading.local):
    """Without Redis each process caches states of its own. On SQLite, PRAGMA data_version on a
    connection kept open changes whenever another connection commits; asked before a state is
    read (microseconds: it reads the WAL index in shared memory), it tells the process to drop its
    states, so every process sees a write at its next request. One connection a thread: a lock
    around a shared one made the server's threads queue for it (py-spy: 17% of a worker's time)."""

    pid = seen = None

    def check(self):
        if self.pid != os.getpid():  # opened by the process that asks: a forked worker shares nothing
            self.pid, name = os.getpid(), str(connection.settings_dict["NAME"])
            self.db = sqlite3.connect(name, check_same_thread=False) if os.path.isfile(name) else None
        version = self.db.execute("PRAGMA data_version").fetchone()[0] if self.db else None
        if version != self.seen:
            self.seen = version
            LOCAL_STATES.clear()
            cache.delete(CONFERENCE_NAME_KEY)


COMMITS = CommitWatch() if COMMIT_WATCH and not REDIS_URL and DATABASE_URL.startswith("sqlite") else None


def cached_states(key, read_rows):
    """The conference's name and rows of (..., hand-set status, start, end), each as (..., start,
    end, status as of now): all a public read depends on. Cached under key for VERSION_TTL (one
    cache call on a hit); a commit drops it."""
    if COMMITS:
        COMMITS.check()
    expiry, cached = (0, cache.get(key)) if REDIS_URL else LOCAL_STATES.get(key, (0, None))
    if cached is None or (expiry and expiry < time.monotonic()):
        rows = [
            (*head, override, starts.timestamp(), ends.timestamp()) for *head, override, starts, ends in read_rows()
        ]
        cached = (conference_name(), rows)
        if REDIS_URL:
            cache.set(key, cached, VERSION_TTL)
        else:
            if len(LOCAL_STATES) > 10_000:  # slugs of sessions that do not exist, say: start again
                LOCAL_STATES.clear()
            LOCAL_STATES[key] = (time.monotonic() + VERSION_TTL, cached)
    name, rows = cached
    now = time.time()  # the times too: the demo moves in time without a new version
    return name, tuple(
        (*head, starts, ends, schedule_status(override, starts, ends, now)) for *head, override, starts, ends in rows
    )


def session_state(slug):
    """(conference name, (id, version, start, end, status)) of a session, else Http404 (and for
    VERSION_TTL, or till it is made)."""
    fields = ["id", "version", "status_override", "starts_at", "ends_at"]
    name, rows = cached_states(state_key(slug), lambda: Session.objects.filter(slug=slug).values_list(*fields))
    if not rows:
        raise Http404("No such session.")
    return name, rows[0]


def conference_state():
    """The state of every session at once: what the schedule, the conference feed and notes show."""
    return cached_states(
        CONFERENCE_STATE, lambda: published_sessions().values_list("version", "status_override", "starts_at", "ends_at")
    )


ENTRY_BYTES = 4096  # what an answer kept costs beside its body: its key, headers and their objects (bench/pages.py)
KEPT_IN_A_304 = {"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"}  # RFC 9110
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


@lru_cache(maxsize=4096)
def read_route(path):
    """(slug or None, the query parameters its view reads) for a route marked @cacheable, else None."""
    try:
        match = resolve(path)
    except Http404:
        return None
    if (query := CACHED_READS.get(match.url_name)) is None:
        return None
    return match.kwargs.get("slug"), query


class ResponseCache:
    """The WSGI application in front of Django's, answering what it can from memory: least
    recently used answers go first once they fill RESPONSE_CACHE_MB. Threads share it."""

    def __init__(self, django, max_bytes=RESPONSE_CACHE_MB * 1024 * 1024):
        self.django, self.max_bytes, self.size = django, max_bytes, 0
        self.responses = OrderedDict()
        self.lock = threading.Lock()
        self.signed_in = f"{settings.SESSION_COOKIE_NAME}="

    def __call__(self, environ, start_response):
        key = self.key(environ)
        if key is None:
            return self.django(environ, start_response)
        status, headers, body, etag, unchanged = self.recall(key) or self.ask_django(key, environ)
        # Quoted ETags cannot match inside one another, and W/-weakened ones (gzip) match too.
        if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified", unchanged)
            return []
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def key(self, environ):
        """What the answer depends on, or None for a request that must go through Django."""
        if (
            environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in environ
            or self.signed_in in environ.get("HTTP_COOKIE", "")
            or environ.get("CONTENT_LENGTH", "0") not in ("", "0")
            or (read := read_route(environ.get("PATH_INFO", ""))) is None
        ):
            return None
        slug, query = read
        try:
            state = session_state(slug) if slug else conference_state()
        except (Http404, OperationalError, InterfaceError):  # Django says so, in its own words
            return None
        asked = environ.get("QUERY_STRING") if query else None  # most reads take no query: skip the parsing
        return (
            environ["PATH_INFO"],
            tuple(pair for pair in parse_qsl(asked, True) if pair[0] in query) if asked else (),
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_X_FORWARDED_PROTO"),
            environ.get("HTTP_HOST"),
            environ.get("HTTP_HX_REQUEST"),
            "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
            state,
        )

    def ask_django(self, key, environ):
        """Django's whole answer, asked without conditions so that a 304 of its own is not all
        there is to keep; kept if it is public and new."""
        answer = {}
        chunks = self.django({k: v for k, v in environ.items() if k not in CONDITIONS}, lambda *a: answer.update(a=a))
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = answer["a"][:2]
        kept = {name.lower(): value for name, value in headers}
        # Worked out once for as long as the answer is kept: its ETag and the headers of its 304.
        answer = (status, headers, body, kept.get("etag", "").removeprefix("W/"))
        answer += ([(name, value) for name, value in headers if name.lower() in KEPT_IN_A_304],)
        if (
            status[:3] not in ("200", str(HTMX_STOP_POLLING))
            or not kept.get("cache-control", "").startswith("public")
            or "set-cookie" in kept
        ):
            return answer
        return self.keep(key, answer)

    def recall(self, key):
        with self.lock:
            if stored := self.responses.get(key):
                self.responses.move_to_end(key)
            return stored

    def keep(self, key, answer):
        with self.lock:
            if key not in self.responses:
                self.responses[key] = answer
                self.size += len(answer[2]) + ENTRY_BYTES
            while self.size > self.max_bytes:
                self.size -= len(self.responses.popitem(last=False)[1][2]) + ENTRY_BYTES
        return answer


# --- HTTP: refusals made outside the views ---------------------------------------------

DATABASE_RETRY_SECONDS = 5


def refusal(request, status, message, page=None, retry_after=None):
    """A request refused before any view answered it, and why: {"detail": message} under
    /api/, else page(message) or the message as text; with Retry-After when it may be retried."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = page(message) if page else author_error(message, status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def database_unavailable(request):
    """503 with Retry-After: readers' pages back off and retry, nothing is lost."""
    response = refusal(
        request,
        503,
        _("The live blog cannot reach its database just now; try again in a few seconds."),
        page=lambda message: HttpResponse(f"<!doctype html><title>503</title><p>{message}</p>", status=503),
        retry_after=DATABASE_RETRY_SECONDS,
    )
    patch_cache_control(response, no_store=True)
    return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A lost or failing database answers 503, not 500; Django closes the broken connection after
    the request, so the next one reconnects and the server recovers by itself."""

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable(request)
        return None


class RequestLimitsMiddleware(MiddlewareMixin):
    """Refuses a body larger than any post can be from its Content-Length, before a byte of
    it is read (Django limits form fields, not files): 413, and the upload goes no further.
    A multipart body that cannot be read (no boundary, say) is a 400 here, before any
    sign-in or view meets it."""

    def process_request(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            return refusal(
                request,
                413,
                _("The upload is %(size).1f MB; a photo may be at most %(limit)d MB.")
                % {"size": int(length) / 2**20, "limit": MAX_IMAGE_MB},
            )
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (read now, where an unreadable body can be answered)
            except MultiPartParserError as error:
                return refusal(request, 400, f"The multipart body cannot be read: {error}")
        return None


class RefusalsMiddleware(MiddlewareMixin):
    """A sign-in that django-axes refused (the address, or the account from it, failed too often
    of late) gets 429 and when to try again: JSON from the API, the sign-in page otherwise.
    And a method an API path does not take is refused in JSON, as the API's other errors are."""

    def process_response(self, request, response):
        if getattr(request, "axes_locked_out", False):
            return refusal(
                request,
                429,
                _("Too many failed sign-ins from this address or for this account; try again in %(minutes)d minutes.")
                % {"minutes": AUTH_COOLOFF_SECONDS // 60},
                page=lambda message: render(request, "liveblog/login.html", {"locked_out": message}, status=429),
                retry_after=AUTH_COOLOFF_SECONDS,
            )
        if response.status_code == 405 and request.path.startswith("/api/"):
            allowed = response["Allow"]
            response = refusal(request, 405, f"{request.method} is not allowed here; this path takes {allowed}.")
            response["Allow"] = allowed
        return response


if __name__ == "__main__":
    app.run()
