import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rows are kept in the cache: each test starts without any."""
    cache.clear()
