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

from bookings.links import manage_token, manage_url
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


def queue_consultation_email(
    *, consultation: Consultation, to: str, subject: str, template: str
) -> OutboundEmail:
    """An outbox row rendered from ``emails/<template>`` and the consultation only when
    it is sent, so the request that queues it renders nothing (the booking's hot path)."""
    return OutboundEmail(to=to, subject=subject, template=template, consultation=consultation)


def _render_when_sending(row: OutboundEmail) -> None:
    if row.template and not row.body_text:
        consultation = (
            Consultation.objects.select_related("treatment").filter(pk=row.consultation_id).first()
        )
        if consultation is None:
            raise LookupError("The consultation this email is about no longer exists.")
        context = consultation_context(consultation)
        row.body_text = render_to_string(f"emails/{row.template}.txt", context)
        row.body_html = _render_optional(f"emails/{row.template}.html", context)


def _render_optional(name: str, context: dict) -> str:
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return ""


def save_and_send_after_commit(emails: Iterable[OutboundEmail]) -> list[OutboundEmail]:
    """Save the rows in the current transaction and, unless the worker sends the outbox
    (``EMAIL_SENT_BY_WORKER``), try them right after it commits. A row without an
    address (a patient booked by phone who gave none) is dropped: email goes only
    where there is an address."""
    rows = [row for row in emails if row.to]
    if not rows:
        return []
    rows = OutboundEmail.objects.bulk_create(rows)
    send_after_commit(rows)
    return rows


def send_after_commit(rows: list[OutboundEmail]) -> None:
    """Unless the worker sends the outbox (``EMAIL_SENT_BY_WORKER``), try these saved rows
    right after the transaction commits."""
    if settings.EMAIL_SENT_BY_WORKER:
        return
    ids = [row.pk for row in rows if row.pk is not None]
    if ids:
        transaction.on_commit(lambda: send_due(ids=ids))
    else:  # databases that do not return ids from bulk inserts: the worker sends them.
        transaction.on_commit(lambda: send_due(limit=len(rows)))


def consultation_context(consultation: Consultation) -> dict:
    """What every email about a consultation may use. Patient emails carry the manage
    link; completed ones the aftercare and, for a course, the next-session invitation."""
    admin_path = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    from clinic.models import ClinicProfile

    context = {
        "consultation": consultation,
        "treatment": consultation.treatment,
        "clinic": ClinicProfile.current(),
        "site_url": settings.SITE_URL,
        "admin_url": settings.SITE_URL + admin_path,
        "starts_local": timezone.localtime(consultation.starts_at, timezone.get_default_timezone()),
        "manage_url": manage_url(consultation),
    }
    if consultation.status == Consultation.Status.CONFIRMED:
        context.update(preparation_context(consultation.treatment))
    if consultation.status == Consultation.Status.COMPLETED:
        context.update(completed_context(consultation))
    return context


# --- what the reminder and the completed email say ------------------------------------


def preparation_context(treatment) -> dict:
    """The treatment's preparation advice (staff-written Markdown) as safe HTML and text."""
    from clinic.markdown import render_markdown

    html = render_markdown(treatment.preparation) if treatment.preparation.strip() else ""
    return {"preparation_html": html, "preparation_text": markdown_as_text(treatment.preparation)}


def markdown_as_text(text: str) -> str:
    """Markdown as plain text for the text part: list items as dashes, no markup."""
    from django.utils.html import strip_tags

    from clinic.markdown import render_markdown

    if not text.strip():
        return ""
    html = render_markdown(text).replace("<li>", "<li>- ")
    lines = [" ".join(line.split()) for line in html_unescape(strip_tags(html)).splitlines()]
    return "\n".join(line for line in lines if line)


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def aftercare_for(treatment) -> list[dict]:
    """The treatment's aftercare grouped by period: the same selector and content as the
    public aftercare page."""
    from treatments.selectors import aftercare_groups

    groups = aftercare_groups(list(treatment.aftercare.all()))
    for group in groups:
        group["text_items"] = [
            (item.text, markdown_as_text(item.detail) if item.detail else "")
            for item in group["items"]
        ]
    return groups


def completed_context(consultation: Consultation) -> dict:
    # Not at the top: selectors imports forms, which imports services, which imports this.
    from bookings import selectors

    window = selectors.next_session_offer(consultation)
    context = {
        "aftercare_groups": aftercare_for(consultation.treatment),
        "aftercare_url": settings.SITE_URL
        + reverse("bookings:manage_aftercare", args=[manage_token(consultation)]),
        "next_window": window,
        "session_number": selectors.session_number(consultation),
    }
    if window is not None:
        context["next_url"] = settings.SITE_URL + reverse(
            "bookings:manage_next", args=[manage_token(consultation)]
        )
    return context


def reminder_email(consultation: Consultation) -> OutboundEmail:
    """The reminder with the preparation advice, for the outbox (not saved)."""
    return queue_email(
        to=consultation.email,
        subject=f"Your consultation is coming up ({consultation.reference})",
        template="consultation_reminder",
        context=consultation_context(consultation),
        consultation=consultation,
        attachments=[calendar_attachment(consultation)],
    )


def completed_email(consultation: Consultation) -> OutboundEmail:
    """Thank you, aftercare by period and (for a course) the next-session invitation."""
    return queue_email(
        to=consultation.email,
        subject=f"Your aftercare instructions ({consultation.reference})",
        template="consultation_completed",
        context=consultation_context(consultation),
        consultation=consultation,
    )


def calendar_attachment(consultation: Consultation) -> dict:
    """The consultation as an .ics file patients can add to their calendar."""
    from icalendar import Calendar, Event

    from bookings.calendar import PRODID, consultation_uid
    from clinic.models import ClinicProfile

    clinic = ClinicProfile.current()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", consultation_uid(consultation))
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
        _render_when_sending(row)
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
    row.save(
        update_fields=["attempts", "last_error", "status", "sent_at", "body_text", "body_html"]
    )
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
