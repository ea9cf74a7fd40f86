"""Production-safe settings. dev and test relax them; nothing here is a demo default.

Refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import env, headers
from config.databases import REPLICA, databases
from config.log_format import django_logging, log_format
from config.media import bucket_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env.required("SECRET_KEY")
DEBUG = env.flag("DEBUG")
# The demo's staff account (its password is published) and made-up orders: `demo_staff` and
# `seed_demo` run only where this is on, which only the dev settings do, whatever DEBUG says.
DEMO_ACCOUNTS = False
ALLOWED_HOSTS = env.listing(env.required("ALLOWED_HOSTS"))
CSRF_TRUSTED_ORIGINS = env.listing(env.text("CSRF_TRUSTED_ORIGINS"))
# The shop's public address, for links in emails (which are sent outside any request).
SITE_URL = env.text("SITE_URL", f"https://{ALLOWED_HOSTS[0]}").rstrip("/")

STORE_NAME = env.text("STORE_NAME", "Northwind Supply")
STORE_CURRENCY = env.text("STORE_CURRENCY", "USD").upper()
ORDER_PAYMENT_TIMEOUT_MINUTES = env.integer("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
# Reordering (dashboard.forecasts): days from ordering stock to having it, and days of sales
# an order should then last.
REORDER_LEAD_DAYS = env.integer("REORDER_LEAD_DAYS", 14)
REORDER_COVER_DAYS = env.integer("REORDER_COVER_DAYS", 30)
# Order risk (shop.risk.rules): a paid order scoring this much (of 100) or more is held for
# review before it ships.
RISK_REVIEW_THRESHOLD = env.integer("RISK_REVIEW_THRESHOLD", 50)
# Retention (dashboard.retention, daily): days after which what is kept of a person goes.
# Guest carts untouched this long are deleted; sign-ups never verified are deleted; the
# visitors behind the storefront's session counts are kept only as daily totals; webhook
# payloads lose their personal fields (finance's period: disputes come up to 120 days after
# a payment, and a year covers them and the yearly books).
RETENTION_GUEST_CART_DAYS = env.integer("RETENTION_GUEST_CART_DAYS", 30)
RETENTION_UNVERIFIED_SIGNUP_DAYS = env.integer("RETENTION_UNVERIFIED_SIGNUP_DAYS", 14)
RETENTION_VISITOR_DAYS = env.integer("RETENTION_VISITOR_DAYS", 90)
WEBHOOK_PAYLOAD_RETENTION_DAYS = env.integer("WEBHOOK_PAYLOAD_RETENTION_DAYS", 365)
# Days a customer's data export stays downloadable by its emailed link.
PRIVACY_EXPORT_DAYS = env.integer("PRIVACY_EXPORT_DAYS", 7)
# Hours a guest's emailed link (to download or delete their orders' data) works.
PRIVACY_GUEST_LINK_HOURS = env.integer("PRIVACY_GUEST_LINK_HOURS", 24)
# Prices are shown and stored without tax; this rate is added at checkout on the goods and
# the shipping (a sales tax): 0.08 is 8%, 0 turns tax off.
STORE_TAX_RATE = env.decimal("STORE_TAX_RATE", "0", minimum="0", below="1", places=4)
# Where parcels go: ISO 3166 codes, the first one preselected at checkout.
SHIPPING_COUNTRIES = env.listing(env.text("SHIPPING_COUNTRIES", "US,CA,GB,IE,DE,FR,NL"))
# Payment providers. Each is offered at checkout once its keys are set; `check --deploy`
# asks for the webhook secrets of those that are on.
STRIPE_SECRET_KEY = env.text("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env.text("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env.text("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = "https://api.stripe.com"
PAYPAL_CLIENT_ID = env.text("PAYPAL_CLIENT_ID")
PAYPAL_CLIENT_SECRET = env.text("PAYPAL_CLIENT_SECRET")
PAYPAL_WEBHOOK_ID = env.text("PAYPAL_WEBHOOK_ID")
PAYPAL_MODE = env.choice("PAYPAL_MODE", "sandbox", ["sandbox", "live"])
PAYPAL_API_BASE = {
    "sandbox": "https://api-m.sandbox.paypal.com",
    "live": "https://api-m.paypal.com",
}[PAYPAL_MODE]
# How PayPal webhooks are verified: "certificate" checks the signature here with PayPal's
# certificate (cached); "api" asks PayPal's verify-webhook-signature endpoint each time.
PAYPAL_WEBHOOK_VERIFICATION = env.choice(
    "PAYPAL_WEBHOOK_VERIFICATION", "certificate", ["certificate", "api"]
)
# The local test provider marks orders paid without money: dev only, refused by
# `check --deploy`.
PAYMENTS_TEST_PROVIDER = env.flag("PAYMENTS_TEST_PROVIDER")
PAYMENT_PROVIDERS = [
    *(["stripe"] if STRIPE_SECRET_KEY else []),
    *(["paypal"] if PAYPAL_CLIENT_ID else []),
    *(["test"] if PAYMENTS_TEST_PROVIDER else []),
]
# How the checkout and an order's page offer each provider to shoppers. Plain data here,
# beside the switch that turns providers on, because shop offers the choice and must never
# import payments (and config imports no app); the providers themselves never show a label.
PAYMENT_PROVIDER_LABELS = {
    "stripe": "Card (Stripe)",
    "paypal": "PayPal",
    "test": "Test payment (no money moves)",
}
PRODUCTS_PER_PAGE = 24

INSTALLED_APPS = [
    # The admin, on a site that lets in only staff whose session passed the second factor.
    "security.twofactor.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "django_htmx",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "core",
    "worker",
    "security",
    "monitoring",
    "shop",
    "payments",
    "dashboard",
    "marketplace",
    "recommendations",
]

MIDDLEWARE = [
    # Kubernetes calls the probes by pod IP over plain HTTP: answered before host checks,
    # HTTPS redirects, sessions, CSRF and rate limits.
    "monitoring.probes.ProbeMiddleware",
    # A request id for every request, its log line and its Server-Timing header.
    "monitoring.requests.RequestMiddleware",
    # A view that finds the database unavailable answers 503 (monitoring.outage; a
    # middleware's outage is answered by handler500).
    "monitoring.outage.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "security.headers.PermissionsPolicyMiddleware",
    # Above WhiteNoise, so static files carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Input the database cannot take answers 400 before anything (a session) reads it.
    "security.suspicious.SuspiciousInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.twofactor.middleware.SecondFactorMiddleware",
    "security.ratelimits.RateLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Storefront visitors for the dashboard: a row per visitor per day, known by a cookie of
    # its own.
    "dashboard.sessions.SessionCountMiddleware",
    # A visitor signing out forgets its recently viewed products too.
    "recommendations.recent.ForgetAtSignOutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.store",
            ],
        },
    },
]

# --- data -----------------------------------------------------------------------------------

# The primary, and a read replica with DATABASE_REPLICA_URL (config.databases): reads that may
# lag by seconds go there through the router (core.db_routers), everything else stays here.
DATABASES = databases(BASE_DIR)
DATABASE_ROUTERS = ["core.db_routers.ReplicaRouter"] if REPLICA in DATABASES else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.text("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shop",
            "OPTIONS": {
                # The cache is a soft dependency: an outage slows the shop down, never stops it.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    # Room for what the shop keeps (the dashboard alone keeps a count per past day): past
    # the default of 300 entries the cache culls a third of them, rate-limit counters too.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
# Sessions are read from the cache and written through to the database, so a cache outage or
# eviction signs nobody out; a signed-in one is read with its user (security.sessions).
SESSION_ENGINE = "security.sessions"

# --- accounts -------------------------------------------------------------------------------

AUTH_USER_MODEL = "shop.User"
# Django's and allauth's, reading a signed-in customer's user row through the cache
# (security.users).
AUTHENTICATION_BACKENDS = [
    "security.users.KeptModelBackend",
    "security.users.KeptAllauthBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{STORE_NAME}] "
# Two-factor sign-in: RFC 6238 codes (django-otp's TOTPDevice defaults: SHA-1, 6 digits, 30 s),
# one step either side of the server's clock and no more: the accepted window never drifts.
OTP_TOTP_ISSUER = STORE_NAME
OTP_TOTP_SYNC = False
# The admin's device pages never show a device's secret key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# allauth's, with the lockout; sign-up taking as long whether or not the email has an account.
ACCOUNT_FORMS = {"login": "security.forms.LoginForm", "signup": "security.forms.SignupForm"}
# The session that changed the password stays signed in (it just proved it knows the old one);
# every other session of the account ends on its next request, as Django's session auth hash
# no longer matches. A password reset ends them all, and the reset link does not sign in.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# security.ratelimits counts sign-ins, sign-ups and reset requests (per address and per email,
# answering 429 with Retry-After) and security.lockout counts failed sign-ins per email and
# address; allauth's own counters for the same steps are off so only one rule answers. Its
# login_failed limit would also lock an account for everyone after five failures from
# anywhere, which lets a stranger lock a customer out. Its other limits (password change,
# the reset link, email management, confirmation cooldown) stay as they are.
ACCOUNT_RATE_LIMITS = {"login": None, "login_failed": None, "signup": None, "reset_password": None}

MAILERS = {"default": env.mailer(env.text("EMAIL_URL", "smtp://localhost:25"))}
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", f"{STORE_NAME} <shop@localhost>")

# Background work: rows in the database, written in the transaction that asks for them and
# run by `manage.py run_worker` (django-tasks-db's worker with heartbeats: a task whose worker
# died is queued again once the worker has not been seen for WORKER_LOST_AFTER_SECONDS).
# Dev and tests run tasks in the request instead (dev.py).
TASKS = {"default": {"BACKEND": "worker.backend.DatabaseBackend"}}
TASK_WORKER_HEARTBEAT_SECONDS = env.integer("WORKER_HEARTBEAT_SECONDS", 10)
TASK_WORKER_LOST_AFTER_SECONDS = env.integer("WORKER_LOST_AFTER_SECONDS", 45)
if TASK_WORKER_LOST_AFTER_SECONDS < 3 * TASK_WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_LOST_AFTER_SECONDS must be at least three heartbeats (WORKER_HEARTBEAT_SECONDS)."
    )
# Touched at every heartbeat; the worker container's liveness probe checks its age.
TASK_WORKER_HEARTBEAT_FILE = env.text(
    "WORKER_HEARTBEAT_FILE", str(Path(tempfile.gettempdir()) / "worker-heartbeat")
)
TASK_WORKER_METRICS_PORT = env.integer("WORKER_METRICS_PORT", 9100)

# --- i18n -----------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.text("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.text("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded images are served by the app only in dev; production puts a web server or a
# bucket in front of MEDIA_ROOT.
SERVE_MEDIA = env.flag("SERVE_MEDIA")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# With a bucket (AWS_STORAGE_BUCKET_NAME and the rest of config.media), product images go to
# S3-compatible object storage, which every pod on every node reaches alike; without one they
# stay on the MEDIA_ROOT volume, which only pods on one node can share.
AWS_STORAGE_BUCKET_NAME = env.text("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"], MEDIA_URL = bucket_storage(AWS_STORAGE_BUCKET_NAME)

# --- security -------------------------------------------------------------------------------

if env.flag("BEHIND_TLS_PROXY"):
    # Only behind a proxy that terminates TLS and sets X-Forwarded-Proto itself (an ingress,
    # a load balancer); otherwise a client could claim HTTPS with the header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of ours (ingress, load balancer) sit in front of the app and append to
# X-Forwarded-For. The client's address is the n-th from the right of that header; with 0
# the header is ignored, as anyone can send it. security.net.client_ip reads this; allauth
# is told the same.
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Rate limits (security.ratelimits): django-ratelimit's counters in the default cache. On
# unless switched off for a load test from one machine. When the cache is down requests are
# let through (the cache is a soft dependency); sign-in lockouts live in the database and
# still hold.
RATELIMIT_ENABLE = env.flag("RATELIMIT_ENABLE", True)
RATELIMIT_FAIL_OPEN = True
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
# Where the HTTPS redirect sends a request made over plain HTTP: a host, and a port when not
# 443 (`shop.example.com:8443`). Empty keeps the host the request named.
SECURE_SSL_HOST = env.text("SECURE_SSL_HOST") or None
if SECURE_SSL_HOST and ("/" in SECURE_SSL_HOST or "@" in SECURE_SSL_HOST):
    raise ImproperlyConfigured(
        f"SECURE_SSL_HOST must be a host with an optional port, not {SECURE_SSL_HOST!r}."
    )
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = headers.content_security_policy(
    media_url=MEDIA_URL, payment_providers=PAYMENT_PROVIDERS, paypal_mode=PAYPAL_MODE
)
# Named endpoints of the Reporting API, sent as the Reporting-Endpoints header.
REPORTING_ENDPOINTS = {"csp": "/csp-report/"}
PERMISSIONS_POLICY = headers.PERMISSIONS_POLICY

# --- observability --------------------------------------------------------------------------

# JSON lines for the log collector in production; dev sets text for people.
LOG_FORMAT = log_format()
LOGGING = django_logging()
# Queries slower than this are logged on shop.db.slow (by their SQL, never their parameters).
SLOW_QUERY_MS = env.integer("SLOW_QUERY_MS", 200)

# Error reports, only when SENTRY_DSN is set (monitoring.sentry, started when the app is
# ready). The release is the deployed version: SENTRY_RELEASE, else APP_VERSION as the deploy
# stamps it (a tag or a commit; /health/ shows it too).
APP_VERSION = env.text("APP_VERSION")
SENTRY_DSN = env.text("SENTRY_DSN")
SENTRY_RELEASE = env.text("SENTRY_RELEASE") or APP_VERSION
SENTRY_ENVIRONMENT = env.text("SENTRY_ENVIRONMENT")
SENTRY_TRACES_SAMPLE_RATE = env.fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)

# Metrics and alerts (monitoring.metrics, monitoring.scrape, monitoring.alerts). ---------------
# /metrics answers a scraper sending `Authorization: Bearer <METRICS_TOKEN>` or calling from
# one of METRICS_ALLOWED_IPS (addresses or CIDR ranges, matched against the connection's
# address); with neither, nobody.
METRICS_TOKEN = env.text("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env.networks("METRICS_ALLOWED_IPS")
# Set in the environment of every worker (prometheus_client reads it itself, at import):
# the workers' values are kept in files there and a scrape adds them up.
PROMETHEUS_MULTIPROC_DIR = env.text("PROMETHEUS_MULTIPROC_DIR")
# Alerts go by email here (comma-separated) as well as to the log, Sentry and the dashboard.
STAFF_ALERT_EMAIL = env.listing(env.text("STAFF_ALERT_EMAIL"))
# An alert when more than this many happen within one minute.
ALERT_5XX_PER_MINUTE = env.integer("ALERT_5XX_PER_MINUTE", 20)
ALERT_PAYMENT_FAILURES_PER_MINUTE = env.integer("ALERT_PAYMENT_FAILURES_PER_MINUTE", 5)
ALERT_WEBHOOK_SIGNATURE_FAILURES_PER_MINUTE = env.integer(
    "ALERT_WEBHOOK_SIGNATURE_FAILURES_PER_MINUTE", 5
)
# An alert when a paid order leaves a variant with fewer units than this to sell.
LOW_STOCK_THRESHOLD = env.integer("LOW_STOCK_THRESHOLD", 3)
