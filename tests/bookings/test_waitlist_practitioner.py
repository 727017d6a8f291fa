"""Waiting for a named practitioner: only their freed times are offered, the offer and
the booking are theirs, and the choice is kept from the booking page to the waitlist."""

import pytest

from bookings import services
from bookings.models import Consultation, OutboundEmail, Practitioner, WaitlistEntry
from bookings.waitlist import offer_token
from tests.bookings.test_patients import signed_in
from tests.bookings.test_waitlist_views import answers, join_data
from tests.bookings.waitlist_setup import (
    held,
    offers_emailed_to,
    two_booked_practitioners,
)
from tests.factories import PractitionerFactory
from treatments.services import treatment_content_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(treatment, booking_rules, privacy_notice):
    return two_booked_practitioners(booking_rules, treatment)


def join_with(client, treatment, day, practitioner="", **extra):
    data = join_data(treatment, day, parts=["morning", "afternoon", "evening"], **extra)
    return client.post("/waitlist/", {**data, "practitioner": practitioner, "anyway": "1"})


def test_the_join_page_offers_the_practitioners_only_where_patients_may_choose(
    client, two, treatment
):
    html = client.get("/waitlist/").content.decode()
    assert "Who would you like to see?" in html and "Dr Hina Qureshi" in html
    treatment.patients_choose_practitioner = False
    treatment.save()
    treatment_content_changed()  # as the treatment's admin page does on saving
    assert "Who would you like to see?" not in client.get("/waitlist/").content.decode()


def test_an_entry_for_a_named_practitioner_is_offered_only_their_freed_times(client, two):
    treatment, day, anyone, hina, booked = two
    response = join_with(client, treatment, day, practitioner=str(hina.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "With</dt><dd>Dr Hina Qureshi" in page
    entry = WaitlistEntry.objects.get()
    assert entry.practitioner == hina
    joined = OutboundEmail.objects.get(to="sana@example.com")
    assert "with Dr Hina Qureshi" in joined.body_text
    signed_in(client, "sana@example.com")
    assert "with Dr Hina Qureshi" in client.get("/my/").content.decode()

    services.consultation_cancel(consultation=booked[anyone.pk][0], reason="Cannot come")
    assert held() == []
    services.consultation_cancel(consultation=booked[hina.pk][1], reason="Cannot come")
    (offer,) = held()
    assert (offer.entry, offer.practitioner, offer.starts_at) == (
        entry,
        hina,
        booked[hina.pk][1].starts_at,
    )
    (email,) = offers_emailed_to("sana@example.com")
    assert "With: Dr Hina Qureshi" in email.body_text

    token = email.body_text.split("/waitlist/offer/")[1].split("/")[0]
    client.post(f"/waitlist/offer/{token}/", answers(treatment))
    consultation = Consultation.objects.get(email="sana@example.com")
    assert consultation.practitioner == hina
    assert consultation.practitioner_chosen


def test_an_entry_for_anyone_takes_the_first_freed_time_not_named(client, two):
    treatment, day, anyone, hina, booked = two
    join_with(client, treatment, day)
    services.consultation_cancel(consultation=booked[anyone.pk][0], reason="Cannot come")
    (offer,) = held()
    assert offer.practitioner == anyone
    client.post(f"/waitlist/offer/{offer_token(offer)}/", answers(treatment))
    consultation = Consultation.objects.get(email="sana@example.com")
    assert consultation.practitioner == anyone and not consultation.practitioner_chosen


@pytest.mark.parametrize("change", ["leaves the clinic", "stops the treatment"])
def test_when_the_practitioner_is_no_longer_bookable_the_entry_waits_for_anyone(
    client, two, change
):
    treatment, day, anyone, hina, booked = two
    join_with(client, treatment, day, practitioner=str(hina.pk))
    if change == "leaves the clinic":
        Practitioner.objects.filter(pk=hina.pk).update(is_active=False)
    else:
        peel = type(treatment).objects.create(slug="peel", name="Chemical peel", is_published=True)
        hina.treatments.set([peel])
    services.consultation_cancel(consultation=booked[anyone.pk][2], reason="Cannot come")
    (offer,) = held()
    assert offer.practitioner == anyone


@pytest.mark.parametrize(
    "hostile", ["999999", "-1", "abc", "<script>alert(1)</script>", "1 OR 1=1", "٣"]
)
def test_a_practitioner_value_not_offered_is_refused_and_the_form_kept(client, two, hostile):
    treatment, day, anyone, hina, booked = two
    response = join_with(client, treatment, day, practitioner=hostile)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please choose someone from the list" in page
    assert 'value="Sana Malik"' in page and "<script>alert(1)</script>" not in page
    assert not WaitlistEntry.objects.exists()


def test_a_practitioner_who_does_not_perform_the_treatment_is_refused(client, two):
    treatment, day, anyone, hina, booked = two
    laser = type(treatment).objects.create(
        slug="laser", name="Laser", is_published=True, patients_choose_practitioner=True
    )
    hina.treatments.add(laser)
    omar = PractitionerFactory(display_name="Dr Omar Sheikh")
    omar.treatments.add(laser)
    sara = PractitionerFactory(display_name="Dr Sara Khan")
    sara.treatments.add(treatment)
    treatment_content_changed()
    # Hina and Omar do laser; Sara only microneedling, so she is not one to ask for laser.
    assert join_with(client, laser, day, practitioner=str(omar.pk)).status_code == 200
    response = join_with(client, laser, day, practitioner=str(sara.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "They do not see patients for this treatment" in page
    assert WaitlistEntry.objects.get().practitioner == omar


def test_the_booking_page_passes_the_chosen_practitioner_to_the_waitlist(client, two):
    treatment, day, anyone, hina, booked = two
    page = client.get(
        "/book/", {"treatment": treatment.slug, "date": day.isoformat(), "practitioner": hina.pk}
    ).content.decode()
    assert f"/waitlist/?date={day.isoformat()}&amp;treatment={treatment.slug}" in page
    assert f"&amp;practitioner={hina.pk}" in page
    form = client.get(
        "/waitlist/", {"treatment": treatment.slug, "practitioner": hina.pk}
    ).content.decode()
    assert f'<option value="{hina.pk}" selected>Dr Hina Qureshi</option>' in form


def test_free_times_shown_before_joining_are_the_named_practitioners(client, two):
    treatment, day, anyone, hina, booked = two
    services.consultation_cancel(consultation=booked[anyone.pk][0], reason="Cannot come")
    data = join_data(treatment, day, parts=["morning", "afternoon", "evening"])
    with_anyone = client.post("/waitlist/", {**data, "practitioner": ""})
    assert "Good news" in with_anyone.content.decode()
    assert not WaitlistEntry.objects.exists()
    # The time that came free is not Dr Hina's: waiting for her joins the waitlist.
    with_hina = client.post("/waitlist/", {**data, "practitioner": str(hina.pk)})
    assert "You are on the waitlist" in with_hina.content.decode()
    assert WaitlistEntry.objects.get().practitioner == hina


def test_a_free_time_of_the_named_practitioner_is_offered_to_book_with_them(client, two):
    treatment, day, anyone, hina, booked = two
    services.consultation_cancel(consultation=booked[hina.pk][0], reason="Cannot come")
    data = join_data(treatment, day, parts=["morning", "afternoon", "evening"])
    page = client.post("/waitlist/", {**data, "practitioner": str(hina.pk)}).content.decode()
    assert "free now with Dr Hina Qureshi" in page
    assert f"date={day.isoformat()}&amp;practitioner={hina.pk}" in page
    assert not WaitlistEntry.objects.exists()
