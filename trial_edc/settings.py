"""Settings for the trial EDC: one module, read from the environment, with embedded defaults.

With nothing set, the project runs on an SQLite file in the checkout and runs Celery tasks in
process, so a newcomer can check out, `make run` and work. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS (see docker-compose.yml and docs/operations.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected true/false")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from exc


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return default if value in (None, "") else float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a number") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Secure unless told otherwise: a deployment that forgets DEBUG gets production settings.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (production), or set DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-local-development-key-never-used-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "axes",
    # The floors, bottom to top (docs/architecture.md). The kernel:
    "core",
    # The trial's domains:
    "patients",
    "dosing",
    "labs",
    "safety",
    "efficacy",
    "pk",
    # The interfaces (before the apps with models that end the list: the role groups are
    # synced after the last app's migrations, and an app without models gets no post_migrate
    # signal):
    "casebook",
    "api",
    "exchange",
    "exports",
    "reporting",
    # The workflows and the analysis:
    "monitoring",
    "signoff",
    "notifications",
    "endpoints",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.sessions.RenewIdleClockMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: a live preview asks for the fragment it swaps in, not the whole page.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Attributes audit-trail entries made during a request to the signed-in user.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trial_edc.urls"
WSGI_APPLICATION = "trial_edc.wsgi.application"

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
                "core.roles.role_context",
                "core.esignature.signature_context",
            ],
            "builtins": ["casebook.templatetags.clinic"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'edc.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The newcomer's database: wait for a writer rather than fail at once, and let readers
    # proceed while a write is in flight.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, sign-in for that
# pair is refused for LOGIN_LOCKOUT_MINUTES (0: until an admin resets it). A success resets
# the count. Wrong e-signature passwords count too, and a signature is refused once the user has
# that many from any address (`core.esignature.lockout_parameters`). Admins reset a lockout
# in the admin ("Access attempts") or with `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30)) or None
AXES_LOCKOUT_PARAMETERS = "core.esignature.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# An unattended screen signs itself out after 30 idle minutes: requests renew the clock, the
# session being written at most once a minute (core.sessions), not on every page read.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
# The country of the trial's single site, ISO 3166-1 alpha-3 (SDTM DM.COUNTRY): the RD13-02
# phase I trial recruits in China.
STUDY_COUNTRY = os.environ.get("STUDY_COUNTRY", "CHN")
# The lower limits of quantification of the laboratory's CAR-T assays (SDTM PC.PCLLOQ): qPCR in
# CAR transgene copies/µg gDNA, flow cytometry in CAR-T cells/µL.
PK_LLOQ = {"car_copies_per_ug_gdna": env_float("PK_LLOQ_COPIES_PER_UG_GDNA", 50.0),
           "car_t_cells_per_uL": env_float("PK_LLOQ_CAR_T_CELLS_PER_UL", 0.0125)}
USE_I18N = True
USE_TZ = True

# --- Static files: served by whitenoise, never from a CDN (hospital networks are closed) ----
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (on whenever DEBUG is off) ----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Every page's resources come from this server (static files are vendored): no inline script or
# style, no other origin, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container health check calls /healthz over plain HTTP from inside the container.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Request bodies -------------------------------------------------------------------------
# The largest request body read (Django's DATA_UPLOAD_MAX_MEMORY_SIZE; its default of 2.5 MiB):
# a CRF form is a few kB and a full PK batch of 1,000 samples about 250 kB. Over it, the answer
# is a 413: the API's error body, or a page saying so. Whole trials are larger: the casebook import
# (POST /api/v1/casebook/) has its own limit, about 700 patients of the demo trial; bigger
# bundles go through `manage.py import_casebook FILE`, which has none. A reverse proxy in front
# must let bodies of CASEBOOK_UPLOAD_MAX_BYTES through to /api/v1/casebook/.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_BODY_MAX_BYTES", 2_621_440)
CASEBOOK_UPLOAD_MAX_BYTES = env_int("CASEBOOK_UPLOAD_MAX_BYTES", 16 * 1024 * 1024)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous call gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CappedPagination",
    # DRF's parsers, with JSON nested deeper than core.json_depth.MAX_JSON_DEPTH refused.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DepthBoundedJSONParser",
                               "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 100),
    # Scripts and integrations authenticate with a token; browser sessions are not limited.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_TOKEN_RATE", "600/minute"),
        "bulk_write": os.environ.get("API_BULK_WRITE_RATE", "30/minute"),
        # Reports at a past cutoff computed for one reader (API or pages), whoever they are.
        "report_on_demand": os.environ.get("REPORT_ON_DEMAND_RATE", "30/hour"),
    },
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
}
# The largest page a client may ask for with ?page_size=.
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 1000)

# OpenAPI 3 at /api/schema/, with Swagger UI and ReDoc served from this server (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "RD13-02 trial EDC API",
    "DESCRIPTION": (
        "Read-only listings of the trial's data for sponsors, monitors and investigators, the "
        "central lab's PK results, the casebook exchange and the reports. Authenticate with "
        "`Authorization: Token <key>` (`manage.py create_user NAME --role ROLE --token`) or a "
        "browser session. Sponsors receive de-identified rows: no free text, no staff names. "
        "Every error answers `{\"detail\": ..., \"problems\": [...]}`."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A product lot's sterility and mycoplasma share one vocabulary: one schema name for it.
    "ENUM_NAME_OVERRIDES": {"LotTestResultEnum": "dosing.models.TEST_RESULTS"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "api.schema.strict_string_parameters"],
}

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in-process (the newcomer's path and the default tests).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# One queue per deployment when several share a Redis (and per test worker).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Publishing must not hang a clinical save when the broker is down: fail fast, log, move on.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0,
                                    "interval_step": 0.5, "interval_max": 1}
# A task a worker took but never acknowledged (the worker was killed) goes back to the queue
# after this many seconds. Longer than the longest recompute, or a slow one is run twice
# (harmless: recomputes take turns, see endpoints.snapshots, but wasted work).
# The socket timeouts: a Redis that accepts connections but does not answer (hung, overloaded)
# would otherwise hold a publishing save for minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
    "socket_timeout": 2, "socket_connect_timeout": 2}
# The nightly safety net: a full recompute even if no change scheduled one.
CELERY_BEAT_SCHEDULE = {
    "nightly-endpoint-recompute": {
        "task": "trial_edc.recompute_endpoints",
        "schedule": crontab(hour=2, minute=0),
    },
    # The notifications outbox (docs/notifications.md): what no task sent (a broker outage), then
    # the SAE clock and overdue-visit reminders.
    "notifications-sweep": {
        "task": "trial_edc.notifications_sweep",
        "schedule": timedelta(minutes=5),
    },
    "notification-reminders": {
        "task": "trial_edc.notification_reminders",
        "schedule": crontab(minute=7),
    },
}

# Each committed change schedules an endpoint recompute (endpoints.freshness). Off only for
# bulk maintenance and the benchmarks that time the save itself; the nightly run still happens.
RECOMPUTE_ON_CHANGE = env_bool("RECOMPUTE_ON_CHANGE", True)
# Reports at a past cutoff are computed when a reader asks and kept, one snapshot per cutoff, for
# at most this many cutoffs (those computed most recently); today's keeps its latest 20.
REPORT_PAST_CUTOFFS_KEPT = max(1, env_int("REPORT_PAST_CUTOFFS_KEPT", 50))
# The live recompute draws the report page's plots and the PDF beside each snapshot
# (reporting.drawings), so that the page serves them without drawing. On where a worker runs the
# recomputes; where tasks run inside the saving request, the first reader draws them instead.
REPORT_DRAWN_BY_RECOMPUTE = env_bool("REPORT_DRAWN_BY_RECOMPUTE", not CELERY_TASK_ALWAYS_EAGER)

# The cache marks a queued recompute so that bursts of saves coalesce (endpoints.freshness).
CACHE_URL = os.environ.get("CACHE_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(
    "redis") else "")
# Short socket timeouts: a cache that does not answer must not hold up a clinical save.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": CACHE_URL,
    "OPTIONS": REDIS_CACHE_OPTIONS,
} if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail (notifications, docs/notifications.md) --------------------------------------------
# Sent by a Celery worker through Django's e-mail framework, never inside a save. Locally the
# console backend prints each message; production sets EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST… settings of its relay.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both")
# A mail server that does not answer holds a worker this long, never a save.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "edc@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The sponsor's safety contact: told of every SAE at entry and by the SAE clock. An address, not
# an account (the sponsor's pharmacovigilance mailbox). Unset: the outbox records "not sent".
SAFETY_CONTACT_EMAIL = os.environ.get("SAFETY_CONTACT_EMAIL", "").strip()
# The EDC's address as its users reach it, named in each e-mail ("sign in at …"); optional.
EDC_BASE_URL = os.environ.get("EDC_BASE_URL", "").strip()

# --- Logging: no identifying data; subject IDs are pseudonymous codes -----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The name under which imports, recomputes and other unattended changes enter the audit trail.
SYSTEM_USERNAME = "system"
