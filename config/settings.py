"""One settings module, driven by the environment.

APP_ENV=production turns on the production mode: DEBUG off, SECRET_KEY and ALLOWED_HOSTS
required, secure cookies, HSTS and HTTPS redirect. Everything else has a default that works on
a developer's machine with no services: SQLite, console e-mail, Redis only when Celery runs.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


APP_ENV = env("APP_ENV", "development")
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("APP_ENV must be 'development' or 'production'")
PRODUCTION = APP_ENV == "production"

DEBUG = False if PRODUCTION else env_bool("DEBUG", True)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (APP_ENV=production)")
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from static/, no CDN
    "accounts",
    "budget",
    "performance",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AuditDownloadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends a session idle for SESSION_IDLE_MINUTES; authenticated pages are never stored by a
    # browser or a proxy (Cache-Control: no-store); the Content-Security-Policy header.
    "config.middleware.SessionIdleMiddleware",
    "config.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lockout found by the login view into the lockout page (docs/security.md).
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Serves the collected static files itself: units' intranets often have no other server.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "performance.reminders.context_processors.notices",
            ],
        },
    },
]

# SQLite by default (a file next to manage.py, git-ignored); PostgreSQL when DATABASE_URL is set.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # A worker keeps its connection DATABASE_CONN_MAX_AGE seconds (a connection per worker
    # thread: workers × threads must stay below the server's max_connections, docs/deployment.md)
    # and checks it before reuse, so a restarted server costs one retry, not an error page.
    DATABASES = {"default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound by the server let psycopg prepare a statement the connection runs
        # again and again, so PostgreSQL plans it once: a page rendered in full costs about a
        # third less. DATABASE_SERVER_SIDE_BINDING=0 goes back to binding in the client.
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool(
            "DATABASE_SERVER_SIDE_BINDING", True)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Several people saving at once: every transaction takes the write lock when it
            # begins (IMMEDIATE), so a second writer waits up to the busy timeout instead of
            # failing with "database is locked" when it upgrades a read lock; WAL lets pages
            # read while someone writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy (docs/security.md): at least PASSWORD_MIN_LENGTH characters from at least
# PASSWORD_MIN_CLASSES of the four classes (upper case, lower case, digits, symbols), not like
# the user's name, not a common one, and none of the user's last PASSWORD_HISTORY_COUNT.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator",
     "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES}},
    {"NAME": "accounts.passwords.PasswordHistoryValidator",
     "OPTIONS": {"count": PASSWORD_HISTORY_COUNT}},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "entry:home"
LOGOUT_REDIRECT_URL = "login"

# E-mail: console in development; any Django backend by environment in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# An SMTP server that never answers must not hold a worker (or a request) for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "绩效通 <noreply@localhost>")

# Celery, with Redis as broker.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The schedule lives here, in code (django-celery-beat is not installed): `celery -A config beat`.
CELERY_BEAT_SCHEDULE = {
    "reminders-scan-hourly": {
        "task": "performance.reminders.tasks.scan_reminders",
        "schedule": 60 * 60,
    },
    "rectifications-raise-daily": {
        "task": "performance.tasks.raise_rectifications",
        "schedule": 24 * 60 * 60,
    },
    "security-events-prune-daily": {
        "task": "accounts.tasks.prune_security_events",
        "schedule": 24 * 60 * 60,
    },
    "stale-jobs-fail-every-5-minutes": {
        "task": "performance.tasks.fail_stale_jobs",
        "schedule": 5 * 60,
    },
}

# Deadline reminders (performance/reminders/steps.py has the defaults and their meaning):
# filler steps in days before the deadline, on the day, every N days while overdue (at most M);
# reviewers after K days without review; finance gets a daily overdue summary. SITE_URL makes
# the links in e-mails absolute.
REMINDERS = {
    "before_days": [7, 3, 1],
    "on_due_day": True,
    "overdue_every_days": 2,
    "overdue_max": 5,
    "review_after_days": 3,
    "finance_summary": True,
    "retry_max_attempts": 5,
    "retry_backoff_minutes": 60,
    "quiet_hours": [22, 8],
}
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# 问题整改 (docs/rectification.md): a monitoring warning's response (继续执行/调剂/取消) is due
# within N working days of the item being raised; the rectification itself within M calendar
# days. Working days are Mon–Fri minus RECTIFICATION_HOLIDAYS plus RECTIFICATION_EXTRA_WORKDAYS
# (调休 weekends): comma lists of ISO dates, e.g. "2025-10-01,2025-10-02" — China's official
# calendar is published yearly and cannot be computed.
RECTIFICATION_RESPONSE_WORKING_DAYS = env_int("RECTIFICATION_RESPONSE_WORKING_DAYS", 10)
RECTIFICATION_DEADLINE_DAYS = env_int("RECTIFICATION_DEADLINE_DAYS", 30)
RECTIFICATION_HOLIDAYS = env_list("RECTIFICATION_HOLIDAYS")
RECTIFICATION_EXTRA_WORKDAYS = env_list("RECTIFICATION_EXTRA_WORKDAYS")

# The cache holds the rendered content of the busiest pages and the dashboard's data, each
# under the version of the data it shows (performance.services.page_cache), so it is never
# stale. Each process's memory by default; CACHE_URL=redis://… shares one between processes.
# PAGE_CACHE_SECONDS=0 renders every page in full.
CACHE_URL = env("CACHE_URL")
CACHES = {"default": (
    # a Redis that cannot be reached is a miss and a warning, never a 500 (config/cache.py)
    {"BACKEND": "config.cache.DegradingRedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}
)}
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# While one request builds a page, the others asking for the same page wait for its copy at most
# this long before building their own (single flight: no stampede after a change).
PAGE_CACHE_BUILD_WAIT_SECONDS = env_int("PAGE_CACHE_BUILD_WAIT_SECONDS", 10)

# The scoring policy (docs/scoring.md): None means the defaults; a deployment may give a mapping
# of the numbers it changes, e.g. SCORING_POLICY = {"negative_convention": "ratio"}.
SCORING_POLICY = None

# The 主管部门 level of the approval chains (docs/adjustments.md, docs/workflow.md): on, a unit
# whose department has a 主管部门审核人 has its target adjustments and its values approved
# 单位审核 → 主管部门审核 (→ 财政 for targets). Off, the chain skips it everywhere.
DEPARTMENT_TIER = env_bool("DEPARTMENT_TIER", False)

# Excel imports (performance/excel): uploads over the size limit are refused before parsing;
# an .xlsx whose members unpack beyond the limit or at an absurd ratio is a zip bomb; uploads
# over the async threshold run as a Celery task (ImportJob). Uploaded files live in MEDIA_ROOT.
EXCEL_MAX_UPLOAD_BYTES = env_int("EXCEL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
EXCEL_MAX_UNCOMPRESSED_BYTES = env_int("EXCEL_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024)
EXCEL_MAX_COMPRESSION_RATIO = env_int("EXCEL_MAX_COMPRESSION_RATIO", 200)
EXCEL_ASYNC_THRESHOLD_BYTES = env_int("EXCEL_ASYNC_THRESHOLD_BYTES", 512 * 1024)
# With the Celery broker unreachable, an upload up to this size is imported in the request; a
# larger one is refused with “请稍后再试” (docs/limits.md).
UPLOAD_INLINE_MAX_BYTES = env_int("UPLOAD_INLINE_MAX_BYTES", 5 * 1024 * 1024)
MEDIA_ROOT = env("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# Reports in Word (docs/reports.md): a folder of the deployment's own docxtpl templates; a file
# there named like a default (self_evaluation.docx, monitoring.docx, check.docx) replaces it.
# A unit's zip runs inline when the Celery broker is unreachable and it holds at most
# REPORT_ZIP_INLINE_MAX reports; a larger one is marked failed with the reason.
REPORT_TEMPLATE_DIR = env("REPORT_TEMPLATE_DIR")
REPORT_ZIP_INLINE_MAX = env_int("REPORT_ZIP_INLINE_MAX", 30)

# 佐证材料 (docs/evidence.md): stored through the "evidence" storage, never at a public URL
# (served only by a view that checks access): a folder under MEDIA_ROOT by default, an
# S3-compatible bucket (MinIO…) with EVIDENCE_STORAGE=s3. Limits per file and per project.
EVIDENCE_MAX_FILE_BYTES = env_int("EVIDENCE_MAX_FILE_BYTES", 20 * 1024 * 1024)
EVIDENCE_MAX_PROJECT_BYTES = env_int("EVIDENCE_MAX_PROJECT_BYTES", 200 * 1024 * 1024)
if env("EVIDENCE_STORAGE", "local") == "s3":
    STORAGES["evidence"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env("EVIDENCE_S3_BUCKET"),
        "endpoint_url": env("EVIDENCE_S3_ENDPOINT_URL") or None,
        "access_key": env("EVIDENCE_S3_ACCESS_KEY") or None,
        "secret_key": env("EVIDENCE_S3_SECRET_KEY") or None,
        "region_name": env("EVIDENCE_S3_REGION") or None,
        "location": env("EVIDENCE_S3_PREFIX", "evidence"),
        "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
    }}
else:
    STORAGES["evidence"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {
        "location": env("EVIDENCE_ROOT", str(Path(MEDIA_ROOT) / "evidence")), "base_url": None,
    }}

# The target review (performance.review): per rule code, switch a rule on/off or change its
# severity, e.g. {"cost_indicator_required": {"enabled": True}, "unit_mismatch": {"severity":
# "notice"}}; and whether a targets import with review errors is refused.
TARGET_REVIEW_RULES = {}
TARGET_REVIEW_BLOCKS_IMPORT = False

# Bounded work per upload and per job (docs/security.md): a workbook or CSV with more data rows
# than IMPORT_MAX_ROWS is refused before it is parsed; a job keeps at most IMPORT_MAX_ERRORS
# messages and counts the rest; a PDF (表13 document import) over PDF_MAX_PAGES pages or whose
# streams would decompress beyond PDF_MAX_STREAM_BYTES is refused. A running job (import,
# report zip) that has not beaten its heartbeat for JOB_STALE_MINUTES is marked failed and can be
# retried. A reminder claimed but not sent after REMINDER_CLAIM_TIMEOUT_MINUTES is sent again.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_ERRORS = env_int("IMPORT_MAX_ERRORS", 200)
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 300)
PDF_MAX_STREAM_BYTES = env_int("PDF_MAX_STREAM_BYTES", 100 * 1024 * 1024)
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", 15)
REMINDER_CLAIM_TIMEOUT_MINUTES = env_int("REMINDER_CLAIM_TIMEOUT_MINUTES", 30)

# Access (docs/security.md). Separation of duties: whoever submitted a record (or proposed a
# target adjustment) cannot approve it, even holding both roles. Login lockout (django-axes):
# AXES_FAILURE_LIMIT wrong passwords for one user name from one address lock it for
# AXES_COOLOFF_MINUTES; both login pages (/accounts/login/ and the admin's) count. A session
# idle for SESSION_IDLE_MINUTES ends; SESSION_COOKIE_AGE bounds it absolutely.
SEPARATION_OF_DUTIES = env_bool("SEPARATION_OF_DUTIES", True)
# The admin's 导出 (django-import-export) needs the model's view permission (the indicator and
# record exports also keep to the user's units: performance.admin_records.ScopedExportMixin).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
# One user name from one address: an attacker elsewhere cannot lock a colleague out, and a
# shared office NAT address does not lock every colleague behind it.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client's address is REMOTE_ADDR (accounts.audit.client_ip), never X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_ip"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)

# The security audit log (accounts.SecurityEvent): kept this many days, then pruned daily.
# 等保 2.0 asks for at least six months; a value below 180 is raised to 180.
AUDIT_LOG_RETENTION_DAYS = max(180, env_int("AUDIT_LOG_RETENTION_DAYS", 180))

# Behind a reverse proxy (deploy/nginx.conf), REMOTE_ADDR is the proxy's: the client's address,
# for the audit log and the login lockout, is the X-Real-IP header the proxy sets and overwrites.
# Never on without such a proxy in front: a client could then write its own address.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

# Production hardening: on whenever APP_ENV=production; each can be relaxed by environment
# (an intranet without HTTPS, say), and `manage.py check --deploy` will then say so.
if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts only from the site's own files, never inline
# and never eval (the templates carry no inline script or on… handler: static/js/site.js wires
# data-autosubmit and data-confirm). Styles allow 'unsafe-inline' for style="…" attributes: the
# templates' column widths and progress bars, and the HTML ECharts writes into its tooltips.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}}

# The API (docs/api.md): /api/v1/, personal tokens (accounts.ApiToken) or the browser's
# session, the same access helpers and write path as the pages.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 20)  # live (unexpired, unrevoked) tokens
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 500)
API_MAX_BATCH_VALUES = env_int("API_MAX_BATCH_VALUES", 500)  # values in one write request
# wrong tokens from one address before it is refused (429) for the rest of the window
API_BAD_TOKEN_LIMIT = env_int("API_BAD_TOKEN_LIMIT", 20)
API_BAD_TOKEN_MINUTES = env_int("API_BAD_TOKEN_MINUTES", 10)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle",
                                 "api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # per token (or per user for the browser's session); a missing cache degrades to none
        "token": env("API_THROTTLE_RATE", "1200/min"),
        "anonymous": env("API_ANON_THROTTLE_RATE", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.handler",
    "COERCE_DECIMAL_TO_STRING": True,  # money and values stay exact: "12.50", never a float
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "绩效通 API",
    "DESCRIPTION": "预算项目绩效目标、监控、自评与评分的接口（docs/api.md）。",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # the schema and its pages need a signed-in caller, like everything else on the intranet
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # one name per choice set used by several serializers (stable names for generated clients)
    "ENUM_NAME_OVERRIDES": {
        "WorkflowStatusEnum": "performance.workflow.WorkflowStatus",
        "PeriodStatusEnum": "performance.workflow.PeriodStatus",
        "PeriodStateEnum": "performance.workflow.PeriodState",
        "ChannelEnum": "performance.workflow.Channel",
        "GradeEnum": ["优", "良", "中", "差"],
        "LightEnum": [("blue", "蓝灯"), ("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯")],
        "ImportJobStatusEnum": "performance.models.ImportStatus",
        "ImportJobKindEnum": "performance.models.ImportKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
