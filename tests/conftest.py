import os

import pytest
from django.core.cache import cache
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need(reason: str):
    """Skip for a missing service, or fail when CI promised every service is there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 says it must be")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rate-limit counters and cached pages do not leak.
    On Redis only this worker's keys go (its own prefix), not another worker's."""
    delete_pattern = getattr(cache, "delete_pattern", None)
    delete_pattern("*") if delete_pattern else cache.clear()


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        need("needs PostgreSQL: set DATABASE_URL")
