"""Settings for the clinic site, all driven by environment variables.

One module for every environment: `make run` turns debug on, production sets the
secret key and allowed hosts, tests set what they need through pytest-env.

A production process missing its secret key or allowed hosts stops at once with one line
saying which.
"""

import sys
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        sys.exit("DJANGO_SECRET_KEY is not set: production refuses to start without a secret key.")
    SECRET_KEY = "insecure-local-development-key-only-for-debug-mode"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
elif not ALLOWED_HOSTS:
    sys.exit("DJANGO_ALLOWED_HOSTS is not set: production refuses to start without allowed hosts.")

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the site, used in emails, sitemaps and canonical links when a
# request is not at hand (background workers).
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_ratelimit",
    "phonenumber_field",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "clinic",
    "treatments",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF and message middleware: it decides what browsers and
    # shared caches may keep once their cookies are set.
    "clinic.middleware.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before two-step sign-in, which reads the signed-in user from the database.
    "clinic.middleware.DatabaseUnavailableMiddleware",
    "clinic.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"

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
                "csp.context_processors.nonce",
                "clinic.context_processors.clinic",
            ],
        },
    },
]

WSGI_APPLICATION = "clinic.wsgi.application"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Kept connections, checked before each request's first query after a restart or an
    # idle timeout on the server.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer is reported within a second or so (the 503 page),
    # never a hanging request; connecting on the same network takes milliseconds, and
    # a kept connection is rarely opened again (add ?connect_timeout=N to DATABASE_URL
    # for a distant server). No statement or lock timeout: a booking waits its turn for
    # the day's lock (0.6 s at most for 40 at once), and migrations use these settings.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 1)
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the development server read while a request writes.
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis answers within milliseconds; a longer wait only slows every page while it
    # hangs, and the site works without it (from the database, slower).
    _redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="clinic"),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
    CACHES = {
        # Rate limits, the clinic's details: a miss while Redis is down.
        "default": {**_redis, "OPTIONS": {**_redis["OPTIONS"], "IGNORE_EXCEPTIONS": True}},
        # clinic/page_cache.py (versions, cached values and pages): the same Redis, with
        # its errors raised, so that an outage is told from a miss.
        "versioned": _redis,
    }
    SILENCED_SYSTEM_CHECKS = []
else:
    # One process (make run, tests) needs no shared cache; with several app servers set
    # REDIS_URL so rate limits and cached pages are shared.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
    # Both names share one store (the same LOCATION).
    _local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clinic"}
    CACHES = {"default": _local, "versioned": _local}

# Public pages (treatment pages, home, contact, privacy, robots.txt, the sitemap) may be
# kept this many seconds by browsers (max-age) and by nginx or a CDN (s-maxage), then
# asked again with their ETag (a 304 costs no query). A staff edit changes the tag at
# once, so it shows through a shared cache within s-maxage, in a browser within max-age.
PUBLIC_MAX_AGE = env.int("DJANGO_PUBLIC_MAX_AGE", default=60)
PUBLIC_S_MAXAGE = env.int("DJANGO_PUBLIC_S_MAXAGE", default=300)

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"
LOGIN_URL = f"/{ADMIN_URL}login/"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins from one address for one username lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "clinic/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "clinic.ratelimit.client_axes_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
AXES_VERBOSE = False

# Staff who hold this permission (and superusers) must use two-step sign-in.
STAFF_TWO_FACTOR_PERMISSION = "bookings.view_consultation"
OTP_TOTP_ISSUER = "Khan Clinic"

# --- Internationalisation and time ----------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Production serves collected, compressed files with hashed names (cached forever);
# development and tests serve the sources straight from static/.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 60 * 60  # files without a hash in their name

# --- Email ----------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = environ.Env.email_url_config(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Khan Aesthetic & Laser Clinic <appointments@khanclinic.pk>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is emailed the report of a server error: "Name <address>" or addresses, comma-separated.
ADMINS = getaddresses([env.str("DJANGO_ADMINS", default="")])
ADMINS = [(name, address) for name, address in ADMINS if address]
CLINIC_STAFF_EMAIL = env.str("CLINIC_STAFF_EMAIL", default="reception@khanclinic.pk")
# With a worker running (`make serve` starts `send_queued_email --loop`), a request only
# queues its emails and answers at once; without one (development), the request sends
# them itself right after its transaction commits.
EMAIL_SENT_BY_WORKER = env.bool("DJANGO_EMAIL_WORKER", default=False)

# --- Security -------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A friendly page (templates/403_csrf.html, with the site around it) when a form's token
# is missing or stale.
CSRF_FAILURE_VIEW = "bookings.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Sessions end after an hour without activity (each request renews the hour).
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_SECONDS", default=60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

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
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# --- Abuse limits ---------------------------------------------------------------------
RATELIMIT_IP_META_KEY = "clinic.ratelimit.client_ip"
RATELIMIT_VIEW = "clinic.views.too_many_requests"
BOOKINGS_RATE_LIMIT = env.str("DJANGO_BOOKINGS_RATE_LIMIT", default="10/h")
# Off only for load benchmarks from one address (bench/run.py sets it); never in production.
RATELIMIT_ENABLE = env.bool("DJANGO_RATELIMIT_ENABLE", default=True)
# While Redis is down no count can be kept: forms are then allowed (open), not refused
# to every patient. The diary stays safe without the limit (each booking takes the
# day's lock in the database and its idempotency key makes a repeat a no-op); the
# question form keeps its honeypot.
RATELIMIT_FAIL_OPEN = True
# Only addresses of our own reverse proxy may tell us the client's address.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])

# --- Patients' own pages and the waitlist ---------------------------------------------
# A sign-in link to "My consultations" works for this many minutes and this many times;
# the patient's session then ends after this many minutes without a page opened.
PATIENT_LINK_MINUTES = env.int("DJANGO_PATIENT_LINK_MINUTES", default=30)
PATIENT_LINK_USES = env.int("DJANGO_PATIENT_LINK_USES", default=3)
PATIENT_IDLE_MINUTES = env.int("DJANGO_PATIENT_IDLE_MINUTES", default=20)
# A time offered to the first patient on the waitlist is held for them this long (never
# past the start of the notice period), then offered to the next.
WAITLIST_HOLD_MINUTES = env.int("DJANGO_WAITLIST_HOLD_MINUTES", default=120)

# --- Phone numbers --------------------------------------------------------------------
# Patients may type 0300 1234567; it is read as Pakistani and stored as +923001234567.
PHONENUMBER_DEFAULT_REGION = "PK"
PHONENUMBER_DB_FORMAT = "E164"

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------
# Plain messages to stdout; request bodies and form data are never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Emails and phone numbers are removed from anything logged (clinic/logging.py).
    "filters": {
        "scrub_patient_data": {"()": "clinic.logging.ScrubPatientData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": sys.stdout,
            "filters": ["scrub_patient_data"],
        },
        # Server errors to ADMINS, without form data, variables or contact details.
        "mail_admins": {
            "()": "clinic.logging.PatientSafeAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "scrub_patient_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces the handlers of Django's default logging (whose error email would
        # carry the request's data).
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.security.DisallowedHost": {"handlers": [], "propagate": False},
    },
}


# --- The clinic -----------------------------------------------------------------------
# Shown when the database cannot be reached (the 500 page); staff edit the live details
# in admin.
CLINIC_NAME = "Khan Aesthetic & Laser Clinic"
