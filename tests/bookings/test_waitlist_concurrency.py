"""The waitlist with several app servers and workers at once, on PostgreSQL: each freed
place is held for one entry, each entry holds one offer, an offer is booked once, and a
booking racing a cancellation never takes the time held for the waitlist."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from bookings import availability, services
from bookings.models import Consultation, WaitlistOffer
from tests.bookings.conftest import patient_request
from tests.bookings.test_services_concurrency import _hold_the_day_while
from tests.bookings.waitlist_setup import bookable_day, fill, held, join

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite serialises every write, so there is no race to test. "
            "Set DATABASE_URL=postgres://... to run it."
        )


def at_once(*calls) -> list:
    """Run the calls in threads released together; their results (or errors) in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def full(booking_rules, treatment, privacy_notice):
    day = bookable_day(booking_rules)
    return day, fill(booking_rules, day, treatment)


def test_two_cancellations_at_once_hold_each_place_for_one_entry(full, treatment):
    day, booked = full
    entries = [join(treatment, day, name) for name in ("Amna A", "Bilal B", "Chand C")]
    results = at_once(
        *(
            lambda c=c: services.consultation_cancel(consultation=c, reason="Cannot come")
            for c in booked[:2]
        )
    )
    assert not any(isinstance(r, BaseException) for r in results), results
    offers = held()
    assert len(offers) == 2
    assert {o.entry_id for o in offers} == {entries[0].pk, entries[1].pk}  # order of joining
    assert {o.starts_at for o in offers} == {booked[0].starts_at, booked[1].starts_at}


def test_one_entry_waiting_for_two_days_freed_at_once_holds_one_offer(
    booking_rules, treatment, privacy_notice
):
    day = bookable_day(booking_rules)
    today = timezone.localdate(timezone.now(), availability.clinic_tz())
    other = bookable_day(booking_rules, after_days=(day - today).days + 1)
    first, second = fill(booking_rules, day, treatment), fill(booking_rules, other, treatment)
    entry = join(treatment, day, "Amna Ali", last=other)
    results = at_once(
        lambda: services.consultation_cancel(consultation=first[0], reason="x"),
        lambda: services.consultation_cancel(consultation=second[0], reason="x"),
    )
    assert not any(isinstance(r, BaseException) for r in results), results
    assert [o.entry for o in held()] == [entry]


def test_two_accepts_of_one_offer_book_it_once(full, treatment):
    day, booked = full
    join(treatment, day, "Amna Ali")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    results = at_once(
        lambda: services.waitlist_offer_accept(offer=offer),
        lambda: services.waitlist_offer_accept(offer=offer),
    )
    assert all(isinstance(r, Consultation) for r in results), results
    assert results[0].pk == results[1].pk
    assert Consultation.objects.filter(starts_at=offer.starts_at, status="pending").count() == 1


def test_a_booking_racing_a_cancellation_finds_the_time_held(full, treatment):
    """A patient books the very time a cancellation frees: the booking waits for the
    day's lock, and by then the time is held for the waitlist."""
    day, booked = full
    entry = join(treatment, day, "Amna Ali")
    start = booked[0].starts_at
    waiting, outcome = _hold_the_day_while(
        lambda: services.consultation_cancel(consultation=booked[0], reason="Cannot come"),
        lambda: patient_request(treatment, start),
    )
    assert waiting == 1, outcome
    assert len(outcome) == 1 and isinstance(outcome[0], services.SlotUnavailable), outcome
    assert [o.entry for o in held()] == [entry]


def test_two_workers_pass_a_lapsed_hold_on_once(full, treatment):
    day, booked = full
    join(treatment, day, "Amna Ali")
    second, third = join(treatment, day, "Bilal B"), join(treatment, day, "Chand C")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    later = offer.expires_at + dt.timedelta(seconds=1)
    results = at_once(
        lambda: services.waitlist_process(now=later),
        lambda: services.waitlist_process(now=later),
    )
    assert not any(isinstance(r, BaseException) for r in results), results
    assert sum(r["offered"] for r in results) == 1
    (passed,) = WaitlistOffer.objects.filter(status="held")
    assert passed.entry == second
    assert not WaitlistOffer.objects.filter(entry=third).exists()


def test_a_decline_racing_an_accept_of_the_next_offer_keeps_one_booking(full, treatment):
    day, booked = full
    join(treatment, day, "Amna Ali")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    results = at_once(
        lambda: services.waitlist_offer_decline(offer=offer),
        lambda: services.waitlist_offer_accept(offer=offer),
    )
    booked_now = Consultation.objects.filter(starts_at=offer.starts_at, status="pending")
    offer.refresh_from_db()
    if offer.status == "accepted":
        assert booked_now.count() == 1 and results[1] == booked_now.get()
    else:
        assert offer.status == "declined" and not booked_now.exists()
        assert isinstance(results[1], services.OfferNotHeld)
