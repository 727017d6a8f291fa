"""At phone width: join the waitlist for a full day, a cancellation frees a time, the
offer arrives by email (a real SMTP server on loopback), the patient books it, and the
next patient waiting is not offered it."""

import datetime as dt
import re
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from bookings import availability, services
from bookings.models import Consultation, WaitlistEntry
from bookings.seed import ensure_booking_defaults
from tests.bookings.test_emails import free_port
from tests.bookings.waitlist_setup import bookable_day, fill, held, join
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "ayesha@example.com"


class Inbox:
    """What the loopback SMTP server received: (recipient, message)."""

    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.extend((rcpt, message) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, subject: str, timeout: float = 15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for rcpt, message in self.messages:
                    if rcpt == to and message["Subject"] == subject:
                        return message
            time.sleep(0.1)
        raise AssertionError(f"no {subject!r} email to {to}")


@pytest.fixture
def inbox(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def clinic(live_server):
    """Transactional tests flush the database: the rules, notice and a treatment."""
    from clinic.models import PrivacyNotice
    from tests.factories import ContraindicationFactory, TreatmentFactory

    ensure_booking_defaults()
    PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "effective_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "summary": "We collect only what we need.",
            "body": "## Who we are",
        },
    )
    treatment = TreatmentFactory(name="Microneedling", slug="microneedling")
    ContraindicationFactory(
        treatment=treatment, name="Pregnancy", screening_question="Are you pregnant?"
    )
    return treatment


def test_a_freed_time_goes_to_the_first_patient_waiting_who_books_it(
    phone_page, live_server, clinic, inbox
):
    page = phone_page
    rules = availability.load_rules()
    day = bookable_day(rules)
    booked = fill(rules, day, clinic)

    # The day is full: the booking page leads to the waitlist.
    page.goto(f"{live_server.url}/book/?treatment={clinic.slug}&date={day.isoformat()}")
    page.get_by_role("link", name="join the waitlist for it").click()
    page.wait_for_url(re.compile(r"/waitlist/\?"))
    page.locator("#id_last_day").fill(day.isoformat())
    for part in ("Morning", "Afternoon", "Evening"):
        page.locator("label.choice-btn", has_text=part).click()
    page.get_by_label("Full name").fill("Ayesha Khan")
    page.get_by_label("Email address").fill(PATIENT)
    page.get_by_label("Phone number").fill("0300 1234567")
    page.get_by_role("group", name="How would you like us to contact you?").get_by_text(
        "WhatsApp"
    ).click()
    page.get_by_role("group", name="Are you 18 or over?").get_by_text("Yes").click()
    page.get_by_label("I agree that the clinic may use my details").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Join the waitlist").click()
    page.wait_for_selector("text=You are on the waitlist")
    inbox.wait_for(PATIENT, "You are on our waitlist")
    (entry,) = WaitlistEntry.objects.all()
    assert (entry.first_day, entry.last_day) == (day, day)

    # Someone else joins later; then a patient cancels.
    later = join(clinic, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[1], reason="Cannot come")
    offer_email = inbox.wait_for(PATIENT, "A time has come free for you")
    text = offer_email.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://khanclinic\.example(/waitlist/offer/\S+/)", text).group(1)

    page.goto(live_server.url + link)
    local = timezone.localtime(booked[1].starts_at, availability.clinic_tz())
    assert f"{local:%H:%M}" in page.inner_text("#offer-time")
    assert axe_violations(page) == []
    for question in page.locator("input[type=radio][name^=screen_][value=no]").all():
        page.locator(f"label[for='{question.get_attribute('id')}']").click()
    page.get_by_label("I agree that the clinic may use my details").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/book/done/"))
    assert "Thank you, we have your request" in page.content()
    assert page.console_errors == []

    consultation = Consultation.objects.get(email=PATIENT)
    assert (consultation.starts_at, consultation.status) == (booked[1].starts_at, "pending")
    inbox.wait_for(PATIENT, f"We have your consultation request ({consultation.reference})")
    assert held() == [] and not later.offers.exists()
