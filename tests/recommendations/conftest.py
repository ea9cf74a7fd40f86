import pytest

from tests.conftest import empty_cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rows are kept in the cache: each test starts without any."""
    empty_cache()
