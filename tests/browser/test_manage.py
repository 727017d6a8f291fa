"""At phone width: open the manage link, move the consultation, see the new time."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability
from bookings.emails import manage_token
from bookings.seed import ensure_booking_defaults
from tests.browser.conftest import axe_violations
from tests.factories import ConsultationFactory, TreatmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_moves_their_consultation_on_a_phone(phone_page, live_server):
    ensure_booking_defaults()
    rules = availability.load_rules()
    free = availability.next_free(
        availability.upcoming_free_slots(rules, now=timezone.now()), limit=60
    )
    start, target = free[-1], free[0]
    consultation = ConsultationFactory(
        treatment=TreatmentFactory(name="Microneedling"),
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="confirmed",
    )
    page = phone_page
    page.goto(f"{live_server.url}/manage/{manage_token(consultation)}/")
    assert consultation.reference in page.content()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Move to another time").click()
    local = timezone.localtime(target, availability.clinic_tz())
    page.select_option("#move-date", local.date().isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.locator(f"label[for='slot-{local:%Y-%m-%dt%H%M}']").click()
    page.get_by_role("button", name="Move to this time").click()
    page.wait_for_selector("#manage-time")
    assert f"{local:%H:%M}" in page.inner_text("#manage-time")
    assert str(local.day) in page.inner_text("#manage-time")
    assert "has moved" in page.content()
    consultation.refresh_from_db()
    assert consultation.starts_at == target
    assert page.console_errors == []
