"""Settings for `make run`: the demo shop on a laptop, with no environment needed."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-8c1f0f6e2b9a4d7e")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Emails sent outside a request (order emails) link to where `make run` serves: PORT.
os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
os.environ.setdefault("PAYMENTS_TEST_PROVIDER", "true")  # the whole purchase works offline
os.environ.setdefault("STORE_TAX_RATE", "0.08")  # a demo sales tax
os.environ.setdefault("LOG_FORMAT", "text")  # logs for people, not a collector

from .base import *  # noqa: F403

DEBUG = env.flag("DEBUG", True)  # noqa: F405
DEMO_ACCOUNTS = True  # manage.py demo_staff and seed_demo may run
SERVE_MEDIA = env.flag("SERVE_MEDIA", True)  # noqa: F405
# Static files straight from the apps and static/, no collectstatic needed, served by
# WhiteNoise as in production (not by runserver), so they carry the same headers.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = True
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]  # noqa: F405
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MAILERS = {"default": env.mailer(env.text("EMAIL_URL", "console://"))}  # noqa: F405
# No worker to start: tasks run in the request.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
