"""Patients booking at once, on PostgreSQL: one place gives exactly one booking, and a
booking waits for the day's lock and counts what was committed meanwhile."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from bookings.models import Consultation
from tests.bookings.conftest import patient_request

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


_request = patient_request


def test_a_booking_waits_for_the_days_lock_and_counts_what_was_committed_meanwhile(
    treatment, privacy_notice, first_free
):
    """Staff move a consultation onto an overlapping time (a different start, so the
    unique (start, seat) constraint cannot help) while a patient books: the patient's
    booking must wait for the day's lock and then see the move."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from bookings import availability, services
    from tests.factories import ConsultationFactory

    start = first_free()
    day = timezone.localdate(start, availability.clinic_tz())
    holding, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def staff_move() -> None:
        try:
            with transaction.atomic():
                services._lock_day(day)
                ConsultationFactory(
                    treatment=treatment,
                    starts_at=start - dt.timedelta(minutes=15),
                    ends_at=start + dt.timedelta(minutes=15),
                    seat=1,
                )
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def patient() -> None:
        try:
            outcome.append(_request(treatment, start))
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)
        finally:
            connections.close_all()

    staff = threading.Thread(target=staff_move)
    staff.start()
    assert holding.wait(timeout=30)
    booking = threading.Thread(target=patient)
    booking.start()
    waiting = 0
    for _ in range(300):  # until the patient's statement waits for the lock (at most 30 s)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            (waiting,) = cursor.fetchone()
        if waiting or not booking.is_alive():
            break
        threading.Event().wait(0.1)
    release.set()
    staff.join(timeout=30)
    booking.join(timeout=30)
    assert waiting == 1, outcome
    assert len(outcome) == 1 and isinstance(outcome[0], services.SlotUnavailable), outcome
    assert Consultation.objects.count() == 1


def test_a_booking_outside_a_transaction_is_one_statement_and_renews_the_free_times(
    treatment, privacy_notice, booking_rules, first_free, settings
):
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings import availability

    settings.EMAIL_SENT_BY_WORKER = True  # sending is the worker's round trips, not ours
    start = first_free()
    now = timezone.now()
    rules = availability.current_rules()
    day = timezone.localdate(start, availability.clinic_tz())
    assert start in availability.current_free_slots(rules, now=now)[day]
    _request(treatment, first_free(1))  # may prepare the statement: once per connection
    with CaptureQueriesContext(connection) as queries:
        result = _request(
            treatment, start, rules=booking_rules, now=now, privacy_notice=privacy_notice
        )
    assert len(queries) == 1, [q["sql"][:60] for q in queries]
    assert result.created and result.consultation.seat == 1
    assert result.consultation.events.count() == 1
    assert result.consultation.emails.count() == 2
    # Committed at once: another connection sees it, and the cached free times drop it.
    assert start not in availability.current_free_slots(rules, now=now).get(day, [])


def test_a_resubmitted_request_finds_the_first_without_a_database_error(
    treatment, privacy_notice, booking_rules, first_free, settings
):
    """A double submit is answered from the first request, not by tripping the unique
    key: PostgreSQL writes a failed statement, patient details and all, to its log."""
    import uuid

    settings.EMAIL_SENT_BY_WORKER = True
    key = uuid.uuid4()
    failed: list[Exception] = []

    def record_failures(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            failed.append(exc)
            raise

    first = _request(treatment, first_free(), idempotency_key=key)
    with connection.execute_wrapper(record_failures):
        again = _request(treatment, first_free(), idempotency_key=key)
        other_time = _request(treatment, first_free(1), idempotency_key=key)
    assert failed == []
    assert first.created and not again.created and not other_time.created
    assert again.consultation.pk == other_time.consultation.pk == first.consultation.pk
    assert Consultation.objects.count() == 1


def test_a_new_database_connection_prepares_the_booking_again(
    treatment, privacy_notice, first_free
):
    first = _request(treatment, first_free())
    connection.close()  # a restarted server or a recycled connection: a new session
    second = _request(treatment, first_free(1))
    assert first.created and second.created
    assert Consultation.objects.count() == 2


def test_the_prepared_booking_reads_consultations_through_indexes_at_any_table_size(
    treatment, privacy_notice, first_free
):
    """The booking statement is planned once per connection and that plan is kept, often
    from the first booking on a nearly empty table. A plan that reads the whole table
    would make every later booking slower as the clinic's history grows."""
    import uuid

    captured = {}
    prepared = type(connections["default"])
    original = prepared.execute_prepared

    def capture(self, cursor, name, sql, params, *, before=""):
        captured.update(name=name, count=sql.count("%s"), params=params[-sql.count("%s") :])
        return original(self, cursor, name, sql, params, before=before)

    prepared.execute_prepared = capture
    try:
        with connection.cursor() as cursor:
            # The plan the server keeps for every later booking on this connection.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            _request(treatment, first_free(), idempotency_key=uuid.uuid4())
            placeholders = ", ".join(["%s"] * captured["count"])
            cursor.execute(
                f"EXPLAIN EXECUTE {captured['name']} ({placeholders})", captured["params"]
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET plan_cache_mode")
    finally:
        prepared.execute_prepared = original
    assert "bookings_consultation" in plan
    assert "Seq Scan on bookings_consultation" not in plan, plan
    assert "Index Scan using bookings_consultation_idempotency_key_key" in plan, plan
