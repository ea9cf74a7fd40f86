"""Production settings refuse to start half-configured, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import env
from shop.selectors import spellings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "config.settings.base", "PATH": os.environ["PATH"]}


def run_django(command: list[str], environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without(missing):
    environment = PRODUCTION | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com"}
    del environment[missing]
    result = run_django(["check"], environment)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable." in result.stderr


def test_production_settings_pass_the_deploy_checks():
    environment = PRODUCTION | {
        "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
        "ALLOWED_HOSTS": "shop.example.com",
    }
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], environment)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_flags_reject_what_they_cannot_read(monkeypatch):
    monkeypatch.setenv("DEBUG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env.flag("DEBUG")


def test_email_url_becomes_a_mailer():
    mailer = env.mailer("smtp://robot:p%40ss@mail.example.com:2525")
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"]["host"] == "mail.example.com"
    assert mailer["OPTIONS"]["port"] == 2525
    assert mailer["OPTIONS"]["password"] == "p@ss"
    assert mailer["OPTIONS"]["use_tls"] is True
    assert env.mailer("console://")["BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured):
        env.mailer("pigeon://coop")


def test_urls_in_the_environment_pick_postgresql_and_redis():
    environment = PRODUCTION | {
        "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": "postgres://shop:secret@db.internal:5432/shop",
        "REDIS_URL": "redis://cache.internal:6379/1",
    }
    script = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['NAME'], s.CACHES['default']['BACKEND'])"
    )
    result = run_django(["shell", "-c", script], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "django.db.backends.postgresql", "db.internal", "shop",
        "django_redis.cache.RedisCache",
    ]


def test_without_urls_the_demo_runs_on_sqlite_and_local_memory():
    environment = PRODUCTION | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com"}
    script = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])"
    )
    result = run_django(["shell", "-c", script], environment)
    assert result.stdout.split()[-2:] == [
        "django.db.backends.sqlite3", "django.core.cache.backends.locmem.LocMemCache",
    ]


@pytest.mark.django_db
def test_the_site_is_named_after_the_store_and_more_can_be_added():
    assert Site.objects.get(pk=1).name == "Northwind Supply"
    assert Site.objects.create(domain="second.example.com", name="Second").pk != 1


def test_production_hashes_passwords_with_argon2_and_shrugs_off_a_dead_redis():
    environment = PRODUCTION | {
        "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
    }
    script = (
        "from django.contrib.auth.hashers import make_password; "
        "from django.core.cache import cache; "
        "cache.set('k', 1); print(make_password('a long passphrase').split('$')[0], cache.get('k'))"
    )
    result = run_django(["shell", "-c", script], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["argon2", "None"]


def test_the_test_payment_provider_is_off_in_production():
    environment = PRODUCTION | {
        "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
        "ALLOWED_HOSTS": "shop.example.com",
    }
    code = "from django.conf import settings; print(settings.PAYMENT_PROVIDERS)"
    assert run_django(["shell", "-c", code], environment).stdout.splitlines()[-1] == "[]"
    turned_on = run_django(["check", "--deploy"], environment | {"PAYMENTS_TEST_PROVIDER": "1"})
    assert turned_on.returncode != 0
    assert "payments.E001" in turned_on.stderr + turned_on.stdout


@pytest.mark.parametrize("rate", ["8", "-0.01", "0.123456", "eight percent"])
def test_a_tax_rate_that_cannot_be_meant_is_refused(monkeypatch, rate):
    monkeypatch.setenv("STORE_TAX_RATE", rate)
    with pytest.raises(ImproperlyConfigured, match="STORE_TAX_RATE must be a number from 0"):
        env.decimal("STORE_TAX_RATE", "0", minimum="0", below="1", places=4)


def sentry_settings(environment: dict) -> subprocess.CompletedProcess:
    script = (
        "from django.conf import settings; "
        "print(settings.SENTRY_RELEASE, settings.SENTRY_TRACES_SAMPLE_RATE)"
    )
    base = PRODUCTION | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com"}
    return run_django(["shell", "-c", script], base | environment)


def test_sentry_release_is_sentry_release_else_the_app_version():
    assert sentry_settings({"APP_VERSION": "1.4.2"}).stdout.split()[-2] == "1.4.2"
    result = sentry_settings({"APP_VERSION": "1.4.2", "SENTRY_RELEASE": "shop@abc123"})
    assert result.stdout.split()[-2] == "shop@abc123"


@pytest.mark.parametrize("rate", ["1.5", "-0.1", "often"])
def test_a_sample_rate_outside_0_to_1_is_refused(rate):
    result = sentry_settings({"SENTRY_TRACES_SAMPLE_RATE": rate})
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1" in result.stderr


def test_the_demo_links_its_emails_to_the_port_it_is_served_on():
    script = "from django.conf import settings; print(settings.SITE_URL)"
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "PATH": os.environ["PATH"],
                   "PORT": "18500"}
    result = run_django(["shell", "-c", script], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "http://127.0.0.1:18500"


def test_postgresql_compiles_no_query_just_in_time(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_postgresql_finds_close_spellings_from_the_shops_similarity(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        assert float(cursor.fetchone()[0]) == spellings.CLOSE_ENOUGH
