"""PeerPath settings: one module, read strictly from the environment (see docs/operations.md)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from peerpath.env import env_bool, env_choice, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(env_str("PEERPATH_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_choice("PEERPATH_ENV", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"

# --- Secrets and hosts: production refuses to start without them.
if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters with at least 5 different ones.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")
else:
    # A development-only key: it signs nothing that leaves this machine.
    SECRET_KEY = env_str("SECRET_KEY", "development-only-not-secret-" + "x" * 40)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

DEBUG = env_bool("PEERPATH_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("PEERPATH_DEBUG cannot be on in production.")

SITE_NAME = "PeerPath"
SITE_URL = env_str("PEERPATH_SITE_URL", "http://127.0.0.1:8000")
SITE_ID = 1

INSTALLED_APPS = [
    "peerpath.core",
    "peerpath.accounts",
    "peerpath.audit",
    "peerpath.api",
    "peerpath.directory",
    "peerpath.prescriptions",
    "peerpath.spaces",
    "peerpath.screening",
    "peerpath.forum",
    "peerpath.moderation",
    "peerpath.programmes",
    "peerpath.messages",
    "peerpath.matching",
    "peerpath.fhir",
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "peerpath.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "peerpath.accounts.middleware.SessionPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "peerpath.accounts.middleware.StaffMfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "peerpath.core.middleware.NoStoreForPeopleMiddleware",
]

ROOT_URLCONF = "peerpath.urls"
WSGI_APPLICATION = "peerpath.wsgi.application"
ASGI_APPLICATION = "peerpath.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerpath.accounts.context_processors.people",
                "peerpath.forum.context_processors.notifications",
                "peerpath.messages.context_processors.conversations",
            ],
        },
    }
]

# --- Database: SQLite (WAL) under var/ by default, PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:// URL.")
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    # The embedded default: its folder is made on first use, so any `peerpath` command works in a fresh clone.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "peerpath.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE: a writing transaction takes the lock up front, so concurrent writers queue
                # instead of failing with "database is locked" half-way through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # A 64 MiB page cache and memory-mapped reads: directory search joins its full-text matches to
                # listings, and SQLite's 2 MiB default cache turns that into disk reads (bench/directory_search.py).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions: shared by every process (database, or Redis when REDIS_URL is set).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "peerpath_cache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Background work (ARCHITECTURE.md §4): the Django Tasks API. The database backend needs no extra server; a
# worker (`peerpath db_worker`, started by `make run`) runs the queue. PEERPATH_TASKS_BACKEND=immediate runs each task
# inside the request instead (the tests do this).
TASKS_BACKEND = env_choice("PEERPATH_TASKS_BACKEND", ("database", "immediate"), "database")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# --- People and sign-in.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# SECURITY.md Passwords: at least 12 characters, 64+ accepted, common passwords refused (ASVS 6.2.1, 6.2.4).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "peerpath.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
    {"NAME": "peerpath.accounts.passwords.RepetitivePasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "peerpath.accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "peerpath.accounts.forms.SignupDetailsForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PeerPath] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# SECURITY.md Brute force: 5 failures per account in 30 minutes lock its password sign-in; plus a per-IP limit.
# allauth consumes one unit before each attempt and gives it back on success, so the 6th attempt is refused
# even with the right password, and the answer is the same whether or not the account exists.
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_LOCKOUT = timedelta(minutes=30)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{env_int('PEERPATH_LOGIN_FAILURES_PER_IP', 50, minimum=5)}/30m/ip,"
    f"{LOGIN_FAILURES_PER_ACCOUNT}/30m/key",
    "signup": "10/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    # SECURITY.md Business logic: anti-automation on the directory's public suggestion forms (allauth's limiter).
    "directory_suggestion": env_str("PEERPATH_SUGGESTIONS_PER_IP", "10/h/ip"),
    # Typed invitation codes (31^8 values): per browser session, and per address for those who drop their cookies.
    "invitation_code": "30/15m/ip,10/15m/key",
    # Typed meeting check-in codes (31^6 values, valid about two hours): per signed-in member.
    "check_in_code": "20/15m/user",
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PeerPath"
MFA_ADAPTER = "peerpath.accounts.adapters.MFAAdapter"

# SECURITY.md Sessions (ASVS 7.3.1-2; NIST 800-63B AAL2).
STAFF_SESSION_IDLE = timedelta(minutes=30)
STAFF_SESSION_ABSOLUTE = timedelta(hours=12)
MEMBER_SESSION_IDLE = timedelta(days=7)
MEMBER_SESSION_ABSOLUTE = timedelta(days=14)
SESSION_COOKIE_AGE = int(MEMBER_SESSION_ABSOLUTE.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "peerpath.core.views.csrf_failure"

# --- Headers (SECURITY.md Headers).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_NAME = "__Host-peerpath-session"
    CSRF_COOKIE_NAME = "__Host-peerpath-csrf"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("PEERPATH_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("PEERPATH_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
else:
    # Plain http on loopback: browsers refuse `__Host-` and Secure cookies there.
    SESSION_COOKIE_NAME = "peerpath-session"
    CSRF_COOKIE_NAME = "peerpath-csrf"

# --- E-mail.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PeerPath <no-reply@peerpath.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("PEERPATH_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Language, time, static files.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected files exist only in production; in development whitenoise serves straight from the finders.
STATIC_ROOT = Path(env_str("PEERPATH_STATIC_ROOT", str(VAR_DIR / "static"))) if PRODUCTION else None
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
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
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Logging: no personal data; the request id ties a log line to an audit event.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "peerpath.core.middleware.RequestIdLogFilter"},
        "feed_tokens": {"()": "peerpath.spaces.tokens.FeedTokenLogFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id", "feed_tokens"]}
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("PEERPATH_LOG_LEVEL", ("DEBUG", "INFO", "WARNING"), "INFO"),
    },
    "loggers": {
        # Django's request logger prints the path and, on errors, request details: keep it to warnings.
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "WARNING"},
        # runserver's request lines, through the console handler so that a calendar feed's token is masked.
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}

# --- API.
NINJA_PAGINATION_PER_PAGE = 50
API_TOKEN_MAX_PER_USER = 20

# Screening models (issue 15): the static sentence encoder built at install from the all-MiniLM-L6-v2 weights
# (`peerpath screening build-encoder`, run by `make install`) and classifiers retrained by `peerpath moderation
# retrain`, which take precedence over the classifiers shipped in peerpath/screening/weights/. A missing or corrupt
# file never lets a text through unscreened: the rules run alone and /healthz says so.
SCREENING_MODELS_DIR = Path(env_str("PEERPATH_SCREENING_MODELS_DIR", str(VAR_DIR / "models")))
# Nothing in PeerPath may reach the Hugging Face Hub at run time: the tokenizers library is told so too.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Screening multiplies small matrices per post: OpenBLAS's thread pool costs far more than it saves there (measured:
# 9.7 ms against 0.04 ms for one small product), and a web process should not take every core for one request.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Crisis handling (issue 15 points 7 and 8): an unhandled crisis item alerts again, and reaches the organisation's
# coordinators, after this many minutes; the writer of a crisis post sees the help lines on their thread for this
# many days after it.
PEERPATH_CRISIS_REALERT_MINUTES = env_int("PEERPATH_CRISIS_REALERT_MINUTES", 15, minimum=1)
PEERPATH_CRISIS_LINES_DAYS = env_int("PEERPATH_CRISIS_LINES_DAYS", 14, minimum=1)
