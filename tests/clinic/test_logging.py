"""No patient data in logs, URLs or page titles along the whole booking journey, nor in
the reports of server errors emailed to staff."""

import io
import logging
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from bookings import services
from bookings.models import Consultation, OutboundEmail
from clinic.logging import ScrubPatientData, scrub
from tests.bookings.conftest import slot_value
from tests.factories import UserFactory

NAME = "Zarmina Qureshi"
EMAIL = "zarmina.q@example.com"
PHONE_TYPED = "0321 7654321"
PRIVATE = [
    "Zarmina",
    "Qureshi",
    "zarmina",
    EMAIL,
    PHONE_TYPED,
    "03217654321",
    "+923217654321",
    "923217654321",
    "7654321",
]


@pytest.fixture
def all_logs(caplog):
    """Everything every logger emits at DEBUG, formatted with arguments and tracebacks."""
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    quiet = {}
    for name in ("django", "django.request", "django.server", "django.template", "bookings"):
        logger = logging.getLogger(name)
        quiet[name] = logger.level
        logger.setLevel(logging.DEBUG)
    try:
        yield (
            lambda: (
                stream.getvalue()
                + "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
            )
        )
    finally:
        root.removeHandler(handler)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def test_the_whole_journey_leaves_no_patient_data_in_logs_urls_or_titles(
    client, treatment, free_slots, privacy_notice, all_logs, django_capture_on_commit_callbacks
):
    visited = []

    def note(response):
        request = response.wsgi_request
        visited.append(request.get_full_path())
        if response.has_header("Location"):
            visited.append(response["Location"])
        for hop, _ in getattr(response, "redirect_chain", []):
            visited.append(hop)
        return response

    day, times = next(iter(free_slots().items()))
    note(client.get("/book/", {"treatment": treatment.slug}))
    page = note(client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()}))
    assert page.status_code == 200
    data = {
        "treatment": treatment.slug,
        "slot": slot_value(times[0]),
        "full_name": NAME,
        "email": EMAIL,
        "phone": PHONE_TYPED,
        "contact_preference": "whatsapp",
        "is_adult": "yes",
        "message": "Pigmentation on my forehead.",
        "privacy_consent": "on",
        "token": "0b7d2a3c-1111-4c43-9a7d-2b1f3c4d5e6f",
        "website": "",
    }
    for contraindication in treatment.contraindications.all():
        data[f"screen_{contraindication.pk}"] = "no"
    # a mistake first: the form comes back with the typed data, nothing logged
    note(client.post("/book/", {**data, "email": "zarmina.q@"}))
    with django_capture_on_commit_callbacks(execute=True):
        done = note(client.post("/book/", data, follow=True))
    assert done.status_code == 200
    consultation = Consultation.objects.get()
    assert consultation.reference in done.content.decode()
    title = re.search(r"<title>(.*?)</title>", done.content.decode(), re.S).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_confirm(consultation=consultation, actor=UserFactory())
    OutboundEmail.objects.update(status=OutboundEmail.Status.QUEUED)
    call_command("send_queued_email", stdout=io.StringIO())
    assert EMAIL in [m.to[0] for m in mail.outbox]  # the journey really used the data

    logs = all_logs()
    for private in PRIVATE:
        assert private not in logs, f"{private!r} logged"
        assert private.lower() not in title.lower()
        for url in visited:
            assert private.lower() not in url.lower(), f"{private!r} in {url}"


def test_a_failing_email_logs_no_address(client, treatment, first_free, privacy_notice, all_logs):
    services.consultation_request(
        treatment=treatment,
        starts_at=first_free(),
        full_name=NAME,
        email=EMAIL,
        phone="+923217654321",
        contact_preference="phone",
    )
    from django.test import override_settings

    with override_settings(EMAIL_BACKEND="tests.clinic.test_logging.Refuse"):
        call_command("send_queued_email", stdout=io.StringIO())
    logs = all_logs()
    assert "not sent" in logs
    for private in PRIVATE:
        assert private not in logs


class Refuse:
    """An email backend whose server refuses the recipient, naming them in the error."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise OSError(f"550 mailbox unavailable: {messages[0].to[0]}")


def test_the_log_filter_removes_emails_and_phone_numbers():
    assert scrub("to ayesha.k+x@example.com.pk now") == "to [email removed] now"
    for phone in (
        "0300 1234567",
        "03001234567",
        "+92 300 1234567",
        "+923001234567",
        "0092300-1234567",
    ):
        assert "1234567" not in scrub(f"call {phone} today"), phone
    assert scrub("at 2026-11-21 23:53:33 ref KH-7F3K2Q id 12345") == (
        "at 2026-11-21 23:53:33 ref KH-7F3K2Q id 12345"
    )
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "Refused %s (%s)", ("a@b.example", "0300 1234567"), None
    )
    assert ScrubPatientData().filter(record) is True
    assert record.getMessage() == "Refused [email removed] ([phone removed])"


def test_settings_attach_the_scrubbing_filter_to_the_console_handler():
    from django.conf import settings

    assert "scrub_patient_data" in settings.LOGGING["handlers"]["console"]["filters"]


# --- server error reports ------------------------------------------------------------

REPORT_PATIENT = {
    "full_name": "Ayesha Khan",
    "email": "ayesha@example.com",
    "phone": "0300 1234567",
    "message": "Acne scars on my cheeks.",
}


@pytest.fixture
def failing_booking(monkeypatch, form_data):
    from bookings import services

    def broken(**kwargs):
        raise RuntimeError(f"Unexpected failure for {kwargs['email']}, {kwargs['phone']}")

    monkeypatch.setattr(services, "consultation_request", broken)
    monkeypatch.setattr("bookings.views.consultation_request", broken, raising=False)
    return form_data(**REPORT_PATIENT)


def test_an_unexpected_error_is_emailed_to_the_admins_without_patient_data(
    settings, failing_booking
):
    settings.ADMINS = [("Owner", "owner@khanclinic.example")]
    client = Client(raise_request_exception=False)
    response = client.post(
        "/book/?email=ayesha%40example.com",
        failing_booking,
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 500
    (report,) = mail.outbox
    assert report.to == ["owner@khanclinic.example"]
    text = report.subject + report.body + "".join(str(a) for a in report.alternatives)
    assert "RuntimeError" in text and "consultation_request" in text
    assert "full_name" in text  # the field names help; their values stay out
    for private in ("Ayesha", "ayesha", "0300", "1234567", "Acne scars"):
        assert private not in text, private
    screening = [name for name in failing_booking if name.startswith("screen_")]
    assert screening and f"{screening[0]}" in text
    assert "'no'" not in text and '"no"' not in text


def test_without_admins_nobody_is_emailed(settings, failing_booking):
    settings.ADMINS = []
    client = Client(raise_request_exception=False)
    assert client.post("/book/", failing_booking).status_code == 500
    assert mail.outbox == []
