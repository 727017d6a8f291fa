"""The database health check: a dropped connection is replaced before a request uses it,
and a healthy one is checked without a round trip to the server."""

import time

import psycopg2
import pytest
from django.db import close_old_connections, connection

from bookings.models import Consultation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Checks the PostgreSQL backend. Set DATABASE_URL=postgres://... to run it.")


@pytest.fixture
def observer():
    """A second connection that watches ours from the server's side."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    watcher = psycopg2.connect(**params)
    watcher.autocommit = True
    yield watcher.cursor()
    watcher.close()


def last_query(observer, pid: int) -> str:
    observer.execute("SELECT pg_stat_clear_snapshot()")
    observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
    return observer.fetchone()[0]


def test_a_connection_the_server_dropped_is_replaced_before_the_next_request(observer):
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()
    observer.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not connection.is_usable()

    close_old_connections()  # what Django does when a request starts
    assert Consultation.objects.count() == 0
    assert connection.connection.get_backend_pid() != pid


def test_a_healthy_idle_connection_is_checked_without_a_query(observer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'health check marker'")
    pid = connection.connection.get_backend_pid()
    assert "health check marker" in last_query(observer, pid)

    assert connection.is_usable()
    assert "health check marker" in last_query(observer, pid)
    assert connection.connection.get_backend_pid() == pid
