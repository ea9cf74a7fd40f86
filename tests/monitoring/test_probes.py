"""The Kubernetes probes: answered before the rest of the middleware, for any Host, over
plain HTTP, with the production redirect to HTTPS on."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.conftest import DEAD_REDIS

POD_ADDRESS = "10.1.2.3:8000"  # not in ALLOWED_HOSTS
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _production_transport(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]


def probe(client, path, **extra):
    return client.get(path, HTTP_HOST=POD_ADDRESS, **extra)


# No database marker: a query would fail the test (pytest-django blocks database access).
def test_liveness_answers_any_host_over_plain_http_and_touches_nothing(client):
    response = probe(client, "/liveness/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no CSRF cookie: the stack never ran


def test_liveness_refuses_other_methods(client):
    response = client.post("/liveness/", HTTP_HOST=POD_ADDRESS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_readiness_answers_ok_when_everything_answers(client, django_assert_max_num_queries):
    # SELECT 1 in a savepoint (and its timeout on PostgreSQL), the migration records
    with django_assert_max_num_queries(7):
        response = probe(client, "/readiness/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
    }


@pytest.mark.django_db
def test_readiness_fails_naming_the_migrations_when_one_is_not_applied(client, unapplied_migration):
    response = probe(client, "/readiness/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == {"status": "failing", "reason": "1 not applied"}
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readiness_reads_the_migrations_only_until_all_are_applied(client):
    assert probe(client, "/readiness/").status_code == 200
    app, name = sorted(MigrationRecorder(connection).applied_migrations())[-1]
    MigrationRecorder(connection).record_unapplied(app, name)
    # Applied stays applied for the life of the process: migrations change with a deploy.
    assert probe(client, "/readiness/").status_code == 200


@pytest.mark.django_db
def test_readiness_reports_a_cache_that_is_down_as_degraded_but_ready(client, settings):
    settings.CACHES = DEAD_REDIS
    assert type(caches["default"]).__name__ == "RedisCache"
    response = probe(client, "/readiness/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["cache"] == {"status": "degraded", "reason": "no answer"}


def test_readiness_fails_fast_naming_the_database_when_it_is_unreachable():
    """Production settings with a database on a closed port, in a process of its own."""
    script = (
        "import json, time\n"
        "from django.test import Client\n"
        "started = time.perf_counter()\n"
        f"response = Client().get('/readiness/', HTTP_HOST={POD_ADDRESS!r})\n"
        "print(json.dumps({'status': response.status_code, 'body': response.json(),\n"
        "                  'seconds': time.perf_counter() - started}))\n"
    )
    environment = {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "probe-test-not-secret",
        "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
    }
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert result["body"]["failing"] == ["database"]
    assert result["body"]["checks"]["database"]["status"] == "failing"
    assert result["seconds"] < 2
