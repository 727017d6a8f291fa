"""The waitlist's services: a freed time offered to the first entry it suits, held as a
taken place, booked, let go, lapsed and passed on, each entry offered each time once."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import availability, services
from bookings.models import Closure, Consultation, WaitlistEntry, WaitlistOffer
from tests.bookings.conftest import patient_request
from tests.bookings.waitlist_setup import bookable_day, fill, held, join, offers_emailed_to
from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

Entry = WaitlistEntry.Status
Offer = WaitlistOffer.Status


@pytest.fixture
def full(booking_rules, treatment, privacy_notice):
    """A clinic day with every time taken, and its consultations in time order."""
    day = bookable_day(booking_rules)
    return day, fill(booking_rules, day, treatment)


def local(moment):
    return timezone.localtime(moment, availability.clinic_tz())


def test_a_cancellation_offers_the_time_to_the_first_entry_in_order_of_joining(full, treatment):
    day, booked = full
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[1], reason="Cannot come")
    (offer,) = held()
    assert offer.entry == first and offer.starts_at == booked[1].starts_at
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Entry.OFFERED, Entry.WAITING)
    (email,) = offers_emailed_to("amna@example.com")
    assert f"{local(offer.starts_at):%H:%M}" in email.body_text
    assert "/waitlist/offer/" in email.body_text
    assert "amna" not in email.body_text.split("/waitlist/offer/")[1].split()[0]
    assert offers_emailed_to("bilal@example.com") == []


def test_the_held_time_is_not_free_and_nobody_else_can_book_it(full, treatment):
    day, booked = full
    join(treatment, day, "Amna Ali")
    start = booked[0].starts_at
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    rules = availability.load_rules()
    assert day not in availability.upcoming_free_slots(rules, now=timezone.now())
    with pytest.raises(services.SlotUnavailable):
        patient_request(treatment, start)
    other = patient_request(treatment, booked[0].starts_at + dt.timedelta(days=7)).consultation
    with pytest.raises(services.SlotUnavailable):
        services.consultation_reschedule(consultation=other, starts_at=start)


def test_accepting_books_the_time_and_ends_the_hold_in_one_step(full, treatment):
    day, booked = full
    entry = join(treatment, day, "Amna Ali")
    services.consultation_cancel(consultation=booked[2], reason="Cannot come")
    (offer,) = held()
    consultation = services.waitlist_offer_accept(offer=offer)
    assert consultation.starts_at == booked[2].starts_at
    assert consultation.status == Consultation.Status.PENDING
    assert (consultation.email, consultation.full_name) == ("amna@example.com", "Amna Ali")
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, offer.consultation, entry.status) == (
        Offer.ACCEPTED,
        consultation,
        "booked",
    )
    assert services.waitlist_offer_accept(offer=offer) == consultation  # again: the same
    assert Consultation.objects.filter(starts_at=consultation.starts_at).count() == 2


def test_declining_passes_the_time_to_the_next_entry_and_keeps_waiting(full, treatment):
    day, booked = full
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    services.waitlist_offer_decline(offer=offer)
    services.waitlist_offer_decline(offer=offer)  # again: nothing more
    (passed,) = held()
    assert passed.entry == second and passed.starts_at == offer.starts_at
    first.refresh_from_db()
    assert first.status == Entry.WAITING
    # Declined once, that time is never offered to the first patient again.
    services.waitlist_offer_decline(offer=passed)
    assert held() == []
    assert WaitlistOffer.objects.filter(entry=first).count() == 1
    # Nobody left to offer it to: the time is free for anyone.
    assert day in availability.upcoming_free_slots(availability.load_rules(), now=timezone.now())


def test_a_lapsed_hold_passes_to_the_next_entry(full, treatment):
    day, booked = full
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    later = offer.expires_at + dt.timedelta(seconds=1)
    counts = services.waitlist_process(now=later)
    assert counts["offered"] == 1
    offer.refresh_from_db()
    assert offer.status == Offer.EXPIRED
    (passed,) = WaitlistOffer.objects.filter(status=Offer.HELD)
    assert passed.entry == second
    with pytest.raises(services.OfferNotHeld):
        services.waitlist_offer_accept(offer=offer, now=later)
    first.refresh_from_db()
    assert first.status == Entry.WAITING


def test_the_hold_lasts_two_hours_and_never_into_the_notice_period(full, treatment, settings):
    day, booked = full
    join(treatment, day, "Amna Ali")
    rules = availability.load_rules()
    now = timezone.now()
    services.consultation_cancel(consultation=booked[-1], reason="Cannot come")
    (offer,) = held()
    assert abs(offer.expires_at - (now + dt.timedelta(hours=2))) < dt.timedelta(minutes=1)
    assert offer.expires_at <= offer.starts_at - rules.min_notice
    # A time just outside the notice period: held only until the notice period begins.
    settings.WAITLIST_HOLD_MINUTES = 10 * 24 * 60
    services.waitlist_offer_decline(offer=offer)
    join(treatment, day, "Bilal Aziz")
    with transaction.atomic():
        (again,) = services.waitlist_fill(day=day)
    assert again.expires_at == again.starts_at - rules.min_notice


def test_a_time_too_close_to_hold_is_not_offered(full, treatment):
    day, booked = full
    rules = availability.load_rules()
    start = booked[0].starts_at
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    join(treatment, day, "Amna Ali")
    almost = start - rules.min_notice - dt.timedelta(minutes=5)
    with transaction.atomic():
        assert services.waitlist_fill(day=day, now=almost) == []
        (offer,) = services.waitlist_fill(day=day, now=almost - dt.timedelta(minutes=20))
    assert offer.expires_at == start - rules.min_notice


def test_only_entries_whose_days_and_times_suit_are_offered(full, treatment):
    day, booked = full
    morning = [c for c in booked if local(c.starts_at).hour < 12]
    join(treatment, day, "Evening Only", parts=["evening"])
    join(treatment, day + dt.timedelta(days=1), "Another Day")
    services.consultation_cancel(consultation=morning[0], reason="Cannot come")
    assert held() == []
    suits = join(treatment, day, "Morning Person", parts=["morning"])
    Consultation.objects.filter(pk=morning[1].pk).update(status="pending")
    services.consultation_decline(consultation=morning[1])  # a clinician's decline frees it
    assert [o.entry for o in held()] == [suits]


def test_a_move_away_offers_the_old_time(full, treatment):
    day, booked = full
    entry = join(treatment, day, "Amna Ali")
    old = booked[0].starts_at
    services.consultation_reschedule(consultation=booked[0], starts_at=old + dt.timedelta(days=7))
    (offer,) = held()
    assert (offer.entry, offer.starts_at) == (entry, old)


def test_leaving_passes_a_held_time_on_and_twice_changes_nothing(full, treatment):
    day, booked = full
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    services.waitlist_leave(entry=first)
    services.waitlist_leave(entry=first)
    first.refresh_from_db()
    assert first.status == Entry.LEFT
    assert WaitlistOffer.objects.get(entry=first).status == Offer.WITHDRAWN
    assert [o.entry for o in held()] == [second]


def test_the_worker_offers_times_that_staff_open(booking_rules, treatment, privacy_notice):
    day = bookable_day(booking_rules)
    Closure.objects.create(starts_on=day, ends_on=day, reason="Training")
    entry = join(treatment, day, "Amna Ali")
    assert services.waitlist_process()["offered"] == 0
    Closure.objects.all().delete()
    assert services.waitlist_process()["offered"] == 1
    assert [o.entry for o in held()] == [entry]
    assert services.waitlist_process()["offered"] == 0  # once


def test_entries_end_after_their_last_day_and_old_ones_are_deleted(full, treatment):
    day, _ = full
    entry = join(treatment, day, "Amna Ali")
    after = timezone.now() + dt.timedelta(days=(day - timezone.localdate()).days + 2)
    assert services.waitlist_process(now=after)["expired"] == 1
    entry.refresh_from_db()
    assert entry.status == Entry.EXPIRED
    services.waitlist_process(now=after + dt.timedelta(days=91))
    assert not WaitlistEntry.objects.exists()


def test_reception_offers_a_free_time_by_hand(booking_rules, treatment, privacy_notice, admin_user):
    day = bookable_day(booking_rules)
    fill(booking_rules, day, treatment)
    entry = join(treatment, day, "Amna Ali")
    # A time far enough ahead to be held for hours (the first free one may be tomorrow
    # morning, which at night is too close to hold).
    slots = availability.upcoming_free_slots(booking_rules, now=timezone.now())
    free = availability.next_free({d: s for d, s in slots.items() if d >= day}, limit=1)[0]
    offer = services.waitlist_offer_by_hand(entry=entry, starts_at=free, actor=admin_user)
    assert (offer.offered_by, offer.starts_at) == (admin_user, free)
    with pytest.raises(services.BookingError):
        services.waitlist_offer_by_hand(entry=entry, starts_at=free, actor=admin_user)


def test_the_database_offers_a_place_once_and_an_entry_a_time_once(full, treatment):
    day, booked = full
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    fields = ("starts_at", "ends_at", "practitioner", "expires_at")
    copy = {f: getattr(offer, f) for f in fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistOffer.objects.create(entry=second, **copy)  # one practitioner, held twice
    other = {"practitioner": PractitionerFactory(), "status": "declined"}
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistOffer.objects.create(entry=first, **{**copy, **other})


def test_a_second_practitioner_holds_two_places_for_two_entries(full, treatment):
    day, booked = full
    newcomer = PractitionerFactory()
    first, second, third = (join(treatment, day, n) for n in ("Amna A", "Bilal B", "Chand C"))
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    offers = {o.entry: o for o in held()}
    # The freed time has both practitioners free: the first two entries; the next time
    # has the newcomer free: the third.
    assert {offers[first].starts_at, offers[second].starts_at} == {booked[0].starts_at}
    assert {offers[first].practitioner, offers[second].practitioner} == {
        booked[0].practitioner,
        newcomer,
    }
    assert (offers[third].starts_at, offers[third].practitioner) == (
        booked[1].starts_at,
        newcomer,
    )


def test_the_command_passes_lapsed_holds_on(full, treatment, capsys):
    from django.core.management import call_command

    day, booked = full
    join(treatment, day, "Amna Ali")
    second = join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    WaitlistOffer.objects.update(expires_at=timezone.now())
    call_command("process_waitlist")
    assert "Times offered: 1." in capsys.readouterr().out
    assert [o.entry for o in held()] == [second]
