"""At phone width: open the manage link, move the consultation, see the new time."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability
from bookings.links import manage_token
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


def test_the_patients_own_pages_pass_axe_on_a_phone(phone_page, live_server):
    """The pages a patient reaches from their emails: the move step, the aftercare sheet,
    the next session of a course (also with its errors showing) and the done page."""
    from bookings.services import consultation_request
    from tests.browser.test_budgets import seed_content
    from treatments.models import Treatment

    seed_content()
    rules = availability.load_rules()
    treatment = Treatment.objects.get(slug="microneedling")
    today = timezone.localdate(timezone.now(), availability.clinic_tz())
    start = dt.datetime.combine(today, dt.time(11), tzinfo=availability.clinic_tz())
    completed = ConsultationFactory(
        treatment=treatment,
        starts_at=start - dt.timedelta(days=1),
        ends_at=start - dt.timedelta(days=1, minutes=-30),
        status="completed",
    )
    free = availability.next_free(
        availability.upcoming_free_slots(rules, now=timezone.now()), limit=1
    )
    pending = consultation_request(
        treatment=treatment,
        starts_at=free[0],
        full_name="Ayesha Khan",
        email="ayesha@example.com",
        phone="+923001234567",
        contact_preference="phone",
    ).consultation
    from django.core import signing

    from bookings.views import DONE_SALT

    page = phone_page
    pages = {
        "move": f"/manage/{manage_token(pending)}/move/",
        "done": f"/book/done/{signing.dumps(pending.reference, salt=DONE_SALT)}/",
        "aftercare sheet": f"/manage/{manage_token(completed)}/aftercare/",
        "next session": f"/manage/{manage_token(completed)}/next/",
    }
    found = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        found[name] = axe_violations(page)
        assert page.console_errors == [], name
    assert "Aftercare" in page.goto(live_server.url + pages["aftercare sheet"]).text()
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print this sheet").click()
    assert page.evaluate("window.printed === true")
    # The next-session form sent with nothing chosen shows its errors.
    page.goto(live_server.url + pages["next session"])
    page.get_by_role("button", name="Show free times").click()
    found["next session, a day chosen"] = axe_violations(page)
    page.console_errors.clear()
    page.get_by_role("button", name="Request this session").click()
    page.wait_for_selector("[role=alert]")
    assert "Please check the answers marked below." in page.content()
    found["next session, errors"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
