"""The consultation list and record: what staff see, how they find it, notes, and
the screening answers shown read-only beside a read-only status."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from bookings.models import Consultation, ConsultationEvent, ConsultationNote
from tests.bookings.conftest import KARACHI
from tests.factories import ConsultationFactory

CHANGELIST = "admin:bookings_consultation_changelist"


# --- the record ------------------------------------------------------------------------


def test_the_consultation_page_shows_screening_but_status_is_read_only(admin_client, consultation):
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = admin_client.get(url).content.decode()
    assert "YES" in html and "Are you pregnant?" in html
    assert 'name="status"' not in html


def test_staff_add_internal_notes(admin_client, consultation):
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    response = admin_client.post(
        url,
        {
            "full_name": consultation.full_name,
            "email": consultation.email,
            "phone": "0300 1234567",
            "contact_preference": "phone",
            "message": "",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
            "notes-0-text": "Called, left a message.",
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
            "accesses-TOTAL_FORMS": "0",
            "accesses-INITIAL_FORMS": "0",
            "accesses-MIN_NUM_FORMS": "0",
            "accesses-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    note = ConsultationNote.objects.get()
    assert note.author == admin_client.user and note.text == "Called, left a message."
    assert ConsultationEvent.objects.count() == 1


def test_factory_makes_a_consultation(db):
    assert ConsultationFactory().status == "pending"


# --- the list --------------------------------------------------------------------------


def test_the_list_shows_clinic_time_badge_and_flag(as_role, booking):
    consultation = booking(flagged=True)
    client = as_role("Reception")
    html = client.get(reverse(CHANGELIST)).content.decode()
    local = timezone.localtime(consultation.starts_at, KARACHI)
    assert f"{local:%a %d %b %Y, %H:%M}" in html
    assert (
        '<span class="status-badge status-pending">Requested, awaiting confirmation</span>' in html
    )
    assert '<span class="flag-badge">Review</span>' in html


def test_filters_by_flag_and_status(admin_client, consultation):
    url = reverse("admin:bookings_consultation_changelist")
    response = admin_client.get(url, {"flagged__exact": "1", "status__exact": "pending"})
    assert consultation.reference in response.content.decode()


def test_search_finds_by_reference_email_and_phone(as_role, booking):
    consultation = booking(email="unique.person@example.com")
    client = as_role("Reception")
    for term in (consultation.reference, "unique.person", "3001234567"):
        html = client.get(reverse(CHANGELIST), {"q": term}).content.decode()
        assert consultation.reference in html, term


def _many(treatment, count: int) -> None:
    start = dt.datetime(2027, 1, 1, 5, tzinfo=dt.UTC)
    Consultation.objects.bulk_create(
        Consultation(
            reference=f"KH-M{i:05d}",  # never two alike, as a thousand random ones could be
            treatment=treatment,
            starts_at=start + dt.timedelta(hours=i),
            ends_at=start + dt.timedelta(hours=i, minutes=30),
            full_name=f"Patient {i}",
            email=f"p{i}@example.com",
            phone="+923001234567",
            consent_version="2026-11",
            consented_at=start,
            flagged=bool(i % 2),
        )
        for i in range(count)
    )


def test_the_list_costs_the_same_queries_for_ten_or_a_thousand(
    as_role, treatment, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_role("Reception")
    url = reverse(CHANGELIST)
    _many(treatment, 10)
    client.get(url)  # warm up the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    Consultation.objects.all().delete()
    _many(treatment, 1000)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
