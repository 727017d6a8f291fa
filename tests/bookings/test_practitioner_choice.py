"""Patients who may choose whom they see, and reception reassigning a consultation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import availability, services
from bookings.emails import send_due
from bookings.links import manage_token
from bookings.models import Absence, Consultation, OutboundEmail
from bookings.services import SlotUnavailable
from tests.bookings.conftest import patient_request, slot_value
from tests.factories import PractitionerFactory, first_practitioner

pytestmark = pytest.mark.django_db

BOOK = "/book/"


@pytest.fixture
def clinic(treatment, booking_rules, privacy_notice):
    """Two practitioners; the treatment lets patients choose. Dr Hina is away in the
    mornings of the next fortnight."""
    treatment.patients_choose_practitioner = True
    treatment.save()
    hina = PractitionerFactory(display_name="Dr Hina Qureshi")
    tz = availability.clinic_tz()
    for offset in range(14):
        day = timezone.localdate() + dt.timedelta(days=offset)
        Absence.objects.create(
            practitioner=hina,
            starts_at=dt.datetime.combine(day, dt.time(0), tzinfo=tz),
            ends_at=dt.datetime.combine(day, dt.time(13), tzinfo=tz),
        )
    return treatment, first_practitioner(), hina


def first_afternoon(treatment) -> dt.datetime:
    """The first free time after lunch, when both practitioners work."""
    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(rules, now=timezone.now(), treatment_id=treatment.pk)
    return next(
        start
        for day, starts in sorted(slots.items())
        for start in starts
        if timezone.localtime(start, availability.clinic_tz()).hour >= 14
    )


def first_day(treatment) -> dt.date:
    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(rules, now=timezone.now(), treatment_id=treatment.pk)
    return min(slots)


def test_the_booking_page_offers_the_first_free_or_a_named_practitioner(client, clinic):
    treatment, anyone, hina = clinic
    html = client.get(BOOK, {"treatment": treatment.slug}).content.decode()
    assert 'name="practitioner"' in html and "Dr Hina Qureshi" in html
    assert "First available" in html

    day = first_day(treatment)
    everyone = client.get(BOOK, {"treatment": treatment.slug, "date": day.isoformat()})
    with_hina = client.get(
        BOOK, {"treatment": treatment.slug, "date": day.isoformat(), "practitioner": hina.pk}
    )
    page = with_hina.content.decode()
    assert "Free times with Dr Hina Qureshi" in page
    assert f'name="practitioner" value="{hina.pk}"' in page
    # She is away in the mornings: only the afternoon times are hers.
    hers = [label for _, label in with_hina.context["form"].fields["slot"].widget.choices]
    everyones = [label for _, label in everyone.context["form"].fields["slot"].widget.choices]
    assert hers and all(label >= "13:00" for label in hers)
    assert any(label < "13:00" for label in everyones)


def test_a_patient_who_chooses_is_booked_with_that_practitioner(client, clinic, form_data):
    treatment, anyone, hina = clinic
    rules = availability.load_rules()
    now = timezone.now()
    slots = availability.free_slots(
        rules,
        availability.load_busy(rules, *availability.window(rules, now)),
        now=now,
        treatment_id=treatment.pk,
        practitioner_id=hina.pk,
    )
    start = slots[min(slots)][0]
    data = form_data(slot=slot_value(start), practitioner=str(hina.pk))
    data["screening_day"] = timezone.localdate(start, availability.clinic_tz()).isoformat()
    response = client.post(BOOK, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get()
    assert (consultation.practitioner, consultation.practitioner_chosen) == (hina, True)


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "1 OR 1=1", "", "٣"])
def test_a_practitioner_nobody_may_choose_means_the_first_available(
    client, clinic, form_data, value
):
    data = form_data(practitioner=value)
    response = client.post(BOOK, data)
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.practitioner is not None and not consultation.practitioner_chosen


def test_without_the_setting_nobody_is_offered_and_a_name_in_the_link_is_ignored(
    client, clinic, form_data
):
    treatment, anyone, hina = clinic
    treatment.patients_choose_practitioner = False
    treatment.save()
    html = client.get(BOOK, {"treatment": treatment.slug}).content.decode()
    assert 'name="practitioner"' not in html and "Dr Hina" not in html
    response = client.post(BOOK, form_data(practitioner=str(hina.pk)))
    assert response.status_code == 302
    assert Consultation.objects.get().practitioner_chosen is False


def test_the_next_session_offers_the_practitioner_from_last_time_first(client, clinic):
    treatment, anyone, hina = clinic
    treatment.sessions_min, treatment.sessions_max = 3, 3
    treatment.weeks_between_min, treatment.weeks_between_max = 0, 4
    treatment.save()
    start = timezone.now() - dt.timedelta(days=2)
    last = Consultation.objects.create(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        practitioner=hina,
        status="completed",
        full_name="Sana Malik",
        email="sana@example.com",
        phone="+923001234567",
        consent_version="2026-11",
        consented_at=start,
    )
    url = reverse("bookings:manage_next", args=[manage_token(last)])
    page = client.get(url).content.decode()
    assert "Times with Dr Hina Qureshi, who saw you last time" in page
    anyone_page = client.get(url, {"practitioner": "any"}).content.decode()
    assert "Times with whoever is free" in anyone_page


# --- reassigning -----------------------------------------------------------------------


def test_reception_reassigns_to_a_free_practitioner_and_a_patient_who_chose_is_told(clinic):
    treatment, anyone, hina = clinic
    afternoon = first_afternoon(treatment)
    chose = patient_request(treatment, afternoon, practitioner_id=hina.pk).consultation
    assert chose.practitioner_chosen
    moved = services.consultation_reassign(consultation=chose, practitioner=anyone, note="Ill.")
    assert moved.practitioner == anyone and moved.starts_at == chose.starts_at
    event = moved.events.order_by("at", "pk").last()
    assert event.note == f"Reassigned from {hina} to {anyone}. Ill."
    send_due()
    told = OutboundEmail.objects.filter(subject__startswith="Who will see you has changed").get()
    assert "Dr Hina Qureshi" in told.body_text and str(anyone) in told.body_text
    # Back again: she had not been chosen this time, so nobody is emailed.
    services.consultation_reassign(consultation=moved, practitioner=hina)
    assert (
        OutboundEmail.objects.filter(subject__startswith="Who will see you has changed").count()
        == 1
    )


def test_a_practitioner_busy_or_away_cannot_take_it(clinic, first_free):
    treatment, anyone, hina = clinic
    morning = first_free()
    assert timezone.localtime(morning, availability.clinic_tz()).hour < 13
    booked = patient_request(treatment, morning).consultation
    assert booked.practitioner == anyone
    with pytest.raises(SlotUnavailable):
        services.consultation_reassign(consultation=booked, practitioner=hina)  # away
    booked.refresh_from_db()
    assert booked.practitioner == anyone


def test_the_admin_lists_only_who_is_free_and_reassigns(admin_client, clinic):
    treatment, anyone, hina = clinic
    third = PractitionerFactory(display_name="Dr Omar Farooq")
    afternoon = first_afternoon(treatment)
    consultation = patient_request(treatment, afternoon).consultation
    patient_request(treatment, afternoon, email="x@example.com", practitioner_id=third.pk)
    url = reverse("admin:bookings_consultation_reassign", args=[consultation.pk])
    page = admin_client.get(url).content.decode()
    others = {anyone, hina} - {consultation.practitioner}
    assert all(str(p) in page for p in others) and "Dr Omar Farooq" not in page
    target = others.pop()
    response = admin_client.post(url, {"practitioner": target.pk, "note": ""})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.practitioner == target


def test_a_patient_who_chose_moves_within_that_practitioners_times(client, clinic):
    treatment, anyone, hina = clinic
    rules = availability.load_rules()
    now = timezone.now()
    hers = availability.upcoming_free_slots(rules, now=now, treatment_id=treatment.pk)
    # Far enough ahead for the patient to move it themselves.
    afternoons = [
        start
        for day, starts in sorted(hers.items())
        if day >= timezone.localdate() + dt.timedelta(days=4)
        for start in starts
        if timezone.localtime(start, availability.clinic_tz()).hour >= 14
    ]
    booked = patient_request(treatment, afternoons[0], practitioner_id=hina.pk).consultation
    day = timezone.localdate(afternoons[1], availability.clinic_tz())
    page = client.get(
        reverse("bookings:manage_move", args=[manage_token(booked)]), {"date": day.isoformat()}
    ).content.decode()
    assert "Free times with Dr Hina Qureshi" in page
    # Her mornings are away, so no morning time is offered.
    assert slot_value(afternoons[1]) in page
    morning = next(
        start
        for start in hers[day]
        if timezone.localtime(start, availability.clinic_tz()).hour < 13
    )
    assert slot_value(morning) not in page
