"""Settings for the test suite: the dev defaults, made fast and quiet."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if REDIS_URL:  # noqa: F405
    # Parallel workers share one Redis; each keeps to its own keys.
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The browser suite points the Stripe SDK at a local stand-in for Stripe's API, which also
# serves the payment page the shopper is sent to.
if "STRIPE_API_BASE" in os.environ:
    STRIPE_API_BASE = os.environ["STRIPE_API_BASE"]
    SECURE_CSP["form-action"].append(STRIPE_API_BASE)  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}  # tests assert, they do not print
