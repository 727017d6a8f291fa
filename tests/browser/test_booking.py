"""A patient books a consultation in Chromium at phone width, with and without JavaScript."""

import datetime as dt
import re

import pytest

from bookings.models import Consultation
from bookings.seed import ensure_booking_defaults
from tests.browser.conftest import PHONE, axe_violations, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic_content(live_server):
    """Transactional tests flush the database: put back what the migrations wrote."""
    from clinic.models import ClinicProfile, PrivacyNotice

    ensure_booking_defaults()
    PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "effective_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "summary": "We collect only what we need.",
            "body": "## Who we are",
        },
    )
    if not ClinicProfile.objects.exists():
        ClinicProfile.objects.create(
            street_address="Blue Area",
            phone="+92 51 2345678",
            email="info@khanclinic.example",
            hours_text="Monday to Friday: 10:00 to 19:00",
        )
    try:
        from treatments.seed import ensure_microneedling

        return ensure_microneedling()
    except ImportError:  # the treatment pages are not there yet
        from tests.factories import ContraindicationFactory, TreatmentFactory

        treatment = TreatmentFactory(name="Microneedling", slug="microneedling")
        ContraindicationFactory(treatment=treatment, name="Pregnancy")
        return treatment


def fill_in(page, *, first_answer: str = "No") -> None:
    page.get_by_label("Full name").fill("Ayesha Khan")
    page.get_by_label("Email address").fill("ayesha@example.com")
    page.get_by_label("Phone number").fill("0300 1234567")
    page.get_by_role("group", name="How would you like us to contact you?").get_by_text(
        "WhatsApp"
    ).click()
    page.get_by_role("group", name="Are you 18 or over?").get_by_text("Yes").click()
    groups = page.locator("fieldset.choice-group")
    questions = page.locator("input[type=radio][name^=screen_]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]"
    )
    for i, name in enumerate(questions):
        answer = first_answer if i == 0 else "No"
        radio_id = page.locator(f"input[name={name}][value={answer.lower()}]").get_attribute("id")
        page.locator(f"label[for='{radio_id}']").click()
    assert groups.count() >= 2
    page.get_by_label("I agree that the clinic may use my details").check()


def book_from_the_treatment_page(page, live_server, treatment) -> str:
    page.goto(f"{live_server.url}/treatments/{treatment.slug}/")
    link = page.locator(f"main a[href='/book/?treatment={treatment.slug}']").first
    assert link.inner_text() == "Book a consultation"
    link.click()
    page.wait_for_url(re.compile(r"/book/\?treatment="))
    assert page.get_by_label("Treatment", exact=True).input_value() == treatment.slug
    page.get_by_role("button", name="Show free times").click()
    page.locator("label.slot-btn").first.click()
    chosen = page.locator("input[name=slot]:checked").get_attribute("value")
    fill_in(page)
    page.get_by_role("button", name="Request this consultation").click()
    page.wait_for_url(re.compile(r"/book/done/"))
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"KH-[A-Z0-9]{6}", reference)
    return reference, chosen


def test_a_patient_books_on_a_phone(phone_page, live_server, clinic_content):
    reference, chosen = book_from_the_treatment_page(phone_page, live_server, clinic_content)
    consultation = Consultation.objects.get(reference=reference)
    assert consultation.status == "pending"
    assert consultation.contact_preference == "whatsapp"
    assert str(consultation.phone) == "+923001234567"
    local = consultation.starts_at.astimezone(dt.timezone(dt.timedelta(hours=5)))
    assert local.strftime("%Y-%m-%dT%H:%M") == chosen
    assert "ayesha" not in phone_page.url.lower()
    assert phone_page.console_errors == []


def test_a_patient_books_without_javascript(browser, live_server, clinic_content):
    context, page = open_page(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    try:
        reference, _ = book_from_the_treatment_page(page, live_server, clinic_content)
        assert Consultation.objects.filter(reference=reference).exists()
    finally:
        context.close()


def test_the_form_and_its_error_state_have_no_accessibility_violations(
    phone_page, live_server, clinic_content
):
    phone_page.goto(f"{live_server.url}/book/?treatment={clinic_content.slug}")
    assert axe_violations(phone_page) == []
    phone_page.get_by_role("button", name="Show free times").click()
    assert phone_page.locator("h1").count() == 1
    assert axe_violations(phone_page) == []
    phone_page.get_by_role("button", name="Request this consultation").click()
    summary = phone_page.locator("#error-summary")
    assert summary.is_visible()
    assert phone_page.evaluate("document.activeElement.id") == "error-summary"
    assert axe_violations(phone_page) == []
    # The summary's links lead to the fields.
    summary.get_by_role("link", name=re.compile("^Email address")).click()
    assert phone_page.evaluate("document.activeElement.id") == "id_email"


def test_a_yes_answer_shows_the_explanation_then_books_with_a_flag(
    phone_page, live_server, clinic_content
):
    page = phone_page
    page.goto(f"{live_server.url}/book/?treatment={clinic_content.slug}")
    page.get_by_role("button", name="Show free times").click()
    page.locator("label.slot-btn").first.click()
    fill_in(page, first_answer="Yes")
    page.get_by_role("button", name="Request this consultation").click()
    note = page.get_by_role("region", name="Thank you for telling us")
    assert note.is_visible()
    assert axe_violations(page) == []
    assert page.get_by_label("Full name").input_value() == "Ayesha Khan"
    page.get_by_label("I understand, and I would still like a consultation").check()
    page.get_by_role("button", name="Request this consultation").click()
    page.wait_for_url(re.compile(r"/book/done/"))
    assert Consultation.objects.get().flagged is True
