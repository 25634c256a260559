"""Django settings, read from environment variables (see README "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import redis

from afterdesk.core.secret_key import secret_key_load

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("AFTERDESK_DATA_DIR", Path.cwd() / "var")).resolve()
# The SQLite database and huey's queue live here; both need the folder before they open.
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# SECRET_KEY from the environment, else a random key made on first start and kept in
# $AFTERDESK_DATA_DIR/secret_key (mode 0600); `check --deploy` refuses a weak one.
SECRET_KEY = os.environ.get("SECRET_KEY") or secret_key_load(DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "huey.contrib.djhuey",
    "ninja",  # the API explorer's Swagger UI from our static files, not a CDN
    "afterdesk.core",
    "afterdesk.accounts",
    "afterdesk.calendars",
    "afterdesk.commerce",
    "afterdesk.triage",
    "afterdesk.notifications",
    "afterdesk.tickets",
    "afterdesk.channels",
    "afterdesk.stores",
    "afterdesk.parcels",
    "afterdesk.sla",
    "afterdesk.replies",
    "afterdesk.surveys",
    "afterdesk.routing",
    "afterdesk.automations",
    "afterdesk.returns",
    "afterdesk.qa",
    "afterdesk.training",
    "afterdesk.history",
    "afterdesk.metrics",
    "afterdesk.alerts",
    "afterdesk.bonuses",
    "afterdesk.reports",
    "afterdesk.recognition",
    "afterdesk.demo",
]

MIDDLEWARE = [
    # First: it counts and times every answer, the ones the middleware below give too.
    "afterdesk.core.observability.RequestMetricsMiddleware",
    # Before anything reads them: forwarding headers from a peer that is no trusted proxy go.
    "afterdesk.core.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "afterdesk.api.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "afterdesk.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    # A view whose write could not get SQLite's write lock in time: 503 + Retry-After, not 500.
    "afterdesk.core.database_busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "afterdesk.urls"
WSGI_APPLICATION = "afterdesk.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    }
]
# Django's form renderer, with drop-down lists written in Python (core/form_renderer.py).
FORM_RENDERER = "afterdesk.core.form_renderer.FastSelectRenderer"

# The default cache is per process (the chat widget's rate limits); `charts` keeps the weekly
# review's drawn charts as files shared by the server's processes (reports/chart_cache.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "charts": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "charts"),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'afterdesk.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# An index's INCLUDE columns (tickets' `ticket_visibility`) serve PostgreSQL's index-only
# reads; SQLite builds the same index on its key alone, which is what we want, so its warning
# would only be noise on every command of the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# SQLite: how long (seconds) a write waits for the one write lock while another process holds
# it (e.g. a history import) before it gives up: the request answers 503 with Retry-After,
# nothing written (docs/deploy.md, "SQLite in production"). Keep it under gunicorn's --timeout.
AFTERDESK_SQLITE_BUSY_TIMEOUT = float(os.environ.get("AFTERDESK_SQLITE_BUSY_TIMEOUT", "30"))


def sqlite_init_command(busy_timeout: float) -> str:
    """What each new SQLite connection runs first (`busy_timeout` in seconds). WAL lets the
    web server and the task consumer read while one writes."""
    return (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={round(busy_timeout * 1000)};"
    )


if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": sqlite_init_command(AFTERDESK_SQLITE_BUSY_TIMEOUT),
        "transaction_mode": "IMMEDIATE",
    }
else:
    # A database server that does not answer fails a request (and /healthz) after 5 s instead
    # of hanging it; a connect_timeout in DATABASE_URL's query string wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tickets:inbox"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login rate limiting (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "afterdesk.accounts.views.lockout_response"
# The client's address: the peer's, or X-Forwarded-For's from a trusted proxy (below).
AXES_CLIENT_IP_CALLABLE = "afterdesk.core.proxy.client_ip"

# Behind a reverse proxy (README "Configuration"): the proxies' addresses or networks. Only
# they may say the request came over HTTPS (X-Forwarded-Proto) and who the client is
# (X-Forwarded-For); afterdesk.core.proxy drops these headers from anyone else.
AFTERDESK_TRUSTED_PROXIES = env_list("AFTERDESK_TRUSTED_PROXIES", "")
if AFTERDESK_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the UI's own CSS/JS (afterdesk/static/afterdesk/)
MEDIA_ROOT = Path(os.environ.get("AFTERDESK_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Attachments: size limits per file and per message, allowed types (docs/reliability.md).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_MAX_TOTAL_BYTES = int(
    os.environ.get("ATTACHMENT_MAX_TOTAL_BYTES", str(25 * 1024 * 1024))
)  # one message's files
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
    "application/zip,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,message/rfc822,"
    "application/vnd.ms-tnef",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024
# Inbound email (docs/channels.md): the largest raw message the API accepts (larger -> 413),
# and the domain of the Message-IDs of the desk's replies (default: DEFAULT_FROM_EMAIL's).
EMAIL_INBOUND_MAX_BYTES = int(os.environ.get("EMAIL_INBOUND_MAX_BYTES", str(40 * 1024 * 1024)))
EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("EMAIL_MESSAGE_ID_DOMAIN", "")
# Where buyers reach the desk: the base of the CSAT survey links in emails (docs/surveys.md).
AFTERDESK_PUBLIC_URL = os.environ.get("AFTERDESK_PUBLIC_URL", "http://127.0.0.1:8000")
# Messenger and Instagram webhooks and the Send API (docs/channels.md, "Messenger and Instagram").
META_APP_SECRET = os.environ.get("META_APP_SECRET", "")
META_VERIFY_TOKEN = os.environ.get("META_VERIFY_TOKEN", "")
META_GRAPH_API_URL = os.environ.get("META_GRAPH_API_URL", "https://graph.facebook.com/v21.0")
# Parcel tracking (docs/stores.md, "Parcels and tracking"): the trackers' webhook secrets, and
# the days without a tracking event after which a parcel is stalled, with per market and
# carrier overrides ("DE:dhl=5,*:ups=4,US:*=10").
AFTERSHIP_WEBHOOK_SECRET = os.environ.get("AFTERSHIP_WEBHOOK_SECRET", "")
SEVENTEEN_TRACK_WEBHOOK_KEY = os.environ.get("SEVENTEEN_TRACK_WEBHOOK_KEY", "")
# A value that is not a whole number stays text: the parcels system check (parcels.E001) names
# it at startup instead of a traceback here.
_stalled_days = os.environ.get("PARCELS_STALLED_DAYS", "7").strip()
PARCELS_STALLED_DAYS: int | str = int(_stalled_days) if _stalled_days.isdecimal() else _stalled_days
PARCELS_STALLED_OVERRIDES = os.environ.get("PARCELS_STALLED_OVERRIDES", "")
# Training (docs/training.md, "Expiry reminders"): days before a certification expires when
# the agent and their supervisors are reminded, comma-separated (e.g. "30,7"); checked at
# startup (training.E001).
AFTERDESK_CERTIFICATION_REMINDER_DAYS = env_list("AFTERDESK_CERTIFICATION_REMINDER_DAYS", "30")
# Mailboxes' IMAP/SMTP servers (docs/channels.md, "Mailboxes"): an extra certificate authority
# (PEM) trusted besides the system's, for a private CA or a self-signed server.
MAIL_TLS_CA_FILE = os.environ.get("AFTERDESK_MAIL_CA_FILE", "")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Prometheus metrics at /metrics for this bearer token; unset, /metrics answers 404
# (afterdesk.core.observability; README "Configuration").
AFTERDESK_METRICS_TOKEN = os.environ.get("AFTERDESK_METRICS_TOKEN", "")

# Background tasks: huey on SQLite by default, on Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "afterdesk",
        # A Redis that stops answering fails the health check and the task calls within
        # seconds instead of hanging them (huey's blocking read waits 1 s, less than this);
        # timeouts in REDIS_URL's query string win.
        "connection_pool": redis.ConnectionPool.from_url(
            REDIS_URL, socket_connect_timeout=5, socket_timeout=5
        ),
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "afterdesk",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# Outgoing mail (alerts to supervisors, docs/alerts.md): SMTP when EMAIL_HOST is set, else
# printed on the console. EMAIL_BACKEND may name another backend explicitly.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Afterdesk <afterdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers (docs/reliability.md, "Web and API").
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and env_bool("AFTERDESK_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "afterdesk": {"level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True},
    },
}
