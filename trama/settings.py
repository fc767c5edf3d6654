"""Trama settings, read from environment variables (see README, "Configurazione")."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from trama.lib.env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
DEMO_MODE = env_bool("DEMO_MODE", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The name e-mails are signed with and their subjects start with ("[Trama] …").
SITE_NAME = env_str("SITE_NAME", "Trama")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "crontask",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "bootstrap_italia_template",
    "trama.accounts",
    "trama.audit",
    "trama.territories",
    "trama.organizations",
    "trama.notifications",
    "trama.programs",
    "trama.procedures",
    "trama.agreements",
    "trama.partnerships",
    "trama.community",
    "trama.community.search",
    "trama.community.practices",
    "trama.community.events",
    "trama.community.discussions",
    "trama.community.whatsnew",
    "trama.ledger",
    "trama.opendata.webhooks",
    "trama.opendata.ocds",
    "trama.opendata.transparency",
    "trama.opendata.catalogue",
    "trama.api",
    "trama.pages",
    "trama.demo",
    "trama.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trama.lib.middleware.ItalianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "trama.organizations.middleware.RequireTwoFactorMiddleware",
]

# The page benchmark (scripts/bench_pages.py) serves its no-op views from trama.urls_bench.
ROOT_URLCONF = env_str("ROOT_URLCONF", "trama.urls")
WSGI_APPLICATION = "trama.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "trama" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "trama.organizations.context_processors.active_organization",
            ],
            "builtins": ["trama.lib.templatetags"],
        },
    },
]

# Django's form renderer, with text inputs and textareas built in Python (trama/lib/renderers.py).
FORM_RENDERER = "trama.lib.renderers.QuickRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

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

# Caches back allauth's rate limits (brute-force protection on login): with several web
# processes in production, point REDIS_URL at a shared Redis so the limits are global.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "trama.lib.redis_cache.SharedRedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- API (django-ninja) ---
# Requests per personal token, and per client IP address for requests without one; the
# counts live in the cache above, so with REDIS_URL they hold across web processes.
API_THROTTLE_RATES = {
    "token": env_rate("API_THROTTLE_TOKEN_RATE", "600/m"),
    "anon": env_rate("API_THROTTLE_ANON_RATE", "120/m"),
}
# Behind N reverse proxies the client's address is the N-th from the right of
# X-Forwarded-For; 0 trusts only the connection's address (no proxy).
NINJA_NUM_PROXIES = env_int("API_NUM_PROXIES", 0)

# --- accounts (django-allauth) ---
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "trama.accounts.forms.SignupNameForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "trama.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
LOGIN_REDIRECT_URL = "pages:dashboard"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Trama"

# --- internationalisation ---
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "trama" / "locale"]
# Italian dates as Italian writes them (trama/lib/formats/it/formats.py).
FORMAT_MODULE_PATH = ["trama.lib.formats"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

# --- static and uploaded files ---
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "trama" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Evidence files and uploads waiting for import: never served by URL, only through views.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        # Bootstrap Italia's stylesheet references files the theme package does not ship,
        # so the compressed (not manifest) storage is used; whitenoise still sets caching.
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

# Requests larger than these are refused with a 400 before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- e-mail ---
# EMAIL_BACKEND: console (development), smtp (production), filebased (EMAIL_FILE_PATH) or a
# dotted path. SMTP reads EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and
# EMAIL_USE_TLS.
_MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "filebased": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_mail_backend = env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp")
_mail_backend = _MAIL_BACKENDS.get(_mail_backend, _mail_backend)
_mail_options = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 30,
    }
elif _mail_backend.endswith("filebased.EmailBackend"):
    _mail_options = {"file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))}
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trama <noreply@trama.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- open-data catalogue (trama.opendata.catalogue) ---
# Who publishes the DCAT-AP_IT catalogue: the body running this installation, by name and
# IPA code, and the address that answers questions on the data (a body's own e-mail when it
# has one).
OPENDATA_PUBLISHER_NAME = env_str("OPENDATA_PUBLISHER_NAME", SITE_NAME)
OPENDATA_PUBLISHER_ID = env_str("OPENDATA_PUBLISHER_ID", "trama")
OPENDATA_CONTACT_EMAIL = env_str("OPENDATA_CONTACT_EMAIL", "opendata@trama.localhost")

# --- background tasks (django.tasks) ---
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("TASK_BACKEND", "database")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(_task_backend, _task_backend)}}
# The scheduler (`manage.py crontask --no-heartbeat`, django-crontask) enqueues the jobs of
# each app's tasks.py at their times; the workers run them. With REDIS_URL, a lock in Redis
# lets one scheduler run however many are started (one per host is safe).
CRONTASK = {"REDIS_URL": REDIS_URL or None}

# --- webhooks (trama.opendata.webhooks) ---
# A subscription is disabled after this many failed attempts in a row (its admins are told).
WEBHOOKS_MAX_FAILURES = env_int("WEBHOOKS_MAX_FAILURES", 10)
# Deliveries to loopback and private networks are refused unless this is set (an internal
# regional portal, a developer's machine).
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", DEBUG)

# --- security ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# OCDS: every procedure's ocid is this prefix and its id (`ocds-trama-42`). A publisher
# registers its own prefix with the Open Contracting Partnership (ocds- and six characters).
OCDS_OCID_PREFIX = env_str("OCDS_OCID_PREFIX", "ocds-trama")

# Invitations to join an organisation stay valid this many days.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pyHanko warns, with a traceback, of every certificate it can't trust; Trama checks
        # signatures without the trusted lists on purpose (lib/signatures.py) and says so.
        "pyhanko.sign.validation.generic_cms": {"level": "ERROR"},
        # WeasyPrint and fontTools narrate every PDF they make at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
