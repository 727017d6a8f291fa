"""A patient asks for a named practitioner in Chromium at phone width, without
JavaScript, and is booked with them."""

import pytest

from bookings.models import Consultation, Practitioner
from tests.browser.conftest import PHONE, axe_violations, open_page
from tests.browser.test_booking import clinic_content, fill_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["clinic_content"]  # the fixture, shared with the booking tests


def test_a_patient_chooses_who_sees_them(browser, live_server, clinic_content):
    clinic_content.patients_choose_practitioner = True
    clinic_content.save()
    hina = Practitioner.objects.create(display_name="Dr Hina Qureshi")
    context, page = open_page(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    try:
        page.goto(f"{live_server.url}/book/?treatment={clinic_content.slug}")
        choice = page.get_by_label("Who would you like to see?")
        assert choice.input_value() == ""  # first available unless they ask
        choice.select_option(label="Dr Hina Qureshi")
        page.get_by_role("button", name="Show free times").click()
        assert page.get_by_text("Free times with Dr Hina Qureshi").is_visible()
        page.locator("label.slot-btn").first.click()
        fill_in(page)
        page.get_by_role("button", name="Request this consultation").click()
        page.wait_for_url("**/book/done/**")
    finally:
        context.close()
    consultation = Consultation.objects.get()
    assert (consultation.practitioner, consultation.practitioner_chosen) == (hina, True)


def test_the_choice_has_no_accessibility_violations(phone_page, live_server, clinic_content):
    clinic_content.patients_choose_practitioner = True
    clinic_content.save()
    Practitioner.objects.create(display_name="Dr Hina Qureshi")
    phone_page.goto(f"{live_server.url}/book/?treatment={clinic_content.slug}")
    assert phone_page.get_by_label("Who would you like to see?").is_visible()
    assert axe_violations(phone_page) == []
