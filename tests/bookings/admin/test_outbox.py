"""The outbox in the admin: read-only, and stuck emails can be sent again now."""

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import OutboundEmail

OUTBOX = "admin:bookings_outboundemail_changelist"


def _email(status, **kwargs) -> OutboundEmail:
    return OutboundEmail.objects.create(
        to="ayesha@example.com",
        subject=f"An email that is {status}",
        body_text="Hello",
        status=status,
        **kwargs,
    )


def test_sending_again_sends_the_failed_and_waiting_emails_and_never_a_sent_one_twice(
    as_role,
):
    later = timezone.now() + dt.timedelta(hours=1)
    failed = _email(OutboundEmail.Status.FAILED, attempts=9)
    waiting = _email(OutboundEmail.Status.QUEUED, next_attempt_at=later)
    sent = _email(OutboundEmail.Status.SENT, sent_at=timezone.now())
    mail.outbox = []
    client = as_role("Reception")
    response = client.post(
        reverse(OUTBOX),
        {"action": "retry_now", "_selected_action": [failed.pk, waiting.pk, sent.pk]},
        follow=True,
    )
    assert "Sent 2, still waiting 0." in response.content.decode()
    assert sorted(m.subject for m in mail.outbox) == [failed.subject, waiting.subject]
    for email in (failed, waiting, sent):
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.SENT


def test_staff_who_may_only_read_the_outbox_cannot_send_again(client, booking_rules):
    from tests.auth import login_staff
    from tests.bookings.admin.roles import staff_with

    failed = _email(OutboundEmail.Status.FAILED, attempts=9)
    reader = staff_with("view_outboundemail")
    login_staff(client, reader)
    html = client.get(reverse(OUTBOX)).content.decode()
    assert "retry_now" not in html
    client.post(reverse(OUTBOX), {"action": "retry_now", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == OutboundEmail.Status.FAILED and mail.outbox == []


def test_emails_emptied_under_the_retention_rules_are_skipped_with_a_message(as_role):
    from bookings import records
    from tests.factories import ConsultationFactory

    consultation = ConsultationFactory()
    emptied = _email(OutboundEmail.Status.QUEUED, consultation=consultation)
    records.consultations_anonymise(ids=[consultation.pk])
    waiting = _email(OutboundEmail.Status.FAILED, attempts=3)
    mail.outbox = []
    response = as_role("Reception").post(
        reverse(OUTBOX),
        {"action": "retry_now", "_selected_action": [emptied.pk, waiting.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Sent 1, still waiting 0." in html
    assert "Skipped 1: emptied under the retention rules" in html
    assert [m.subject for m in mail.outbox] == [waiting.subject]
    emptied.refresh_from_db()
    assert emptied.status == OutboundEmail.Status.FAILED and emptied.to == ""


def test_the_outbox_is_read_only(admin_client):
    email = _email(OutboundEmail.Status.QUEUED)
    assert admin_client.get(reverse("admin:bookings_outboundemail_add")).status_code == 403
    change = reverse("admin:bookings_outboundemail_change", args=[email.pk])
    html = admin_client.get(change).content.decode()
    assert 'name="subject"' not in html and email.subject in html
    delete = reverse("admin:bookings_outboundemail_delete", args=[email.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboundEmail.objects.filter(pk=email.pk).exists()


def test_the_outbox_links_to_the_email_previews(as_role):
    client = as_role("Reception")
    html = client.get(reverse(OUTBOX)).content.decode()
    assert reverse("admin:bookings_outboundemail_previews") in html
