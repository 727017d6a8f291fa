"""Forty patients submit the same time at once: exactly one gets it."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from bookings.models import Consultation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENTS = 40


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite serialises every write, so there is no race to test. "
            "Set DATABASE_URL=postgres://... to run it."
        )


def test_forty_simultaneous_requests_for_one_place_give_exactly_one_booking(
    form_data, privacy_notice
):
    data = form_data()
    barrier = threading.Barrier(PATIENTS)
    results: list[tuple[int, int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def patient(i: int) -> None:
        try:
            client = Client()
            payload = {
                **data,
                "email": f"patient{i}@example.com",
                "full_name": f"Patient {chr(65 + i % 26)}",
                "token": f"00000000-0000-4000-8000-{i:012d}",
            }
            barrier.wait(timeout=30)
            response = client.post("/book/", payload, REMOTE_ADDR=f"10.0.{i}.1")
            with lock:
                results.append((i, response.status_code, response.content.decode()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=patient, args=(i,)) for i in range(PATIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == PATIENTS
    codes = sorted(code for _, code, _ in results)
    assert codes.count(302) == 1, codes
    assert codes.count(200) == PATIENTS - 1, codes
    for i, code, html in results:
        if code == 200:
            assert "someone booked that time a moment ago" in html
            assert f"patient{i}@example.com" in html  # what they typed is kept
            assert f'value="{data["slot"]}"' not in html  # the taken time is not offered
    assert Consultation.objects.filter(status="pending").count() == 1
