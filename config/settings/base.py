"""Base settings: everything lives here; production behaviour is switched by environment.

HackSoft's rule: no code path exists only in production.py. Environment variables are read through
the typed helpers in ``_env`` so that a malformed value stops start-up with a clear message.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery.schedules import crontab
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from ._env import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_secret,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("BOARDSVC_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

SECRET_KEY = env_secret("DJANGO_SECRET_KEY")  # local.py/test.py give a dev default; production has none
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "core.admin_site.BoardsvcAdminConfig",  # django.contrib.admin, behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # Project apps. core is the shared kernel (roles, audit, outbox, API errors); cases depends
    # only on core; boardsvc and scheduling may depend on cases.
    "core",
    "cases",
    "boardsvc",
    "scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    # Hostile bodies are refused before anything parses them; no-store on every response.
    "core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: a SQLite file tuned for concurrent writers: every atomic() takes the write
# lock at BEGIN (IMMEDIATE), WAL lets readers continue, and the busy timeout makes writers
# queue instead of failing with "database is locked".
_database_url = env_str("DATABASE_URL")
if _database_url:
    _db = parse_database_url(_database_url)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "db.sqlite3")}

if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("BOARDSVC_SQLITE_TIMEOUT", 20, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    # Bounded waits everywhere (docs/security.md, R1): a dead database gives a 503 quickly.
    _opts = dict(_db.get("OPTIONS", {}))  # type: ignore[call-overload]
    _opts.setdefault("connect_timeout", env_int("BOARDSVC_DB_CONNECT_TIMEOUT", 5, minimum=1))
    _opts.setdefault(
        "options",
        "-c statement_timeout={} -c idle_in_transaction_session_timeout={}".format(
            env_int("BOARDSVC_DB_STATEMENT_TIMEOUT_MS", 15000, minimum=100),
            env_int("BOARDSVC_DB_IDLE_TX_TIMEOUT_MS", 30000, minimum=100),
        ),
    )
    _db["OPTIONS"] = _opts
    _db["CONN_MAX_AGE"] = env_int("BOARDSVC_DB_CONN_MAX_AGE", 60, minimum=0)
    _db["CONN_HEALTH_CHECKS"] = True

DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "boardsvc",
    }
}

# --- Auth ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute force (docs/security.md, S5): lock username+IP after N failures, for a cool-off.
AXES_FAILURE_LIMIT = env_int("BOARDSVC_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BOARDSVC_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
# Behind a reverse proxy, the client's address is the right-most X-Forwarded-For hop that is not
# one of these proxies (addresses or networks). Empty: REMOTE_ADDR, and X-Forwarded-For is ignored.
BOARDSVC_TRUSTED_PROXIES = env_networks("BOARDSVC_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"

# Two-factor (docs/security.md, S3): enforced for anyone reaching patient data when on.
BOARDSVC_REQUIRE_2FA = env_bool("BOARDSVC_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "boardsvc"

# --- OAuth2 for hospital systems (client credentials) ----------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # core.SystemClient points here
OAUTH2_PROVIDER = {
    "SCOPES": {
        "cases:read": "Read case referrals and their decision support",
        "cases:write": "Submit and update case referrals",
        "agenda:read": "Read boards, meetings and agendas",
        "decisions:write": "Record MDT decisions",
        "bookings:read": "Read resources, free slots and bookings",
        "bookings:write": "Create, move and cancel bookings",
        "fhir:read": "Read the FHIR R4 facade",
        "audit:read": "Read the audit trail",
        "patient:identify": "See who the patient is (hospital number, name, date of birth)",
    },
    "DEFAULT_SCOPES": ["cases:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("BOARDSVC_TOKEN_TTL_SECONDS", 3600, minimum=60),
    "ALLOWED_GRANT_TYPES": ["client-credentials"],
    # OAuth 2.0 Security BCP (RFC 9700): no implicit or password grants, S256 PKCE only,
    # tokens only in the Authorization header, hashed token storage, https redirects only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Administrators decide what each client may hold (core.SystemClient, issue 10 item 1).
    "OAUTH2_VALIDATOR_CLASS": "core.oauth.Validator",
    "SCOPES_BACKEND_CLASS": "core.oauth.AllowListScopes",
    "APPLICATION_ADMIN_CLASS": "core.admin_clients.SystemClientApplicationAdmin",
}

# --- REST framework ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A request with an Authorization header is judged by it alone (core.api.authentication).
        "core.api.authentication.BearerOnlyAuthentication",
        "core.api.authentication.SessionOnlyWithoutBearer",
    ],
    # Deny by default (ASVS V4.1.3): every view must opt in to the principals it serves.
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.DenyAll"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ProblemAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.api.exceptions.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "boardsvc API",
    "DESCRIPTION": (
        "MDT (tumour board) scheduling for bone metastases: case referrals with decision support, "
        "boards, meetings, agendas and decisions, resources, bookings and timing rules.\n\n"
        "Errors use application/problem+json with an `errors` list naming each field and rule. "
        "Writes to existing resources need `If-Match` (412 on mismatch, 428 when missing). "
        "POSTs that create cases or bookings take an `Idempotency-Key` (UUID, kept 24 h)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # One name per shared choice set, so generated clients get stable type names.
    "ENUM_NAME_OVERRIDES": {"CaseStatusEnum": "cases.domain.codes.CaseStatus.choices",
                            "ClosureKindEnum": "scheduling.domain.types.EXCEPTION_KINDS"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Request size limits (issue 10, item 4): refused with 413/400 before anything parses them --
BOARDSVC_MAX_BODY_BYTES = env_int("BOARDSVC_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
BOARDSVC_MAX_JSON_DEPTH = env_int("BOARDSVC_MAX_JSON_DEPTH", 32, minimum=4)
DATA_UPLOAD_MAX_MEMORY_SIZE = BOARDSVC_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = BOARDSVC_MAX_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- i18n / time -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; each Board carries the hospital's zone as data
# The hospital's zone: the default for new boards and rooms, and for times shown where no
# board or room names one. Must be an IANA name (validated at start-up).
BOARDSVC_SITE_TIMEZONE = env_str("BOARDSVC_SITE_TIMEZONE", "Europe/Rome") or "Europe/Rome"
try:
    ZoneInfo(BOARDSVC_SITE_TIMEZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"BOARDSVC_SITE_TIMEZONE={BOARDSVC_SITE_TIMEZONE!r} is not an IANA time zone") from exc

# --- Limits on dates and ranges (README "Limits on dates and ranges"; issue 10 item 5) -------
# Every instant or date the service accepts (API bodies and query parameters, FHIR searches, web
# forms) lies in [BOARDSVC_EARLIEST_DATE, now + BOARDSVC_MAX_YEARS_AHEAD years] and carries a
# UTC offset. Free-slot searches and the timeline compute over a bounded number of days.
_earliest = env_str("BOARDSVC_EARLIEST_DATE", "2000-01-01") or "2000-01-01"
try:
    BOARDSVC_EARLIEST_DATE = date.fromisoformat(_earliest)
except ValueError:
    raise ImproperlyConfigured(
        f"BOARDSVC_EARLIEST_DATE={_earliest!r} is not a date (YYYY-MM-DD)") from None
if BOARDSVC_EARLIEST_DATE.year < 1900:
    raise ImproperlyConfigured("BOARDSVC_EARLIEST_DATE must not be before 1900-01-01")
BOARDSVC_MAX_YEARS_AHEAD = env_int("BOARDSVC_MAX_YEARS_AHEAD", 5, minimum=1, maximum=50)
BOARDSVC_SLOT_SEARCH_MAX_DAYS = env_int("BOARDSVC_SLOT_SEARCH_MAX_DAYS", 31, minimum=1,
                                        maximum=366)
BOARDSVC_TIMELINE_MAX_DAYS = env_int("BOARDSVC_TIMELINE_MAX_DAYS", 400, minimum=7, maximum=1100)

# --- Static ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
try:  # whitenoise warns on every request when the folder is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only image: collectstatic made it at build time
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security headers (docs/security.md, S7) ---------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("BOARDSVC_SESSION_SECONDS", 8 * 3600, minimum=300)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "boardsvc@localhost")
# The operations mailbox(es) that receive audit-chain checkpoints and dead-letter alerts by
# e-mail (mail_admins), besides the in-app notifications to administrator accounts.
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS", [])]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ----------------------------------------------------------------------------------
# With CELERY_BROKER_URL set: a real broker (Redis). Without it, the embedded default uses
# kombu's filesystem transport: a real worker and beat with no server to run.
# (An explicit "localhost" only keeps kombu from warning that no hostname was given.)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://localhost//"
BOARDSVC_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 420, minimum=60)
BOARDSVC_EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("filesystem://")
if BOARDSVC_EMBEDDED_BROKER:
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        # kombu's default is ./control in the working directory: keep it under var/ too.
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # Redis redelivers unacked messages after visibility_timeout: a task of a worker killed
    # mid-run is picked up again within minutes, not an hour (issue 15, item 2). It stays above
    # the hard task time limit (a task still running is never handed out twice) and every
    # countdown and retry backoff (docs/security.md, Q3; tests/core/test_celery_config.py);
    # a redelivered message that had finished does nothing (core.taskonce).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BOARDSVC_BROKER_VISIBILITY_TIMEOUT,
        # kombu looks for expired unacked messages on every 10th check (about every 100 s) by
        # default; every check (10 s) costs one Redis query per worker and brings the killed
        # worker's tasks back within visibility_timeout + 10 s.
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_RESULT_BACKEND = None  # results are state in our own tables; no task args stored
CELERY_RESULT_EXTENDED = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
# A message the outbox sent this long ago whose task left no receipt is published again (Redis
# came back empty or lost it; core.outbox, G-QUEUE-10). Above the visibility timeout plus the
# hard task limit, so a message still queued, held or running is left alone; a copy that turns
# up anyway runs once (core.taskonce).
BOARDSVC_OUTBOX_REDELIVER_SECONDS = env_int(
    "BOARDSVC_OUTBOX_REDELIVER_SECONDS",
    BOARDSVC_BROKER_VISIBILITY_TIMEOUT + CELERY_TASK_TIME_LIMIT + 60, minimum=10)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Ride out a broker outage of any length: reconnect forever (Celery's default gives up after
# 100 attempts and the worker exits), and resume consuming when Redis is back (issue 15,
# item 1). The outbox in PostgreSQL keeps what could not be published meanwhile.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A publish never hangs a request: short retry, then the outbox relay takes over (Q4).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ROUTES = {"scheduling.tasks.solver_*": {"queue": "solver"}}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
BOARDSVC_TASK_RETRY_BACKOFF_MAX = 300

# Periodic jobs, defined once: beat runs them in production, the demo runs beat too.
# Every message beat sends says ``scheduled``: the job then runs once per period however many
# beat processes run (core.periodic, issue 15 item 5).
_BEAT = {"kwargs": {"scheduled": True}}
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {"task": "core.tasks.outbox_relay",
                     "schedule": float(env_int("BOARDSVC_OUTBOX_RELAY_SECONDS", 30, minimum=1)),
                     **_BEAT},
    "meeting-horizon": {"task": "boardsvc.tasks.meeting_horizon_upkeep",
                        "schedule": crontab(minute=5), **_BEAT},
    "agenda-freeze": {"task": "boardsvc.tasks.agenda_freeze_due", "schedule": 300.0, **_BEAT},
    "booking-sweep": {
        "task": "scheduling.tasks.booking_sweep_recheck",
        "schedule": crontab(hour=2, minute=30), **_BEAT,
    },
    "idempotency-prune": {"task": "core.tasks.idempotency_prune", "schedule": crontab(minute=17),
                          **_BEAT},
    # Issue 10 item 3: extend the audit hash chain; the head goes to the log and administrators.
    "audit-chain-seal": {"task": "core.tasks.audit_chain_seal", "schedule": 60.0, **_BEAT},
    # Issue 13: pathway clocks (CWT-28/31/62): alert coordinators before a breach, record it.
    "pathway-clock-sweep": {"task": "scheduling.tasks.pathway_clock_sweep", "schedule": 900.0,
                            **_BEAT},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Logging: no patient data (docs/security.md, S9) --------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logging.RequestIdFilter"},
        "phi_scrub": {"()": "core.logging.PhiScrubFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "phi_scrub"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("BOARDSVC_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- boardsvc ---------------------------------------------------------------------------------
BOARDSVC_SITE_NAME = env_str("BOARDSVC_SITE_NAME", "boardsvc") or "boardsvc"
# The hospital named in the header of every generated document (minutes, outcome records,
# letters, the printed agenda); the demo's is fictional.
BOARDSVC_HOSPITAL_NAME = (env_str("BOARDSVC_HOSPITAL_NAME", "Ospedale Demo San Lorenzo")
                          or "Ospedale Demo San Lorenzo")
BOARDSVC_HOSPITAL_ADDRESS = env_str("BOARDSVC_HOSPITAL_ADDRESS", "Via Immaginaria 1, Roma") or ""
# A folder of site templates searched before the apps' own: a site overrides the outcome
# letters there (boardsvc/letters/outcome_letter.<language>.txt).
BOARDSVC_SITE_TEMPLATES_DIR = env_str("BOARDSVC_SITE_TEMPLATES_DIR", "") or ""
if BOARDSVC_SITE_TEMPLATES_DIR:
    TEMPLATES[0]["DIRS"] = [BOARDSVC_SITE_TEMPLATES_DIR, *TEMPLATES[0]["DIRS"]]
# The KPI dashboards' figures are kept this long (core.cache); 0 computes them on every view.
BOARDSVC_KPI_CACHE_SECONDS = env_int("BOARDSVC_KPI_CACHE_SECONDS", 300, minimum=0, maximum=3600)
BOARDSVC_MEETING_HORIZON_WEEKS = env_int("BOARDSVC_MEETING_HORIZON_WEEKS", 8, minimum=1, maximum=52)
BOARDSVC_IDEMPOTENCY_TTL_HOURS = env_int("BOARDSVC_IDEMPOTENCY_TTL_HOURS", 24, minimum=24)
# A key recorded "in progress" by a request that died (written before keys were taken inside
# the request's own transaction) is taken over by a retry after this many seconds.
BOARDSVC_IDEMPOTENCY_LEASE_SECONDS = env_int("BOARDSVC_IDEMPOTENCY_LEASE_SECONDS", 120, minimum=10)
# Audit hash chain (core.auditchain): rows are sealed once this old, so most transactions
# have committed; administrators receive the chain's head at most once per interval.
BOARDSVC_AUDIT_SEAL_GRACE_SECONDS = env_int("BOARDSVC_AUDIT_SEAL_GRACE_SECONDS", 10, minimum=0)
BOARDSVC_AUDIT_CHECKPOINT_ALERT_MINUTES = env_int(
    "BOARDSVC_AUDIT_CHECKPOINT_ALERT_MINUTES", 60, minimum=1, maximum=24 * 60
)
# The hospital's PACS viewer: a URL template with {accession} and {study_uid} (URL-encoded when
# filled in), e.g. "https://pacs.example/viewer?accession={accession}&study={study_uid}".
# Blank: imaging studies are listed without a link. Only http(s) templates are accepted.
BOARDSVC_PACS_VIEWER_URL = env_str("BOARDSVC_PACS_VIEWER_URL", "") or ""
if BOARDSVC_PACS_VIEWER_URL and not BOARDSVC_PACS_VIEWER_URL.lower().startswith(
        ("https://", "http://")):
    raise ImproperlyConfigured("BOARDSVC_PACS_VIEWER_URL must be an http(s) URL template")
# The identifier system of the site's hospital number (a cases.PatientIdentifier): shown to the
# board to recognise the patient (each display audited), and in notifications.
BOARDSVC_HOSPITAL_NUMBER_SYSTEM = (env_str("BOARDSVC_HOSPITAL_NUMBER_SYSTEM",
                                           "urn:boardsvc:hospital-number")
                                   or "urn:boardsvc:hospital-number")
# Which boards a user may see, and so which cases: cases depends on no other app, so the
# policy is named here and loaded by core.access (dependency inversion).
BOARDSVC_CASE_ACCESS_POLICY = "boardsvc.access.BoardCaseAccessPolicy"
# Tasks enqueued (after commit, through the outbox) when a case becomes ready for MDT. Named
# here so cases need not import boardsvc.
BOARDSVC_ON_CASE_READY_TASKS = ["boardsvc.tasks.agenda_place_case"]
# Tasks enqueued the same way when a case arrives or changes: a suspected MSCC reaches the
# board's on-call people at once (R12), whatever its readiness.
BOARDSVC_ON_CASE_SUBMITTED_TASKS = ["boardsvc.tasks.emergency_alert"]
# Where a case stands on the agendas (for the coordinator's "next step" on the case page).
BOARDSVC_CASE_AGENDA_SUMMARY = "boardsvc.selectors.case_agenda_summary"
# When the MDT decision behind a plan was recorded (R10's clock starts there): scheduling asks
# this function by name, so it need not import boardsvc.
BOARDSVC_DECISION_CLOCK = "boardsvc.clocks.decision_times"
# The same as one SQL expression (a function of the OuterRef name holding the decision's public
# id): scheduling's pathway clocks (issue 13) annotate, sort and filter many plans at once by it.
BOARDSVC_DECISION_CLOCK_SUBQUERY = "boardsvc.clocks.decision_recorded_at_subquery"
# The zone of a case's board (Board.timezone) as one SQL expression of the case id's OuterRef
# name: the worklist's due times and the pathway clock alerts are shown in it (issue 13); unset,
# scheduling shows the site's zone.
BOARDSVC_CASE_TIMEZONE_SUBQUERY = "boardsvc.clocks.case_board_timezone_subquery"
# Demo seeders run in order by `manage.py seed_demo` (boards and members, then resources, then
# cases, which are placed on agendas as they become ready, then two of them decided, with plans).
BOARDSVC_DEMO_SEEDERS = [
    "boardsvc.demo.seed_demo",
    "scheduling.demo.seed_demo",
    "cases.demo.seed_demo",
    "boardsvc.demo.place_ready_cases_seed",
    "boardsvc.demo.seed_decided_plans",
]
