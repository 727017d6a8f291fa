"""Reception runs the day from the admin: sign in with password and code, open today's
agenda, confirm a pending request, and the patient's confirmation email goes out."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings import availability
from bookings.models import Consultation, OutboundEmail
from bookings.seed import ensure_booking_defaults
from tests.bookings.admin.roles import role_group
from tests.factories import ConsultationFactory, UserFactory
from treatments.seed import ensure_microneedling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_reception_confirms_todays_request_from_the_agenda(desktop_page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    ensure_booking_defaults()
    treatment = ensure_microneedling()
    tz = availability.clinic_tz()
    today = timezone.localdate(timezone.now(), tz)
    starts = dt.datetime.combine(today, dt.time(11), tzinfo=tz)
    consultation = ConsultationFactory(
        treatment=treatment,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=30),
        full_name="Sana Malik",
        email="sana@example.com",
    )
    receptionist = UserFactory(username="reception1")
    receptionist.groups.add(role_group("Reception"))
    device = TOTPDevice.objects.create(user=receptionist, name="Authenticator app", confirmed=True)

    page = desktop_page
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "reception1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#id_token")
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Today’s agenda").first.click()

    page.wait_for_selector(".agenda-table")
    assert "(today)" in page.content()
    row = page.locator("tr.agenda-booking", has_text=consultation.reference)
    assert "Requested, awaiting confirmation" in row.inner_text()
    assert "11:00" in row.inner_text()
    row.get_by_role("link", name=consultation.reference).click()

    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector(".messagelist")
    assert f"Confirmed: {consultation.reference}" in page.inner_text(".messagelist")
    assert "Confirmed" in page.inner_text(".current-status")
    assert page.console_errors == []

    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CONFIRMED
    email = OutboundEmail.objects.get(consultation=consultation)
    assert email.status == OutboundEmail.Status.SENT
    (sent,) = [m for m in mail.outbox if m.to == ["sana@example.com"]]
    assert sent.subject.startswith("Your consultation is confirmed")
    assert any(name.endswith(".ics") for name, *_ in sent.attachments)
