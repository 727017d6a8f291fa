"""The waitlist in the back office: the list and its filters, an entry's page, offering
a free time by hand, taking someone off, and the count on the agenda."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import availability, services
from bookings.forms import slot_value
from bookings.models import OutboundEmail, WaitlistEntry, WaitlistOffer
from tests.bookings.waitlist_setup import (
    bookable_day,
    fill,
    held,
    join,
    two_booked_practitioners,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookings_waitlistentry_changelist"


@pytest.fixture
def waiting(booking_rules, treatment, privacy_notice):
    day = bookable_day(booking_rules)
    fill(booking_rules, day, treatment)
    return day, join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")


@pytest.mark.parametrize("role", ["superuser", "Reception"])
def test_the_waitlist_and_its_filters_open_for_reception(as_role, waiting, treatment, role):
    day, first, _ = waiting
    client = as_role(role)
    url = reverse(CHANGELIST)
    for query in ("", "?status=waiting", f"?treatment__id__exact={treatment.pk}", "?covers=week"):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert "Amna Ali" in response.content.decode()
    assert "Amna Ali" in client.get(f"{url}?covers={day.isoformat()}").content.decode()
    assert "Amna Ali" not in client.get(f"{url}?covers=2020-01-01").content.decode()
    assert "Amna Ali" not in client.get(f"{url}?covers=nonsense").content.decode()
    change = client.get(reverse("admin:bookings_waitlistentry_change", args=[first.pk]))
    assert change.status_code == 200
    assert "Offer a free time" in change.content.decode()
    assert client.get(reverse("admin:bookings_waitlistentry_add")).status_code == 403


def test_clinicians_do_not_see_the_waitlist(as_role, waiting):
    client = as_role("Clinicians")
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_reception_offers_a_free_time_by_hand(as_role, waiting, booking_rules, treatment):
    day, _, _ = waiting
    # Waiting for a week from the full day: the days after it have free times, which
    # the worker's next pass would offer; reception can offer one now.
    entry = join(treatment, day, "Chand Bibi", last=day + dt.timedelta(days=7))
    client = as_role("Reception")
    url = reverse("admin:bookings_waitlistentry_offer", args=[entry.pk])
    page = client.get(url).content.decode()
    assert "Hold this time and email the patient" in page
    free = next(
        start
        for start in availability.next_free(
            availability.upcoming_free_slots(booking_rules, now=timezone.now()), limit=60
        )
        if start.date() > day
    )
    assert slot_value(free) in page
    response = client.post(url, {"starts_at": slot_value(free)})
    assert response.status_code == 302
    (offer,) = held(entry)
    assert (offer.starts_at, offer.offered_by) == (free, client.user)
    assert OutboundEmail.objects.filter(to="chand@example.com", subject__startswith="A time")
    # Offered already: refused, with the reason on the page.
    refused = client.post(url, {"starts_at": slot_value(free)})
    assert refused.status_code == 200
    assert WaitlistOffer.objects.filter(entry=entry).count() == 1


def test_reception_takes_someone_off_the_waitlist(as_role, waiting):
    _, first, _ = waiting
    client = as_role("Reception")
    url = reverse("admin:bookings_waitlistentry_remove", args=[first.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.LEFT


def test_the_agenda_says_how_many_wait_for_each_day(as_role, waiting, treatment):
    day, first, _ = waiting
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_agenda")
    page = client.get(url, {"date": day.isoformat()}).content.decode()
    assert "2 on the waitlist for this day" in page
    services.waitlist_leave(entry=first)
    page = client.get(url, {"date": day.isoformat()}).content.decode()
    assert "1 on the waitlist for this day" in page


def test_reception_offers_by_hand_only_the_named_practitioners_times(
    as_role, booking_rules, treatment, privacy_notice
):
    treatment, day, anyone, hina, booked = two_booked_practitioners(booking_rules, treatment)
    client = as_role("Reception")
    services.consultation_cancel(consultation=booked[anyone.pk][0], reason="Cannot come")
    services.consultation_cancel(consultation=booked[hina.pk][1], reason="Cannot come")
    for offer in held():
        services.waitlist_leave(entry=offer.entry)
    entry = services.waitlist_join(
        treatment=treatment,
        first_day=day,
        last_day=day,
        parts=["morning", "afternoon", "evening"],
        full_name="Zara Ahmed",
        email="zara@example.com",
        phone="+923001234567",
        contact_preference="email",
        practitioner_id=hina.pk,
    )
    page = client.get(f"/admin/bookings/waitlistentry/{entry.pk}/offer/")
    labels = [
        label for _, group in page.context["form"].fields["starts_at"].choices for _, label in group
    ]
    hers = timezone.localtime(booked[hina.pk][1].starts_at, availability.clinic_tz())
    assert labels == [f"{hers:%a %d %b, %H:%M}"]
    listing = client.get("/admin/bookings/waitlistentry/").content.decode()
    assert "Dr Hina Qureshi" in listing
