"""The outbox: queue emails inside a transaction, send them after it commits.

``queue_email`` writes an ``OutboundEmail`` row in the caller's transaction, so an email
exists exactly when the change it reports does. After commit one attempt is made at once;
``manage.py send_queued_email`` (``--loop`` as a worker) retries the rest with
exponential backoff. Each row is claimed with ``select_for_update(skip_locked=True)``
inside its own transaction, so two workers never send the same email.

No email ever contains screening answers or other health information.
"""

import base64
import contextlib
import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings.models import Consultation, OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20
BASE_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=2)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after each failure, at most two hours."""
    return min(BASE_DELAY * (2 ** min(max(attempts - 1, 0), 16)), MAX_DELAY)


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    consultation: Consultation | None = None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>.txt`` (and ``.html`` if present) into an outbox row."""
    return OutboundEmail(
        to=to,
        subject=subject,
        body_text=render_to_string(f"emails/{template}.txt", context),
        body_html=_render_optional(f"emails/{template}.html", context),
        consultation=consultation,
        attachments=attachments or [],
    )


def _render_optional(name: str, context: dict) -> str:
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return ""


def save_and_send_after_commit(emails: Iterable[OutboundEmail]) -> list[OutboundEmail]:
    """Save the rows in the current transaction and try them right after it commits."""
    rows = OutboundEmail.objects.bulk_create(list(emails))
    ids = [row.pk for row in rows if row.pk is not None]
    if ids:
        transaction.on_commit(lambda: send_due(ids=ids))
    else:  # databases that do not return ids from bulk inserts: the worker sends them.
        transaction.on_commit(lambda: send_due(limit=len(rows)))
    return rows


def consultation_context(consultation: Consultation) -> dict:
    admin_path = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    from clinic.models import ClinicProfile

    return {
        "consultation": consultation,
        "treatment": consultation.treatment,
        "clinic": ClinicProfile.current(),
        "site_url": settings.SITE_URL,
        "admin_url": settings.SITE_URL + admin_path,
        "starts_local": timezone.localtime(consultation.starts_at, timezone.get_default_timezone()),
    }


def calendar_attachment(consultation: Consultation) -> dict:
    """The consultation as an .ics file patients can add to their calendar."""
    from icalendar import Calendar, Event

    from clinic.models import ClinicProfile

    clinic = ClinicProfile.current()
    calendar = Calendar()
    calendar.add("prodid", "-//Khan Aesthetic & Laser Clinic//Consultations//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{consultation.reference}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", consultation.starts_at)
    event.add("dtend", consultation.ends_at)
    event.add("summary", f"{consultation.treatment.name} consultation, {clinic.name}")
    event.add("location", ", ".join(clinic.address_lines))
    event.add("description", f"Reference {consultation.reference}. Call {clinic.phone} to change.")
    calendar.add_component(event)
    return {
        "filename": "consultation.ics",
        "mimetype": "text/calendar",
        "content": base64.b64encode(calendar.to_ical()).decode("ascii"),
    }


def _message(row: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        connection=connection,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for item in row.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    return message


def _describe(exc: Exception) -> str:
    """What went wrong, without the server's words (they may quote addresses)."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' (SMTP {code})' if code else ''}"[:200]


def _send_one(row: OutboundEmail, connection, now: dt.datetime) -> bool:
    row.attempts += 1
    try:
        _message(row, connection).send()
    except Exception as exc:  # any failure leaves the email queued
        row.last_error = _describe(exc)
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboundEmail.Status.FAILED
        row.next_attempt_at = now + backoff(row.attempts)
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        logger.warning("Email %s not sent (attempt %s): %s", row.pk, row.attempts, row.last_error)
        return False
    row.status = OutboundEmail.Status.SENT
    row.sent_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return True


def send_due(*, ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Send queued emails that are due (or the given ones). Returns (sent, failed).

    Each email is claimed, sent and marked inside one short transaction; a row another
    worker holds is skipped, and one that is already sent is never sent again.
    """
    sent = failed = 0
    connection = None
    skip: set[int] = set()
    try:
        for _ in range(limit):
            now = timezone.now()
            with transaction.atomic():
                candidates = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
                    status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now
                )
                if ids is not None:
                    candidates = candidates.filter(pk__in=ids)
                row = candidates.exclude(pk__in=skip).order_by("next_attempt_at", "pk").first()
                if row is None:
                    break
                if connection is None:
                    connection = get_connection(fail_silently=False)
                if _send_one(row, connection, now):
                    sent += 1
                else:
                    failed += 1
                    skip.add(row.pk)
                    # A refused connection will refuse the next email too.
                    with contextlib.suppress(Exception):
                        connection.close()
                    connection = None
    except Exception:  # the database or anything else: the worker will pick it up again
        logger.exception("Sending queued emails stopped early")
    finally:
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()
    return sent, failed
