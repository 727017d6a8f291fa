import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache: cached pages and rate-limit counters reset."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in with the second factor as well."""
    from tests.auth import login_staff

    return login_staff(client, admin_user)
