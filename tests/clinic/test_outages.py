"""When the cache or the database does not answer: the site keeps serving what it can,
answers a calm 503 for the rest, logs one warning a minute and never a stale page."""

import logging
import socket
import time
import types

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from clinic import middleware, page_cache
from clinic.models import ClinicProfile
from tests.factories import TreatmentFactory
from treatments.models import Treatment


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    fake_time = types.SimpleNamespace(monotonic=clock.monotonic, time_ns=time.time_ns)
    monkeypatch.setattr(page_cache, "time", fake_time)
    monkeypatch.setattr(middleware, "time", fake_time)
    return clock


class FlakyCache:
    """The real (local-memory) cache, or a Redis that does not answer while ``down``:
    its data stays, as when Redis is cut off and comes back with what it had."""

    def __init__(self, real):
        self.real = real
        self.down = False
        self.refused = 0

    def __getattr__(self, name):
        if self.down:

            def unreachable(*args, **kwargs):
                self.refused += 1
                raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.")

            return unreachable
        return getattr(self.real, name)


@pytest.fixture
def flaky(monkeypatch, clock):
    real = page_cache._cache()
    cache = FlakyCache(real)
    monkeypatch.setattr(page_cache, "_cache", lambda: cache)
    monkeypatch.setattr(page_cache, "_health", page_cache._CacheHealth())
    monkeypatch.setattr(page_cache, "_in_process", {})
    return cache


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    def down():
        monkeypatch.setattr(CursorWrapper, "execute", refuse)

    monkeypatch.setattr(middleware, "_warning", middleware.Throttle(60))
    return down


def cache_warnings(caplog) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "clinic.page_cache" and r.levelno == logging.WARNING
    ]


# --- the 503 page -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_503_page_renders_without_the_database_and_offers_the_clinics_number(
    django_assert_num_queries,
):
    ClinicProfile.objects.update_or_create(
        pk=1, defaults={"name": "Khan Clinic", "phone": "+92 51 1234567", "street_address": "x"}
    )
    ClinicProfile.current()  # a page this process served before the outage
    with django_assert_num_queries(0):
        response = middleware.database_unavailable(RequestFactory().get("/contact/"))
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    assert "Khan Clinic" in html
    assert 'href="tel:+92511234567"' in html
    assert "Error 500" not in html


def test_without_the_clinics_details_cached_the_503_page_names_the_clinic_from_settings(
    settings, monkeypatch
):
    monkeypatch.setattr("clinic.page_cache.last_value", lambda slot: None)
    response = middleware.database_unavailable(RequestFactory().post("/book/"))
    html = response.content.decode()
    assert settings.CLINIC_NAME.replace("&", "&amp;") in html
    assert "Nothing you sent was saved" in html


# --- the database does not answer --------------------------------------------------------


@pytest.mark.django_db
def test_a_page_that_needs_the_database_answers_a_calm_503(client, database_down):
    database_down()
    started = time.monotonic()
    response = client.get("/contact/")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert "not answering just now" in response.content.decode()


@pytest.mark.django_db
def test_a_cached_page_is_still_served_while_the_database_is_down(client, database_down):
    first = client.get("/contact/")
    database_down()
    second = client.get("/contact/")
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.django_db
def test_the_admin_answers_the_same_503_while_the_database_is_down(admin_client, database_down):
    database_down()
    response = admin_client.get("/admin/")
    assert response.status_code == 503
    assert "not answering just now" in response.content.decode()


@pytest.mark.django_db
def test_a_form_sent_while_the_database_is_down_is_told_nothing_was_saved(client, database_down):
    database_down()
    response = client.post("/treatments/microneedling/ask/", {"question": "Does it hurt?"})
    assert response.status_code == 503
    assert "Nothing you sent was saved" in response.content.decode()


@pytest.mark.django_db
def test_an_outage_is_one_warning_a_minute_and_no_error_report(client, database_down, caplog):
    database_down()
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert client.get("/contact/").status_code == 503
    warnings = [r for r in caplog.records if r.name == "clinic.middleware"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_healthz_answers_503_within_two_seconds_while_the_database_is_down(client, database_down):
    database_down()
    started = time.monotonic()
    response = client.get("/healthz/")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "cache": "up"}


