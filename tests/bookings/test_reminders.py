"""Reminders: exactly one per confirmed consultation, with the preparation advice, and
delivered (with the aftercare email) through a real SMTP server on loopback."""

import datetime as dt
import threading
from email import message_from_bytes

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from bookings.emails import completed_email, save_and_send_after_commit, send_due
from bookings.models import Consultation, OutboundEmail
from bookings.reminders import send_reminders
from tests.bookings.test_emails import smtp  # noqa: F401 - the loopback SMTP fixture
from tests.factories import ConsultationFactory
from treatments.seed import ensure_microneedling


def microneedling():
    ensure_microneedling()
    from treatments.models import Treatment

    return Treatment.objects.get(slug="microneedling")


def confirmed(treatment, hours_ahead=5, **extra):
    start = timezone.now() + dt.timedelta(hours=hours_ahead)
    return ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status="confirmed",
        **extra,
    )


@pytest.mark.django_db
def test_one_reminder_with_the_preparation_advice_however_often_it_runs():
    treatment = microneedling()
    due = confirmed(treatment, 5)
    confirmed(treatment, 48)  # outside the 24 hours
    ConsultationFactory(treatment=treatment, status="pending")
    assert send_reminders() == 1
    assert send_reminders() == 0
    call_command("send_reminders")
    rows = OutboundEmail.objects.filter(subject__contains="coming up")
    assert [r.consultation_id for r in rows] == [due.pk]
    row = rows.get()
    assert "stop retinoids" in row.body_text
    assert "<li>" in row.body_html and "retinoids" in row.body_html
    assert "**" not in row.body_text
    due.refresh_from_db()
    assert due.reminder_sent_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_exactly_one_reminder_each():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write, so there is no race.")
    treatment = microneedling()
    pks = [confirmed(treatment, 2 + i, email=f"p{i}@example.com").pk for i in range(20)]
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(send_reminders())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(counts) == 20
    per = OutboundEmail.objects.filter(subject__contains="coming up")
    assert sorted(per.values_list("consultation_id", flat=True)) == sorted(pks)


@pytest.mark.django_db(transaction=True)
def test_reminder_and_aftercare_are_delivered_through_smtp(smtp):  # noqa: F811
    smtp.start()
    received = []

    async def handle_DATA(server, session, envelope):
        received.append(message_from_bytes(envelope.content))
        return "250 OK"

    smtp.handler.handle_DATA = handle_DATA
    treatment = microneedling()
    upcoming = confirmed(treatment, 5, email="reminded@example.com")
    assert send_reminders() == 1
    done = confirmed(treatment, -30, email="treated@example.com")
    Consultation.objects.filter(pk=done.pk).update(status="completed")
    done.refresh_from_db()
    from django.db import transaction

    with transaction.atomic():
        save_and_send_after_commit([completed_email(done)])
    send_due()
    by_to = {m["To"]: m for m in received}
    assert set(by_to) == {upcoming.email, done.email}

    def parts(message):
        text = html = ""
        for part in message.walk():
            if part.get_content_type() == "text/plain" and not part.get_filename():
                text = part.get_payload(decode=True).decode()
            if part.get_content_type() == "text/html":
                html = part.get_payload(decode=True).decode()
        return text, html

    text, html = parts(by_to[upcoming.email])
    assert "stop retinoids" in text and "retinoids" in html
    text, html = parts(by_to[done.email])
    for instruction in treatment.aftercare.all():
        assert instruction.text in text
    assert "First 24 hours" in html and "#0f4c45" in html


@pytest.mark.django_db
def test_marking_a_session_completed_queues_the_aftercare_email():
    from bookings import services
    from treatments.models import AftercareInstruction

    consultation = confirmed(microneedling(), hours_ahead=-2)
    services.consultation_complete(consultation=consultation)
    email = OutboundEmail.objects.get(to=consultation.email, subject__icontains="aftercare")
    for text in AftercareInstruction.objects.filter(treatment=consultation.treatment).values_list(
        "text", flat=True
    ):
        assert text in email.body_text


@pytest.mark.django_db
def test_patients_reminded_on_whatsapp_get_no_reminder_email():
    """One channel each: WhatsApp for those who chose it or gave no email address."""
    treatment = microneedling()
    by_email = confirmed(treatment, 5, contact_preference="phone")
    confirmed(treatment, 6, contact_preference="whatsapp")
    confirmed(treatment, 7, email="", contact_preference="phone")
    assert send_reminders() == 1
    assert [r.consultation_id for r in OutboundEmail.objects.all()] == [by_email.pk]
    left = Consultation.objects.exclude(pk=by_email.pk)
    assert all(c.reminder_sent_at is None for c in left)  # still reception's to send


@pytest.mark.django_db
def test_after_a_whatsapp_reminder_the_email_job_sends_nothing():
    from bookings import services
    from tests.factories import UserFactory

    consultation = confirmed(microneedling(), 5, contact_preference="email")
    services.consultation_mark_reminded(consultation=consultation, actor=UserFactory())
    assert send_reminders() == 0
    assert not OutboundEmail.objects.exists()
    services.consultation_mark_reminded(consultation=consultation, actor=UserFactory())
    assert consultation.events.filter(note__startswith="Reminded by WhatsApp").count() == 1
