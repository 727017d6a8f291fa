"""Patients booking at once, on PostgreSQL: one place gives exactly one booking, and a
booking waits for the day's lock and counts what was committed meanwhile."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from bookings import services
from bookings.models import Consultation
from tests.bookings.conftest import patient_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENTS = 40
HALF_HOUR = dt.timedelta(minutes=30)


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


def _hold_the_day_while(staff_change, booking) -> tuple[int, list]:
    """Run ``staff_change`` in a transaction held open until a patient's ``booking`` is
    seen waiting for a lock (or has finished); returns (patients seen waiting, outcome)."""
    holding, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def staff() -> None:
        try:
            with transaction.atomic():
                staff_change()
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def patient() -> None:
        try:
            outcome.append(booking())
        except BaseException as exc:  # noqa: BLE001 - checked by the caller
            outcome.append(exc)
        finally:
            connections.close_all()

    staff_thread = threading.Thread(target=staff)
    staff_thread.start()
    assert holding.wait(timeout=30)
    patient_thread = threading.Thread(target=patient)
    patient_thread.start()
    waiting = 0
    for _ in range(300):  # until the patient's statement waits for the lock (at most 30 s)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            (waiting,) = cursor.fetchone()
        if waiting or not patient_thread.is_alive():
            break
        threading.Event().wait(0.1)
    release.set()
    staff_thread.join(timeout=30)
    patient_thread.join(timeout=30)
    return waiting, outcome


def _consultation_elsewhere(treatment, first_free, *, day_offset: int = 7):
    from tests.factories import ConsultationFactory

    start = first_free() + dt.timedelta(days=day_offset)
    return ConsultationFactory(treatment=treatment, starts_at=start, ends_at=start + HALF_HOUR)


def test_a_booking_waits_for_a_staff_move_holding_the_day_and_then_counts_it(
    treatment, privacy_notice, first_free
):
    """Staff move a consultation onto the time a patient is booking: the patient's
    booking waits until the move commits, then finds the time full."""
    start = first_free()
    moved = _consultation_elsewhere(treatment, first_free)
    waiting, outcome = _hold_the_day_while(
        lambda: services.consultation_reschedule(consultation=moved, starts_at=start),
        lambda: _request(treatment, start),
    )
    assert waiting == 1, outcome
    assert len(outcome) == 1 and isinstance(outcome[0], services.SlotUnavailable), outcome
    assert Consultation.objects.filter(starts_at=start).get() == moved


def test_a_booking_waits_for_any_staff_change_on_its_day_not_only_one_at_its_time(
    treatment, privacy_notice, first_free, free_slots
):
    """The lock is the day's, not the time's: a move to another time that day holds a
    patient's booking until it commits, and the booking then goes through."""
    from django.utils import timezone

    from bookings import availability

    start = first_free()
    day = timezone.localdate(start, availability.clinic_tz())
    later_that_day = free_slots()[day][-1]
    assert later_that_day != start
    moved = _consultation_elsewhere(treatment, first_free)
    waiting, outcome = _hold_the_day_while(
        lambda: services.consultation_reschedule(consultation=moved, starts_at=later_that_day),
        lambda: _request(treatment, start),
    )
    assert waiting == 1, outcome
    assert len(outcome) == 1 and outcome[0].created, outcome


def test_the_database_refuses_an_overlap_for_one_practitioner_even_without_the_lock(
    treatment, first_free
):
    """A future code path that forgets the day's lock still cannot double-book: two
    active consultations of one practitioner may not overlap, whatever their starts."""
    from tests.factories import ConsultationFactory, PractitionerFactory, first_practitioner

    start = first_free()
    one, other = first_practitioner(), PractitionerFactory()

    def consultation(starts_at, practitioner, **fields):
        return ConsultationFactory(
            treatment=treatment,
            starts_at=starts_at,
            ends_at=starts_at + HALF_HOUR,
            practitioner=practitioner,
            **fields,
        )

    consultation(start, one)
    overlapping = start + dt.timedelta(minutes=15)
    with pytest.raises(IntegrityError), transaction.atomic():
        consultation(overlapping, one)
    # Another practitioner, a time just after, or an inactive consultation are all fine.
    consultation(overlapping, other)
    consultation(start + HALF_HOUR, one)
    consultation(overlapping, one, status=Consultation.Status.CANCELLED)


def test_a_booking_renews_the_free_times_at_once(
    treatment, privacy_notice, booking_rules, first_free
):
    from django.utils import timezone

    from bookings import availability

    start = first_free()
    now = timezone.now()
    rules = availability.current_rules()
    day = timezone.localdate(start, availability.clinic_tz())
    assert start in availability.current_free_slots(rules, now=now)[day]
    result = _request(treatment, start, rules=booking_rules, now=now, privacy_notice=privacy_notice)
    assert result.created and result.consultation.practitioner is not None
    assert result.consultation.events.count() == 1
    assert result.consultation.emails.count() == 2
    # Committed: the cached free times drop it.
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


def test_two_reassignments_to_one_free_practitioner_at_once_give_them_one(
    treatment, privacy_notice, booking_rules, first_free
):
    """Two receptionists hand two patients at the same time to the one practitioner
    still free then: exactly one succeeds, the other is told that time is taken."""
    from tests.factories import PractitionerFactory

    start = first_free()
    PractitionerFactory(), PractitionerFactory()
    one = patient_request(treatment, start, email="one@example.com").consultation
    two = patient_request(treatment, start, email="two@example.com").consultation
    free = patient_request(treatment, start, email="three@example.com").consultation
    target = free.practitioner
    services.consultation_cancel(consultation=free, reason="Cannot come")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def reassign(consultation):
        try:
            barrier.wait(timeout=30)
            services.consultation_reassign(consultation=consultation, practitioner=target)
            outcome = "moved"
        except services.SlotUnavailable:
            outcome = "taken"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=reassign, args=(c,)) for c in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["moved", "taken"]
    holders = Consultation.objects.filter(practitioner=target, status="pending")
    assert holders.count() == 1