# --- the cache does not answer -----------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_the_cache_degraded_while_the_site_still_serves(client, flaky):
    assert client.get("/healthz/").json() == {"status": "ok", "database": "up", "cache": "up"}
    flaky.down = True
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "up", "cache": "down"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/contact/", "/privacy/", "/book/", "/sitemap.xml"])
def test_public_pages_are_built_from_the_database_while_the_cache_is_down(client, flaky, path):
    flaky.down = True
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_cache_is_left_alone_for_a_few_seconds_after_it_failed(client, flaky, clock):
    flaky.down = True
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert flaky.refused == 1
    clock.now += page_cache.BACKOFF_SECONDS
    client.get("/")
    assert flaky.refused == 2


@pytest.mark.django_db
def test_a_cache_outage_logs_at_most_one_warning_a_minute_without_patient_data(
    client, flaky, clock, caplog
):
    flaky.down = True
    with caplog.at_level(logging.WARNING):
        for _ in range(10):  # one request every 20 s for three minutes
            client.get("/")
            clock.now += 20
    warnings = cache_warnings(caplog)
    assert len(warnings) == 4  # at 0, 60, 120 and 180 s
    assert all("ConnectionError" in r.getMessage() for r in warnings)
    assert not any("127.0.0.1" in r.getMessage() for r in warnings)


@pytest.mark.django_db
def test_an_edit_whose_bump_failed_is_shown_when_the_cache_returns_with_old_pages(
    client, flaky, clock
):
    treatment = Treatment.objects.published().first() or TreatmentFactory(is_published=True)
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    flaky.down = True
    Treatment.objects.filter(pk=treatment.pk).update(summary="Now with a numbing cream.")
    page_cache.bump_content_version()  # fails: Redis cannot be reached
    assert "Now with a numbing cream." in client.get("/").content.decode()

    flaky.down = False  # back, with the old version number and the old page
    clock.now += page_cache.BACKOFF_SECONDS
    after = client.get("/")
    assert "Now with a numbing cream." in after.content.decode()
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit"
    assert "Now with a numbing cream." in again.content.decode()


@pytest.mark.django_db
def test_after_an_outage_no_value_stored_before_it_is_trusted(flaky, clock):
    before = page_cache.versions(page_cache.CONTENT_VERSION, "bookings:rules-version")
    flaky.down = True
    during = page_cache.versions(page_cache.CONTENT_VERSION, "bookings:rules-version")
    assert not set(during) & set(before)
    flaky.down = False
    clock.now += page_cache.BACKOFF_SECONDS
    after = page_cache.versions(page_cache.CONTENT_VERSION, "bookings:rules-version")
    assert not set(after) & set(before)
    assert page_cache.versions(page_cache.CONTENT_VERSION, "bookings:rules-version") == after


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_rate_limits_let_patients_through_while_redis_is_down(client, settings, monkeypatch):
    """Redis (django-redis, as in production) on a port where nothing listens."""
    monkeypatch.setattr(page_cache, "_health", page_cache._CacheHealth())
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 1},
    }
    settings.CACHES = {
        "default": {**redis, "OPTIONS": {**redis["OPTIONS"], "IGNORE_EXCEPTIONS": True}},
        "versioned": redis,
    }
    settings.BOOKINGS_RATE_LIMIT = "2/h"
    assert settings.RATELIMIT_FAIL_OPEN
    statuses = [client.post("/book/", {}, REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert 429 not in statuses
    assert client.get("/").status_code == 200


def test_a_value_kept_under_the_same_key_serves_while_the_database_is_down(flaky, clock):
    def build_from(value):
        def build():
            if value is None:
                raise OperationalError("connection refused")
            return value

        return build

    assert page_cache.shared_value("slot", "slot:1", build_from("rules"), 60) == "rules"
    clock.now += 61  # past its timeout here
    flaky.real.delete("slot:1")  # and gone from the shared cache
    assert page_cache.shared_value("slot", "slot:1", build_from(None), 60) == "rules"
    with pytest.raises(OperationalError):  # the numbers changed: the copy is not used
        page_cache.shared_value("slot", "slot:2", build_from(None), 60)
    with pytest.raises(OperationalError):  # nor one that is no longer valid
        page_cache.shared_value("slot", "slot:1", build_from(None), 60, valid=lambda v: False)
