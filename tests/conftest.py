import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache: cached pages and rate-limit counters reset."""
    cache.clear()
    yield
    cache.clear()
