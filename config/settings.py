"""Settings for stackvote.

One module, driven by the environment (see README, "Configuration", and ``.env.example``).
With no environment at all it is the embedded default of the quick start: SQLite, tasks run
in-process, e-mail on the console, DEBUG on. Production is the same module with
``DJANGO_DEBUG=0`` and the variables it then insists on.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file. DJANGO_ENV_FILE names another file.
ENV_FILE = Path(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG: bool = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    # No key lives in the repository: anyone could sign confirmation links with it. `make run`
    # writes a random one to .env (config/secret_key.py). Without one, this process makes a
    # random key and hands it to the processes it starts (the runserver reloader, a test's
    # worker), so they agree; it lasts until the process ends.
    if not env.str("DJANGO_SECRET_KEY", default=""):
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )
else:
    # Production refuses to start on guessable or missing values rather than run exposed.
    _missing = [
        name
        for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")
        if not env.str(name, default="")
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=0) needs "
            + " and ".join(_missing)
            + " in the environment."
        )
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    if SECRET_KEY.startswith("change-me"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is still the placeholder from .env.example: set a random one "
            "(python -m config.secret_key FILE writes one)."
        )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Old keys still accepted for signatures while a new DJANGO_SECRET_KEY rolls out.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.OfficialsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Provider apps are always installed; a provider shows up only once its client id and
    # secret are configured (SOCIALACCOUNT_PROVIDERS below), so there are no dead buttons.
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.gitlab",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "django_celery_beat",
    "csp",
    "audit",
    "accounts",
    "elections",
    "elections.voting",
    "elections.results",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff and officials pass two-factor authentication before any other page.
    "accounts.two_factor.SecondFactorMiddleware",
]

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
                "accounts.context_processors.security_nudges",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL=postgres://user:pass@host:5432/name selects PostgreSQL (psycopg2-binary).
# An empty DATABASE_URL (a blank line in .env) means the embedded default, like an unset one.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# Each web or Celery worker keeps its connection (checked before reuse, below): opening one
# per request costs PostgreSQL a new backend process every time.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE columns) speed up rolls on PostgreSQL; SQLite just ignores
    # the extra columns, which is fine for the embedded default.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Redis: cache, Celery broker and result backend ------------------------------------
REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stackvote",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
        }
    }
    # Sessions are written to the database and read from the cache: a signed-in request
    # costs no session query, and nobody is signed out when Redis restarts.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded default: no broker, tasks run in-process when they are queued.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that dies is handed to another worker after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A web request that queues work while Redis is down gives up quickly (the work is kept in
# the database and picked up again by the scheduler) instead of hanging the voter's page.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A task whose result is kept (an official's "close and tally") first subscribes to its result
# in Redis: the result store gives up as quickly, instead of Celery's twenty tries (about 19 s
# of a hung page). Workers keep the patient default (config.celery.patient_result_store): a
# Redis restart of a few seconds must not fail a count while it stores results.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication (django-allauth) -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, loading the signed-in user with one plain query.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up also asks for the name a person is shown by on ballots and results.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
# Votes hang on verified addresses only, so nobody signs in on an unverified one.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_MAX_EMAIL_ADDRESSES = 20
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[stackvote] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# Before changing addresses (and so eligibility) or second factors, people prove it is them
# again: with their password, their second factor, or a code mailed to one of their verified
# addresses (the only way for accounts made through GitHub, GitLab or SSO, which have no
# password). Written out so that a new allauth release cannot add a method silently.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "code", "mfa")
# Per address and per account: "key" is the account's address (allauth keys failed sign-ins
# by the login typed, and second-factor codes by the account), so an attacker spreading
# guesses over many addresses still meets the per-account limit. The counters live in the
# cache, which keeps them in the process while Redis is down (config/cache.py).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "manage_email": "10/m/user",
    "change_password": "5/m/user",
}
# The address rate limits are counted by: behind the TLS proxy every request comes from the
# proxy, so the client's address is read from X-Forwarded-For, counted from the right by the
# number of proxies we run (entries further left are whatever the client sent). Not behind a
# proxy, the header is never read (allauth's default, 0).
BEHIND_TLS_PROXY: bool = env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
ALLAUTH_TRUSTED_PROXY_COUNT = (
    env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1) if BEHIND_TLS_PROXY else 0
)
if BEHIND_TLS_PROXY and ALLAUTH_TRUSTED_PROXY_COUNT < 1:
    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_COUNT must be at least 1 behind the TLS proxy: with 0, every "
        "client would share the proxy's address and its rate limits."
    )
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Authenticator apps list the account under the site's name (elections/conf.py default).
MFA_TOTP_ISSUER = env.str("STACKVOTE_SITE_NAME", default="stackvote")

SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# Unconfigured providers answer 404, not 500 (accounts/adapters.py).
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS: dict = {}
if env.str("GITHUB_CLIENT_ID", default="") and env.str("GITHUB_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env.str("GITHUB_CLIENT_ID"), "secret": env.str("GITHUB_SECRET")}],
        "SCOPE": ["user:email"],
    }
if env.str("GITLAB_CLIENT_ID", default="") and env.str("GITLAB_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["gitlab"] = {
        "APPS": [
            {
                "client_id": env.str("GITLAB_CLIENT_ID"),
                "secret": env.str("GITLAB_SECRET"),
                "settings": {"gitlab_url": env.str("GITLAB_URL", default="https://gitlab.com")},
            }
        ],
        "SCOPE": ["read_user"],
    }
if env.str("OIDC_CLIENT_ID", default="") and env.str("OIDC_SECRET", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
                "name": env.str("OIDC_NAME", default="Community SSO"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_SECRET"),
                "settings": {"server_url": env.str("OIDC_SERVER_URL", default="")},
            }
        ]
    }

# --- E-mail ------------------------------------------------------------------------
# EMAIL_URL=smtp+tls://user:password@mail.example.org:587 ; default prints mail on the console.
vars().update(env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="stackvote <elections@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation and time -----------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise: no CDN, served by the app itself) ---------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The embedded default serves files straight from static/ (no collectstatic step).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ------------------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts and styles only from our own static files,
# never inline, so an injected <script> or on* attribute cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Load balancers probe over plain HTTP and take a redirect for a failure: the health checks
# answer there (without their details, config/health.py). Django matches these against the
# path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- stackvote ---------------------------------------------------------------------------
# stackvote's own settings. Their defaults live in one place, each app's conf.py
# (accounts/conf.py, elections/conf.py, elections/results/conf.py, read through functions in
# django-allauth's app_settings style); here a setting exists only when the environment (or
# .env) gives it, parsed as its kind says. README, "Configuration", lists them all.
STACKVOTE_ENVIRONMENT: dict[str, str] = {
    "STACKVOTE_SITE_NAME": "str",
    "STACKVOTE_SITE_URL": "str",
    "STACKVOTE_HEALTH_TOKEN": "str",
    "STACKVOTE_OFFICIALS_GROUP": "str",
    "STACKVOTE_GIT_BASE": "str",
    "STACKVOTE_GIT_CACHE_DIR": "path",
    "STACKVOTE_ELIGIBILITY_START": "str",
    "STACKVOTE_ELIGIBILITY_END": "str",
    "STACKVOTE_MIN_CONTRIBUTIONS": "int",
    "STACKVOTE_BOT_EMAILS": "list",
    "STACKVOTE_INGEST_BATCH_SIZE": "int",
    "STACKVOTE_MIN_PHASE_DAYS": "int",
    "STACKVOTE_REMINDER_DAYS": "int",
    "STACKVOTE_NOTICE_GRACE_DAYS": "int",
    "STACKVOTE_SEASON_NOTICE_DAYS": "int",
    "STACKVOTE_POLLING_LAST_DAYS": "int",
    "STACKVOTE_MAIL_BATCH_SIZE": "int",
    "STACKVOTE_MAIL_MAX_RETRIES": "int",
    "STACKVOTE_SCHEDULER_INTERVAL": "int",
    "STACKVOTE_TALLY_CHUNK_SIZE": "int",
    "STACKVOTE_TALLY_LOCK_SECONDS": "int",
    "STACKVOTE_WORKER_NICENESS": "int",
    "STACKVOTE_RESULTS_AUTO_PUBLISH": "bool",
    "STACKVOTE_BALLOT_KEY_DIR": "path",
    "STACKVOTE_GIT_BASES": "list",
    "STACKVOTE_IMPORT_DIRS": "list",
}
for _name, _kind in STACKVOTE_ENVIRONMENT.items():
    if _name in os.environ:
        vars()[_name] = getattr(env, _kind)(_name)
# The scheduler's periodic tasks are set up in config/celery.py, from elections/conf.py.
