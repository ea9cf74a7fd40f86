import os
from collections import defaultdict

import pytest
from django.contrib.sites.models import Site
from django.core.cache import cache, caches
from django.db import connection

from tests.accounts import make_account
from tests.second_factor import sign_in_with_second_factor

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# A Redis nobody answers (nothing listens on port 1), configured as production configures one.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5},
    }
}


def need(reason: str):
    """Skip for a missing service, or fail when CI promised every service is there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 says it must be")
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """A test that commits (`django_db(transaction=True)`) empties the database when it ends,
    taking the rows the migrations wrote (the site, the shipping methods) with it. Tests are
    sent to parallel workers a file at a time, so such tests keep to files of their own,
    which run after the others. Each of them also restores those rows first
    (`serialized_rollback=True`): one that did not would empty the tables and let the flush
    write the content types again under new ids, which the next one that does could then
    not restore."""
    kinds = defaultdict(set)
    unrestored = set()
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker:
            commits = bool(marker.kwargs.get("transaction"))
            kinds[item.path].add(commits)
            if commits and not marker.kwargs.get("serialized_rollback"):
                unrestored.add(str(item.path))
    mixed = sorted(str(path) for path, found in kinds.items() if len(found) > 1)
    if mixed:
        raise pytest.UsageError(f"Keep tests that commit in files of their own: {mixed}")
    if unrestored:
        raise pytest.UsageError(
            f"Tests that commit need serialized_rollback=True: {sorted(unrestored)}"
        )


@pytest.fixture(autouse=True)
def _rows_the_migrations_wrote(request):
    """A test that commits leaves the tables empty behind it (its flush skips what the
    migrations wrote; the next such test restores it first), and parallel workers may still
    hand this worker a test that does not commit afterwards: such a test gets the rows back
    (the site, the shipping methods), inside its own transaction."""
    fixtures = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    commits = "transactional_db" in fixtures or bool(marker and marker.kwargs.get("transaction"))
    if commits or ("db" not in fixtures and marker is None):
        return
    # The rows are kept (serialized) only when a test that commits was collected, and only
    # such a test empties the tables.
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        request.getfixturevalue("db")
        if not Site.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def empty_cache() -> None:
    """Empty the cache; on Redis only this worker's keys go (its own prefix), not another
    worker's."""
    delete_pattern = getattr(cache, "delete_pattern", None)
    delete_pattern("*") if delete_pattern else cache.clear()


def cache_calls(monkeypatch, *, with_keys: bool = False) -> list:
    """The names of the cache's methods called from now on, in order (with `with_keys`, each
    with the key or keys it was given); not the calls one makes to another (the local
    cache's get_many is a get for each key, Redis's one MGET)."""
    backend = caches["default"]
    called = []
    depth = [0]

    def spy(name):
        real = getattr(backend, name)

        def call(*args, **kwargs):
            if not depth[0]:
                called.append((name, args[0]) if with_keys else name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "add", "set", "incr", "delete"):
        monkeypatch.setattr(backend, name, spy(name))
    return called


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit counters and cached pages do not leak."""
    empty_cache()


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def staff(db):
    """A staff member who can sign in (a superuser, so every admin page is theirs)."""
    return make_account("staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    """The staff member signed in with the second factor, as the staff pages require."""
    sign_in_with_second_factor(client, staff)
    return client
