"""Reception books a caller at desktop width: sign in with password and code, pick the
treatment and day, then the time, the patient and the screening answers; confirm at once
and open WhatsApp with the confirmation already written, word for word."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings import availability
from bookings.emails import consultation_context
from bookings.links import consultation_for_token
from bookings.models import Consultation, OutboundEmail
from bookings.seed import ensure_booking_defaults
from clinic.models import ClinicProfile, PrivacyNotice
from tests.bookings.admin.roles import role_group
from tests.factories import UserFactory
from treatments.seed import ensure_microneedling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
MANAGE_LINK = re.compile(r"/manage/([^/\s]+)/")


def sign_in(page, live_server, username, device):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#id_token")
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#site-name")


def confirmation_email_text(consultation: Consultation) -> str:
    """The text part of the confirmation email, as the outbox renders it."""
    context = consultation_context(consultation)
    return render_to_string("emails/consultation_confirmed.txt", context).strip()


def test_reception_books_a_caller_confirms_and_opens_whatsapp(desktop_page, live_server, tmp_path):
    ensure_booking_defaults()
    treatment = ensure_microneedling()
    if not ClinicProfile.objects.exists():  # made by a migration, unless a test flushed it
        ClinicProfile.current().save()
    PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "effective_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "summary": "We collect only what we need.",
            "body": "## Who we are",
        },
    )
    receptionist = UserFactory(username="reception2", first_name="Amina", last_name="Butt")
    receptionist.groups.add(role_group("Reception"))
    device = TOTPDevice.objects.create(user=receptionist, name="Authenticator app", confirmed=True)

    page = desktop_page
    sign_in(page, live_server, "reception2", device)
    page.get_by_role("link", name="Today’s agenda").first.click()
    page.get_by_role("link", name="Book a caller or walk-in").click()

    # Step 1 (GET): the treatment and the day.
    page.select_option("#id_treatment", label=treatment.name)
    day_value = page.locator("#id_date option").nth(1).get_attribute("value")
    page.select_option("#id_date", day_value)
    page.get_by_role("button", name="Show free times").click()

    # Step 2 (POST): the time, the patient, the screening answers, confirmed at once.
    page.wait_for_selector("#booking-form")
    first_time = page.locator(".slot-option").first
    first_time.click()
    chosen = first_time.locator("input").get_attribute("value")
    page.fill("#id_full_name", "Rabia Anwar")
    page.fill("#id_phone", "0321 7654321")
    page.get_by_label("Phone call", exact=True).first.check()
    page.locator("input[name=contact_preference][value=whatsapp]").check()
    page.locator("input[name=is_adult][value=yes]").check()
    page.locator("input[name=screening][value=now]").check()
    questions = page.locator(".screening-question")
    assert questions.count() >= 3
    for index in range(questions.count()):
        questions.nth(index).locator("input[value=no]").check()
    page.get_by_label("confirm it now").check()
    page.get_by_label("privacy notice").check()
    page.screenshot(path=tmp_path / "phone-booking-form.png", full_page=True)
    page.get_by_role("button", name="Book this consultation").click()

    page.wait_for_selector(".messagelist")
    consultation = Consultation.objects.get()
    messages = page.inner_text(".messagelist")
    assert f"Booked {consultation.reference}" in messages and "confirmed" in messages
    assert "No email address" in messages
    assert (consultation.status, consultation.source) == ("confirmed", "phone")
    assert (
        consultation.starts_at.astimezone(availability.clinic_tz()).strftime("%Y-%m-%dT%H:%M")
        == chosen
    )
    assert not OutboundEmail.objects.exists()  # no address: nothing is emailed
    assert page.locator(".field-screening_summary").count() == 1
    assert [e.note for e in consultation.events.all()] == [
        "Booked by phone by Amina Butt.",
        "Agreed with the patient when booking.",
    ]

    link = page.get_by_role("link", name="Confirmation", exact=True)
    href = link.get_attribute("href")
    assert link.get_attribute("target") == "_blank"
    assert href.startswith("https://wa.me/923217654321?text=")
    (text,) = parse_qs(urlsplit(href).query)["text"]
    # Word for word the confirmation email, which already says everything a chat needs
    # (the manage links are signed a second apart, so compared by whom they open).
    tokens = MANAGE_LINK.findall(text)
    assert tokens and all(consultation_for_token(t) == consultation for t in tokens)
    email_text = confirmation_email_text(consultation)
    assert MANAGE_LINK.sub("/manage/…/", text) == MANAGE_LINK.sub("/manage/…/", email_text)
    clinic = ClinicProfile.current()
    local = timezone.localtime(consultation.starts_at, availability.clinic_tz())
    for line in [
        "Hello,",
        f"Your consultation at {clinic.name} is confirmed.",
        f"  Reference: {consultation.reference}",
        "  Treatment: Microneedling",
        f"  Time: {local:%A} {local.day} {local:%B %Y, %H:%M} (Islamabad time)",
        f"  Address: {', '.join(clinic.address_lines)}",
        "To see your booking, move it or cancel it online: "
        f"https://khanclinic.example/manage/{tokens[0]}/",
        clinic.phone,
    ]:
        assert line in text.splitlines()
    page.screenshot(path=tmp_path / "consultation-whatsapp.png", full_page=True)

    # The agenda of their day offers the message too.
    day = consultation.starts_at.astimezone(availability.clinic_tz()).date()
    page.goto(f"{live_server.url}/admin/bookings/consultation/agenda/?date={day:%Y-%m-%d}")
    row = page.locator("tr.agenda-booking", has_text=consultation.reference)
    assert row.locator("a.whatsapp-button").count() == 1
    page.screenshot(path=tmp_path / "agenda-whatsapp.png", full_page=True)
    assert page.console_errors == []
