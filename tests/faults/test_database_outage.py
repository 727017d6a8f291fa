"""The database refuses connections while the site runs, then takes them again.

The test makes a database of its own (``clinic_fault_<pid>``, migrated, so it holds the
clinic's default content), points two gunicorn workers and a redis-server of its own at
it, and stops new connections with ``ALTER DATABASE ... ALLOW_CONNECTIONS false`` while
ending the workers' open ones. Meanwhile: cached public pages answer 200; anything that
needs the database answers a calm 503 in under two seconds, the booking form with what
the patient typed, /healthz/ and the admin included. Once connections are allowed again
everything works without restarting gunicorn, and the booking sent again is saved once.
The shared test database's connections and the ``postgres`` database are never touched.
"""

import os
import re
import sys

import psycopg2
import pytest
from django.db import connection

from tests.faults.servers import (
    Gunicorn,
    Process,
    RedisServer,
    app_env,
    booking_data,
    booking_form,
    database_url,
    http,
    require,
    slots_on,
    wait_for,
)

pytestmark = pytest.mark.postgres

CACHED = ["/", "/contact/", "/treatments/microneedling/"]
NEEDS_DATABASE = ["/treatments/microneedling/aftercare/", "/privacy/"]
CALM = "Our booking system is not answering just now"


def connect(dbname: str):
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=dbname,
        user=s["USER"] or "postgres",
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
    )
    conn.autocommit = True
    return conn


class Maintenance:
    """Statements about the fault database, sent on a connection of its own to the test
    database (whose other connections are left alone)."""

    def __init__(self, name: str):
        self.name = name
        self.conn = connect(connection.settings_dict["NAME"])

    def run(self, sql: str, *params):
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def refuse_connections(self) -> None:
        self.run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            self.name,
        )

    def allow_connections(self) -> None:
        self.run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def count(self, table: str) -> int:
        """Rows in a table of the fault database."""
        conn = connect(self.name)
        try:
            with conn.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our own names
                return cursor.fetchone()[0]
        finally:
            conn.close()


@pytest.fixture
def site(tmp_path, django_db_setup):
    require(redis=True)
    name = f"clinic_fault_{os.getpid()}"
    maintenance = Maintenance(name)
    maintenance.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    maintenance.run(f'CREATE DATABASE "{name}"')
    redis = RedisServer(tmp_path)
    server = None
    try:
        env = app_env(database=database_url(name), DJANGO_EMAIL_WORKER="1")
        migrate = Process(
            [sys.executable, "manage.py", "migrate", "--noinput"], env, tmp_path / "migrate.log"
        )
        assert migrate.popen.wait(timeout=120) == 0, migrate.log()[-3000:]
        migrate.stop()
        redis.start()
        server = Gunicorn(tmp_path, {**env, "REDIS_URL": redis.url}, workers=2)
        yield server, maintenance
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        maintenance.allow_connections()
        maintenance.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.conn.close()


def test_while_the_database_refuses_connections_the_site_answers_calmly(site):
    server, database = site
    url = server.url
    for path in CACHED:
        http(url + path)
        assert http(url + path).headers["X-Page-Cache"] == "hit", path
    day_page = http(url + "/book/?treatment=microneedling").body
    day = re.search(r'<option value="(\d{4}-\d\d-\d\d)"', day_page).group(1)
    headers, page = booking_form(f"{url}/book/?treatment=microneedling&date={day}")
    data = booking_data(page, slot=slots_on(page)[0], index=3)

    database.refuse_connections()
    answers = {}
    for path in CACHED:
        answers[path] = http(url + path)
        assert answers[path].status == 200, path
    for path in NEEDS_DATABASE:
        answers[path] = http(url + path)
        assert answers[path].status == 503, path
        assert CALM in answers[path].body
    answers["POST /book/"] = booking = http(url + "/book/", data=data, headers=headers)
    assert booking.status == 503
    for typed in (data["full_name"], data["email"], data["phone"], data["message"], data["token"]):
        assert typed in booking.body
    assert "nothing was booked" in booking.body
    assert 'href="tel:' in booking.body
    answers["/healthz/"] = health = http(url + "/healthz/")
    assert health.status == 503
    assert health.body == '{"status": "unavailable", "database": "down", "cache": "up"}'
    answers["/admin/"] = admin = http(url + "/admin/")
    assert admin.status == 503 and CALM in admin.body
    slow = {what: round(a.seconds, 2) for what, a in answers.items() if a.seconds >= 2}
    assert not slow, f"answers slower than 2 s with the database down: {slow}"

    database.allow_connections()
    wait_for(
        lambda: http(url + "/healthz/").status == 200, timeout=10, what="/healthz/ answering 200"
    )
    for path in NEEDS_DATABASE:
        assert http(url + path).status == 200, path
    assert http(url + "/admin/").status == 302  # to the sign-in page, as before
    first = http(url + "/book/", data=data, headers=headers)
    again = http(url + "/book/", data=data, headers=headers)  # the patient taps twice
    assert first.status == again.status == 302
    assert database.count("bookings_consultation") == 1
    assert database.count("bookings_outboundemail") == 2

    log = server.log()
    assert "Traceback" not in log
    assert " ERROR " not in log  # no error report per request, no email to ADMINS
    assert log.count("Database unreachable") <= 2  # one per worker at most in a minute
    for private in ("Fault Patient", data["email"], "0300 1234567", "923001234567"):
        assert private not in log
