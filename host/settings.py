"""Django settings, read from the environment (django-environ). See README "Configuration"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from kombu import Queue

from host.plugin_discovery import discover_plugins

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else "insecure-dev-only-key")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost")
DEV_PORT = env.int("PORT", default=8000)
# Hosts are validated by the tenant middleware against the Domain table (custom domains included),
# so Django's own check only needs to refuse nothing; an unknown host gets the 404 page.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Plugins -------------------------------------------------------------------------------------
# Built-in plugins: the pluggy module of each; its package is a Django app in every org schema.
BUILTIN_PLUGINS = [
    "plugins.sequences.plugin", "plugins.salesforce.plugin", "plugins.hubspot.plugin",
]
PLATFORM_PLUGINS = discover_plugins(BUILTIN_PLUGINS, group="demeterrr.plugins")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/v1/docs/ (collected, no CDN)
    "api",
    "axes",  # failed sign-ins: public schema, shared by every host (see "Sign-in throttling")
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "host",
    *[plugin.app for plugin in PLATFORM_PLUGINS],
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organization"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New organizations are cloned from this migrated template schema instead of running every
# migration (see tenants/services.py and the org-creation benchmark).
TENANT_BASE_SCHEMA = "org_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Set the search path once per request/task instead of before every query.
TENANT_LIMIT_SET_CALLS = True

# Health first: probes reach it on any host (``localhost`` in a container) over plain HTTP.
# Security (HTTPS redirect, HSTS) and static files come before tenant routing, so neither needs
# a database lookup of the host.
MIDDLEWARE = [
    "host.middleware.RequestContextMiddleware",
    "host.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "host.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "host.middleware.OrgMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a lockout into the lockout page
]

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# A strict policy on every response: scripts and styles only from our own static files (no
# inline code, no other origins). Right after SecurityMiddleware, so the pages answered early
# (the unknown-host 404) get it too. A view that needs more uses django-csp's decorators
# (``csp.decorators.csp_update``) rather than loosening this. On org hosts ``form-action`` also
# allows the enabled CRMs' sign-in origins: Chromium blocks the Connect POST's 302 to the CRM
# otherwise (see host/csp.py).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "host.csp.PlatformCSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# --- end of Content-Security-Policy ---------------------------------------------------------------

ROOT_URLCONF = "host.urls_org"
PUBLIC_SCHEMA_URLCONF = "host.urls_public"
WSGI_APPLICATION = "host.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "host.context_processors.platform",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://localhost/platform")}
DATABASES["default"]["ENGINE"] = "host.postgresql_backend"  # django-tenants, one SET fewer
# Persistent connections: a new PostgreSQL backend per request or task cost more than the work
# of a webhook task itself (benchmarks/load.py). Without health checks a connection that died
# fails one request or task (webhook senders retry, sweepers pick the work up) and is replaced.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DB_CONN_HEALTH_CHECKS",
                                                                default=False))
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every cache key carries the org schema, so no org can read another's cache entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True

# --- HTTPS and the reverse proxy ---------------------------------------------------------------
# Behind a TLS-terminating proxy the app sees plain HTTP; BEHIND_PROXY=true trusts the proxy's
# X-Forwarded-Proto so request.is_secure() is right, and with it the CSRF Origin check (which
# compares the browser's Origin with this request's scheme and Host: every org host works with
# no CSRF_TRUSTED_ORIGINS). Only set it when the proxy overwrites that header on every request.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Off by default: the documented proxy passes the browser's Host header through unchanged.
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
    USE_X_FORWARDED_PORT = env.bool("USE_X_FORWARDED_PORT", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Internal probes and the Prometheus scraper speak plain HTTP inside the deployment.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
# Every org is a subdomain of PLATFORM_DOMAIN and served over HTTPS too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is a commitment the operator makes by submitting the domain, so it is opt-in and
# Django's reminder about it is silenced while it is off.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "host.views.errors.csrf_failure"

# --- Sign-in throttling (django-axes) -------------------------------------------------------------
# Users are shared (public schema), so failures count per account and per client address across
# every host and /admin/. 10 failures lock that account, or that address, for 15 minutes; while
# locked, even the right password is refused. Failures live in the public schema (database
# handler: the cache's keys are per org, which would give each host its own count).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_ON_SUCCESS = False  # a success of one's own account must not reset an address
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lockout ends 15 min after the 10th
AXES_DISABLE_ACCESS_LOG = True  # no unbounded history of sign-ins (addresses, user agents)
AXES_LOCKOUT_CALLABLE = "host.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "host.client_ip.client_ip"
AXES_VERBOSE = False  # its log lines would carry the typed usernames
# The client address comes from X-Forwarded-For only behind a proxy the operator declares
# (BEHIND_PROXY, above).
# --- end sign-in throttling ----------------------------------------------------------------------

# The languages contacts read surveys, the unsubscribe page and emails in (a contact's
# ``preferred_language``; anything else gets LANGUAGE_CODE). Each one but English has a gettext
# catalog in plugins/sequences/locale and host/locale (README "Translations"). Staff pages are
# English. The names match host's migrations (Contact.preferred_language's choices).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "French")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (at image build time); served by whitenoise from the app itself,
# with compressed, content-hashed names when DEBUG is off.
# In DEBUG (runserver, tests) files are served from the apps' folders and there is none.
STATIC_ROOT = env.str("STATIC_ROOT", default="") or (None if DEBUG
                                                     else str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT = "host.broker:Transport"  # kombu's Redis transport, one fix (host/broker.py)
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this; longer waits live in the database.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
# "priority": a worker takes from the first of its queues that has a task (the order of -Q, or of
# TASK_QUEUES), so survey emails and webhook events never wait behind pushback or a burst of syncs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
                                   "socket_connect_timeout": 1, "socket_timeout": 2,
                                   "queue_order_strategy": "priority"}
# With Redis down, enqueueing fails fast (the work is already committed; sweepers re-enqueue)
# instead of holding a webhook response for seconds. Nothing reads task results, except tasks
# that ask for them with ignore_result=False.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                    "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True
# Celery would close the database connection around every task; host/celery_app.py applies
# CONN_MAX_AGE instead (Celery then closes only every 2 × this many tasks).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE: dict = {}  # plugins add their periodic work in host/celery_app.py

# Queues (README "Queues and workers"): long contact syncs never hold up survey sends or webhook
# events, and score writes to the CRM wait while webhook events queue. A worker serves the queues
# its -Q lists (the Procfile's WORKER_QUEUES), in that order of priority: survey emails, webhook
# events and the rest, pushback, then syncs.
CELERY_TASK_DEFAULT_QUEUE = "default"
TASK_QUEUES = ("delivery", "default", "pushback", "sync")
CELERY_TASK_QUEUES = [Queue(name) for name in TASK_QUEUES]  # a worker without -Q serves all
CELERY_TASK_ROUTES = {
    "host.run_sync": {"queue": "sync"},
    "host.scheduled_sync": {"queue": "sync"},  # every SYNC integration's schedule
    "sequences.deliver": {"queue": "delivery"},
    "sequences.dispatch_due_org": {"queue": "delivery"},
    "host.push_queued": {"queue": "pushback"},
    "host.pushback": {"queue": "pushback"},
}
# Time limits per queue, in seconds: soft (the task stops cleanly; a sync re-enqueues itself and
# resumes from its checkpoint), then hard (the process is killed). Prefork pool only.
SYNC_TASK_SOFT_TIME_LIMIT = env.int("SYNC_TASK_SOFT_TIME_LIMIT", default=1800)
DELIVERY_TASK_SOFT_TIME_LIMIT = env.int("DELIVERY_TASK_SOFT_TIME_LIMIT", default=120)
DEFAULT_TASK_SOFT_TIME_LIMIT = env.int("DEFAULT_TASK_SOFT_TIME_LIMIT", default=300)
PUSHBACK_TASK_SOFT_TIME_LIMIT = env.int("PUSHBACK_TASK_SOFT_TIME_LIMIT", default=300)
TASK_HARD_TIME_LIMIT_GRACE = 60  # seconds between the soft and the hard limit
# How much lower a worker's CPU priority is than the web's on a shared machine (host/worker_priority.py).
WORKER_NICENESS = env.int("WORKER_NICENESS", default=10)
# A running sync holds a lease on its run, renewed with every page; a run whose lease lapsed
# (its worker died) is resumed by the sweeper, at most SYNC_MAX_RESUMES times, then failed.
SYNC_LEASE_SECONDS = env.int("SYNC_LEASE_SECONDS", default=300)
SYNC_MAX_RESUMES = env.int("SYNC_MAX_RESUMES", default=3)

# --- Email -------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP connection may block: a worker sends a webhook event's email itself after
# enrolling (plugins/sequences/delivery.py), so a hung mail server must not hold it for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="surveys@localhost")

# --- Secrets and integrations -------------------------------------------------------------------
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
# Each plugin reads its own settings in its own module (e.g. plugins/salesforce/conf.py, the
# SALESFORCE_* variables); a Django setting of the same name set here would override one.

# --- Logging -----------------------------------------------------------------------------------
# JSON lines in production (one object per line: time, level, logger, message, org, integration,
# task_id, request_id); text under `make run`. The redaction filter is on every handler.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "org": {"()": "host.log_context.OrgContextFilter"},
        "redact": {"()": "host.log_context.RedactSecretsFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "text": {"()": "host.log_context.TextFormatter",
                 "fmt": "%(asctime)s %(levelname)s [org=%(org)s] %(name)s: %(message)s"},
        "json": {"()": "host.log_context.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["org", "redact"],
        },
        # Django's own, kept: errors mailed to ADMINS (none unless you set them).
        "mail_admins": {"level": "ERROR", "class": "django.utils.log.AdminEmailHandler",
                        "filters": ["require_debug_false", "redact"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's default handlers (a plain-text console in DEBUG): every line of
        # "django.*" goes through the root console handler, in LOG_FORMAT, once.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False,
                          "filters": ["redact"]},
        # On the logger, so the record is clean before any handler (e.g. mail_admins) sees it.
        "django.request": {"filters": ["redact"]},
        # Their DEBUG output prints tokens and the client secret.
        "requests_oauthlib": {"level": "INFO"},
        "oauthlib": {"level": "INFO"},
    },
}

# Error reports (admins' email, the DEBUG page) go through the same redaction as log lines.
DEFAULT_EXCEPTION_REPORTER = "host.log_context.RedactingExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "host.log_context.RedactingReporterFilter"

# How links in emails reach an org host: <scheme>://<org domain>[:<port>]
ORG_URL_SCHEME = env.str("ORG_URL_SCHEME", default="http" if DEBUG else "https")
ORG_URL_PORT = env.str("ORG_URL_PORT", default=str(DEV_PORT) if DEBUG else "")

# --- REST API (api/) ---------------------------------------------------------------------------
REST_FRAMEWORK: dict = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.JSONOnlyNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [],
}
SPECTACULAR_SETTINGS: dict = {
    "TITLE": "demeterrr API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "REST API v1: contacts, sequences (execute), responses. Authenticate with an API "
                   "key (`X-API-Key: dem_...` or `Authorization: Bearer dem_...`).",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SCHEMA_PATH_PREFIX_INSERT": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_IDEMPOTENCY_TTL_HOURS = env.int("API_IDEMPOTENCY_TTL_HOURS", default=24)
# --- Observability -----------------------------------------------------------------------------
# GET /metrics on the public host needs "Authorization: Bearer <METRICS_TOKEN>" when set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Seconds a web process keeps a connected org's connection row for its webhooks (a burst reads
# it once); a change made elsewhere counts within this time (host/webhooks/connections.py).
WEBHOOK_CONNECTION_CACHE_SECONDS = env.float("WEBHOOK_CONNECTION_CACHE_SECONDS", default=2.0)
# Each process writes its counts to Redis this often (host/metrics.py); 0 writes every count.
METRICS_FLUSH_SECONDS = env.float("METRICS_FLUSH_SECONDS", default=1.0)
# Errors to Sentry (host/error_reporting.py), only when a DSN is set; events carry the org tag
# and go through the log redaction.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
# Retention (host/retention.py, README "Retention"): days each kind is kept; 0 keeps it forever.
RETENTION_INBOUND_EVENTS_DAYS = env.int("RETENTION_INBOUND_EVENTS_DAYS", default=90)
RETENTION_SENDING_EVENTS_DAYS = env.int("RETENTION_SENDING_EVENTS_DAYS", default=365)
RETENTION_PUSHBACK_ITEMS_DAYS = env.int("RETENTION_PUSHBACK_ITEMS_DAYS", default=90)
RETENTION_SYNC_RUNS_DAYS = env.int("RETENTION_SYNC_RUNS_DAYS", default=90)
# API key usage is counted in Redis and written to the keys' rows this often (api/usage.py).
API_KEY_USAGE_FLUSH_SECONDS = env.int("API_KEY_USAGE_FLUSH_SECONDS", default=60)
# Rate-limit profiles (requests per minute, per hour); the docs' current defaults.
API_V1_RATE_LIMIT_PROFILES = {
    name: (env.int(f"API_V1_RATE_LIMIT_{name.upper()}_PER_MINUTE", default=per_minute),
           env.int(f"API_V1_RATE_LIMIT_{name.upper()}_PER_HOUR", default=per_hour))
    for name, per_minute, per_hour in [("starter", 100, 1000), ("pro", 250, 5000),
                                       ("business", 500, 10000), ("enterprise", 1000, 25000)]
}
API_V1_RATE_LIMIT_DEFAULT_PROFILE = env.str("API_V1_RATE_LIMIT_DEFAULT_PROFILE", default="starter")
# {"<org id or slug>": {"profile": "pro", "perMinute": 300, "perHour": 6000}}; the org's
# RateLimitSetting row (Django admin) wins over this.
API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES = env.json("API_V1_RATE_LIMIT_ORGANIZATION_OVERRIDES",
                                                    default={})
