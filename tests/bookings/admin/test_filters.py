"""The consultation list's filters: the time in clinic time, and overdue courses."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.bookings.conftest import karachi
from tests.factories import ConsultationFactory, TreatmentFactory

CHANGELIST = "admin:bookings_consultation_changelist"


def session(treatment, start, status="completed", email="ayesha@example.com"):
    return ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
        email=email,
    )


def test_the_time_filter_works_in_clinic_time(as_role, booking, treatment):
    upcoming = booking()
    now = timezone.now()
    past = ConsultationFactory(
        treatment=treatment,
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3) + dt.timedelta(minutes=30),
        status="completed",
    )
    client = as_role("Reception")
    for when, shown, hidden in [("upcoming", upcoming, past), ("past", past, upcoming)]:
        html = client.get(reverse(CHANGELIST), {"when": when}).content.decode()
        assert shown.reference in html and hidden.reference not in html
    for when in ("today", "week"):
        assert client.get(reverse(CHANGELIST), {"when": when}).status_code == 200


def test_reception_sees_the_session_number_and_finds_overdue_patients_in_admin(admin_client):
    treatment = TreatmentFactory(sessions_min=3, sessions_max=6, weeks_between_max=6)
    long_ago = session(treatment, karachi(2025, 1, 5, 11), email="late@example.com")
    detail = admin_client.get(f"/admin/bookings/consultation/{long_ago.pk}/change/")
    assert "Session 1 of 3–6" in detail.content.decode()
    overdue = admin_client.get("/admin/bookings/consultation/", {"next_session": "overdue"})
    assert long_ago.reference in overdue.content.decode()
