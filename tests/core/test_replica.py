"""The read replica without a replica server: where the router sends reads and writes, how a
replica that cannot be reached is left alone, the settings that turn it on, and what /health/
and /readiness/ say about it. (tests/core/test_replica_postgres.py runs a real one.)"""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from config import databases
from core import db_routers
from core.db_routers import REPLICA, ReplicaRouter, iterate_from_replica, reading_from_replica
from dashboard.models import DemandForecast
from monitoring import health
from security.models import AuditEntry
from shop.models import Order, OrderLine, Product

ROOT = Path(__file__).resolve().parents[2]
router = ReplicaRouter()


@pytest.fixture
def replica_answers(monkeypatch):
    monkeypatch.setattr(db_routers.replica_health, "answers", lambda: True)


@pytest.fixture
def dead_replica(monkeypatch, settings, django_db_setup, django_db_blocker):
    """A `replica` database that cannot be opened (a SQLite file in a folder that does not
    exist), forgotten afterwards. The test database is open outside any test transaction
    (nothing here writes), as it is for a request: a test's transaction would keep every
    read on the primary, and would forbid opening a database the test did not declare."""
    config = connections.configure_settings({
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": "/nowhere/replica.sqlite3"},
    })[REPLICA]
    # A replica configured for the whole run (a test mirror) is put back afterwards.
    configured = connections[REPLICA] if REPLICA in connections.settings else None
    monkeypatch.setitem(connections.settings, REPLICA, config)
    monkeypatch.setitem(settings.DATABASES, REPLICA, config)  # usually the same dict
    if configured is not None:
        del connections[REPLICA]
    db_routers.replica_health.forget()
    with django_db_blocker.unblock():
        yield
        connections[REPLICA].close()
    db_routers.replica_health.forget()
    del connections[REPLICA]
    if configured is not None:
        connections[REPLICA] = configured


def test_reads_stay_on_the_primary_unless_marked(replica_answers):
    assert router.db_for_read(Order) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert router.db_for_read(Order) == REPLICA
        assert router.db_for_read(OrderLine) == REPLICA
        assert router.db_for_read(DemandForecast) == REPLICA
    assert router.db_for_read(Order) == DEFAULT_DB_ALIAS


def test_the_decorator_marks_only_the_call(replica_answers):
    @reading_from_replica()
    def figure():
        return router.db_for_read(Product)

    assert figure() == REPLICA
    assert router.db_for_read(Product) == DEFAULT_DB_ALIAS


def test_permissions_sessions_and_the_audit_log_are_read_on_the_primary(replica_answers):
    with reading_from_replica():
        assert router.db_for_read(Permission) == DEFAULT_DB_ALIAS
        assert router.db_for_read(AuditEntry) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there(replica_answers):
    with transaction.atomic(), reading_from_replica():
        assert router.db_for_read(Order) == DEFAULT_DB_ALIAS


def test_writes_and_migrations_go_to_the_primary_only(replica_answers):
    with reading_from_replica():
        assert router.db_for_write(Order) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "shop") is True
    assert router.allow_migrate(REPLICA, "shop") is False


def test_rows_from_the_replica_and_the_primary_may_refer_to_each_other():
    from_replica, from_primary = Order(), OrderLine()
    from_replica._state.db, from_primary._state.db = REPLICA, DEFAULT_DB_ALIAS
    assert router.allow_relation(from_replica, from_primary) is True
    elsewhere = Order()
    elsewhere._state.db = "archive"
    assert router.allow_relation(from_replica, elsewhere) is None


def test_a_stream_is_read_from_the_replica_chunk_by_chunk(replica_answers):
    def chunks():
        for _ in range(2):
            yield router.db_for_read(Order)

    stream = iterate_from_replica(chunks())
    assert next(stream) == REPLICA
    # Between chunks (the server sending one), nothing is marked.
    assert router.db_for_read(Order) == DEFAULT_DB_ALIAS
    assert list(stream) == [REPLICA]


def test_a_replica_that_cannot_be_reached_is_left_alone_for_a_while(dead_replica, monkeypatch,
                                                                      caplog):
    attempts = []
    real = connections[REPLICA].ensure_connection
    monkeypatch.setattr(connections[REPLICA], "ensure_connection",
                        lambda: attempts.append(1) or real())
    with caplog.at_level(logging.WARNING, logger="shop.outage"):
        assert db_routers.replica_health.answers() is False
        assert db_routers.replica_health.answers() is False
    assert len(attempts) == 1  # the second read did not wait for it again
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        f"The replica database is unavailable, reading from the primary for "
        f"{db_routers.DOWN_SECONDS} s"
    ]
    monkeypatch.setattr(db_routers.replica_health, "down_until", 0.0)  # the wait is over
    assert db_routers.replica_health.answers() is False
    assert len(attempts) == 2


def test_health_reports_a_dead_replica_as_degraded_and_readiness_leaves_it_out(dead_replica):
    report = health.describe_health(details=False)
    assert report["checks"]["replica"]["status"] == health.DEGRADED
    assert report["failing"] == []
    assert "replica" not in health.check_readiness().checks


@pytest.mark.django_db
def test_without_a_replica_health_says_nothing_of_one(monkeypatch, settings):
    monkeypatch.delitem(settings.DATABASES, REPLICA, raising=False)
    assert "replica" not in health.describe_health(details=False)["checks"]


@pytest.mark.django_db
def test_a_replica_that_is_the_primarys_own_database_is_left_out_of_health(monkeypatch, settings):
    """As in the suite run with DATABASE_REPLICA_URL, where the replica mirrors the test
    database."""
    configured = connections[REPLICA] if REPLICA in connections.settings else None
    monkeypatch.setitem(settings.DATABASES, REPLICA, connections["default"].settings_dict)
    monkeypatch.setitem(connections.settings, REPLICA, connections["default"].settings_dict)
    try:
        if configured is not None:
            del connections[REPLICA]
        assert "replica" not in health.describe_health(details=False)["checks"]
    finally:
        del connections[REPLICA]
        if configured is not None:
            connections[REPLICA] = configured


def test_the_replica_has_the_primarys_options_and_mirrors_it_in_tests(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shop:secret@primary.internal:5432/shop")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://shop:secret@replica.internal/shop")
    found = databases.databases(ROOT)
    primary, replica = found["default"], found[REPLICA]
    assert replica["HOST"] == "replica.internal"
    assert replica["OPTIONS"] == primary["OPTIONS"]
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"]
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"] == {"MIRROR": "default"}
    monkeypatch.delenv("DATABASE_REPLICA_URL")
    assert list(databases.databases(ROOT)) == ["default"]


@pytest.mark.parametrize(("replica_url", "routers"), [
    ("", "[]"),
    ("postgres://shop@replica.internal/shop", "['core.db_routers.ReplicaRouter']"),
])
def test_the_router_is_named_only_when_a_replica_is_configured(replica_url, routers):
    environment = {
        "PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com",
        "DATABASE_URL": "postgres://shop@primary.internal/shop",
        "DATABASE_REPLICA_URL": replica_url,
    }
    script = "from django.conf import settings as s; print(s.DATABASE_ROUTERS, sorted(s.DATABASES))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    aliases = "['default', 'replica']" if replica_url else "['default']"
    assert result.stdout.strip().splitlines()[-1] == f"{routers} {aliases}"
