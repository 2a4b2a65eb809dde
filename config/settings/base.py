"""Settings for every environment, read from the environment (12-factor).

Embedded defaults (SQLite, a filesystem Celery broker) make the site run on a fresh
machine with nothing to install; production sets DATABASE_URL and REDIS_URL. DEBUG is off
unless asked for, so a forgotten variable fails safe.
"""

import copy
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.db_routers import same_database

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# Local state (SQLite file, filesystem broker, cache, uploads) lives in var/, never in git.
for _sub in (
    "static",
    "media",
    "cache",
    "celery/broker",
    "celery/processed",
    "celery/results",
    "celery/control",
):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "insecure-local-development-key-only-used-with-DEBUG-" + "x" * 20

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "network",
    "activities",
    "volunteers",
    "attendance",
    "overviews",
    "referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "network.middleware.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.roles",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# Database: SQLite next to the code unless DATABASE_URL says otherwise.
SQLITE = "django.db.backends.sqlite3"


def _connection_options(db: dict) -> dict:
    if db["ENGINE"] == SQLITE:
        db.setdefault("OPTIONS", {}).update(
            {
                # WAL lets the web server, the worker and beat use one file at once.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    else:
        db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
        # The planner's cost of a random read: its default (4) suits spinning disks. On
        # SSDs, or with the data in memory as here, 1.1 is the usual value, and without
        # it a search of a common word scanned every activity (6 ms) instead of using the
        # search indexes (1.8 ms). Set on the connection, so it holds on any server; an
        # empty POSTGRES_OPTIONS leaves the server's settings (a pooler that refuses
        # startup options). bench/README.md has the figures.
        options = env.str("POSTGRES_OPTIONS", default="-c random_page_cost=1.1")
        if options:
            db.setdefault("OPTIONS", {})["options"] = options
    return db


DATABASES = {
    "default": _connection_options(
        env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'omzien.sqlite3'}")
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True

# The access log (network/access_log.py) writes on a connection of its own, in autocommit,
# so an entry stays when the request's transaction is rolled back. On PostgreSQL that is a
# second connection to the same database. On SQLite a second connection to the same file
# would wait for the request's BEGIN IMMEDIATE, so the log gets a file of its own there.
# Wherever `manage.py migrate` runs, run `manage.py migrate --database access_log` after
# it: it creates that file's table, and does nothing where the log shares the default
# database (network/management/commands/migrate.py).
if env.str("ACCESS_LOG_DATABASE_URL", default=""):
    DATABASES["access_log"] = _connection_options(env.db_url("ACCESS_LOG_DATABASE_URL"))
elif DATABASES["default"]["ENGINE"] == SQLITE:
    DATABASES["access_log"] = _connection_options(
        env.db_url_config(f"sqlite:///{VAR_DIR / 'access_log.sqlite3'}")
    )
else:
    DATABASES["access_log"] = copy.deepcopy(DATABASES["default"])
DATABASES["access_log"]["ATOMIC_REQUESTS"] = False
if same_database(DATABASES["access_log"], DATABASES["default"]):
    if DATABASES["access_log"]["ENGINE"] == SQLITE:
        raise ImproperlyConfigured("On SQLite the access log needs a database file of its own.")
    # In tests it uses the default test database rather than a second one of its own.
    DATABASES["access_log"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_routers.AccessLogRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared between processes, so rate limits hold across the web server's workers.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "network.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "network:start"

# django-allauth: e-mail is the login, verified before use; no usernames anywhere.
ACCOUNT_LOGIN_METHODS = {"email"}
# Its e-mails (confirmation, password reset) are rendered in the request, sent by Celery.
ACCOUNT_ADAPTER = "network.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "network:home"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Omzien] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Omzien"
# A code from the authenticator app stays good one 30-second step either side (RFC 6238's
# allowance for drift): someone typing slowly, or a phone a few seconds off, still gets in.
MFA_TOTP_TOLERANCE = 1

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# First the Dutch of our dependencies' texts in our own words ("u", "inloggen"), which wins
# over their catalogues and ours; then our own catalogue.
LOCALE_PATHS = [BASE_DIR / "locale_overrides", BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail: printed to the console locally, SMTP from EMAIL_URL in production.
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
# Seconds before an SMTP connection or command gives up. Every message is sent by the Celery
# worker, which retries later (network.tasks), so a mail server that hangs holds no request.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Omzien <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Omzien", a) for a in env.list("ADMIN_EMAILS", default=[])]

# Celery: Redis in production; without REDIS_URL a broker on the local filesystem, so the
# worker and beat really run on a fresh machine (never eager mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
)
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = str(VAR_DIR / "celery" / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-unverified-accounts": {
        "task": "network.tasks.purge_unverified_accounts",
        "schedule": crontab(hour=3, minute=15),
    },
    "clear-expired-sessions": {
        "task": "network.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=45),
    },
    "extend-occurrence-horizons": {
        "task": "activities.tasks.extend_occurrence_horizons",
        "schedule": crontab(hour=2, minute=30),
    },
    "refresh-next-dates": {
        "task": "activities.tasks.refresh_next_dates",
        "schedule": crontab(minute="*/10"),
    },
    "sync-calendar-feeds": {
        "task": "activities.tasks.sync_all_calendar_feeds",
        "schedule": crontab(minute=20),
    },
    "deliver-pending-messages": {
        "task": "network.tasks.deliver_pending_messages",
        "schedule": crontab(minute="*/5"),
    },
    "purge-handled-messages": {
        "task": "network.tasks.purge_handled_messages",
        "schedule": crontab(hour=4, minute=30),
    },
    "purge-past-registrations": {
        "task": "activities.tasks.purge_past_registrations",
        "schedule": crontab(hour=4, minute=0),
    },
    "raise-not-seen-signals": {
        "task": "attendance.tasks.raise_not_seen_signals",
        "schedule": crontab(hour=1, minute=30),
    },
    "refresh-overviews": {
        "task": "overviews.tasks.refresh_overviews",
        "schedule": crontab(hour=5, minute=0),
    },
    "refresh-overview-summaries": {
        "task": "overviews.tasks.refresh_overview_summaries",
        "schedule": crontab(minute="*/15"),
    },
    "send-shift-reminders": {
        "task": "volunteers.tasks.send_shift_reminders",
        "schedule": crontab(minute="*/10"),
    },
    "alert-unfilled-shifts": {
        "task": "volunteers.tasks.alert_unfilled_shifts",
        "schedule": crontab(minute=40),
    },
    "expire-shift-offers": {
        "task": "volunteers.tasks.expire_shift_offers",
        "schedule": crontab(minute="*/10"),
    },
    "extend-shifts": {
        "task": "volunteers.tasks.extend_shifts",
        "schedule": crontab(hour=2, minute=50),
    },
    "purge-volunteering-data": {
        "task": "volunteers.tasks.purge_volunteering_data",
        "schedule": crontab(hour=4, minute=10),
    },
    # Check-ins nobody answered: hourly in the daytime, so nobody is mailed at night.
    "remind-check-ins": {
        "task": "attendance.tasks.remind_check_ins",
        "schedule": crontab(minute=25, hour="8-20"),
    },
    # Referrals nobody picked up: on working days in office hours.
    "remind-referrals": {
        "task": "referrals.tasks.remind_referrals",
        "schedule": crontab(minute=35, hour="8-17", day_of_week="mon-fri"),
    },
    "purge-referrals": {
        "task": "referrals.tasks.purge_referrals",
        "schedule": crontab(hour=4, minute=20),
    },
}
# A counted overview is kept this long under the summaries' version (overviews/kept.py);
# 0 counts every request from the summary tables (bench/pages.py measures it so).
OVERVIEWS_KEEP_SECONDS = env.int("OVERVIEWS_KEEP_SECONDS", default=6 * 60 * 60)
# Registrations (name and a way to reach someone) are deleted this long after their date.
REGISTRATION_RETENTION_DAYS = env.int("REGISTRATION_RETENTION_DAYS", default=30)
# Referrals (referrals/): the keys their free text and consent details are encrypted with,
# comma-separated, newest first (referrals/fields.py; `manage.py rotate_referral_keys`).
# Without DEBUG the app refuses to start without a key of its own (system check).
REFERRAL_KEYS = env.list("REFERRAL_KEYS", default=[])
if not REFERRAL_KEYS and DEBUG:
    # The public development key (referrals.fields.DEVELOPMENT_KEY): never in production.
    REFERRAL_KEYS = ["b216aWVuLWRldmVsb3BtZW50LWtleS1ub3RzZWNyZXQ="]
# A referral nobody accepted or declined reminds its team after this many working days,
# and its sender after this many.
REFERRAL_REMIND_TEAM_AFTER = env.int("REFERRAL_REMIND_TEAM_AFTER", default=2)
REFERRAL_REMIND_SENDER_AFTER = env.int("REFERRAL_REMIND_SENDER_AFTER", default=4)
# The personal details of a closed referral are purged this many days after closing.
REFERRAL_RETENTION_DAYS = env.int("REFERRAL_RETENTION_DAYS", default=365)
# Fetching an organisation's own calendar (activities/importing/): limits per feed.
CALENDAR_IMPORT_TIMEOUT = env.int("CALENDAR_IMPORT_TIMEOUT", default=10)
CALENDAR_IMPORT_MAX_BYTES = env.int("CALENDAR_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# bench/pages.py measures pages against a minimal view at /bench/floor/: only then.
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)
# `manage.py seed` creates demo accounts with a known password: off unless asked for.
SEED_ALLOWED = env.bool("SEED_ALLOWED", default=DEBUG)
# Accounts whose e-mail address was never confirmed are personal data with no purpose.
UNVERIFIED_ACCOUNT_RETENTION_DAYS = env.int("UNVERIFIED_ACCOUNT_RETENTION_DAYS", default=14)

# Security: safe by default; local development opts out through DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every page (django-csp): only our own scripts, styles and
# images (plus data: images, e.g. the QR code for setting up an authenticator app); the
# embed (activities/views/embed.py) sets its own policy that lets any site frame it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "network.views.csrf_failure"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
