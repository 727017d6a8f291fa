"""Reminder emails: one per confirmed consultation, a set time before it.

``manage.py send_reminders`` runs from cron (every ten minutes). Each consultation is
claimed with a conditional UPDATE (``reminder_sent_at IS NULL``) in the same transaction
that queues its email, so however often and on however many servers the command runs at
once, exactly one reminder is queued per consultation. The outbox then delivers it.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from bookings.emails import reminder_email, save_and_send_after_commit
from bookings.models import BookingSettings, Consultation

logger = logging.getLogger(__name__)


def due_for_reminder(*, now: dt.datetime, hours_before: int) -> list[int]:
    """Confirmed consultations starting within the reminder period, not yet reminded."""
    return list(
        Consultation.objects.filter(
            status=Consultation.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=hours_before),
        )
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )


def claim_and_queue(pk: int, *, now: dt.datetime) -> bool:
    """Claim one consultation's reminder and queue its email, atomically. False when
    another run claimed it first (or it is no longer confirmed)."""
    with transaction.atomic():
        claimed = Consultation.objects.filter(
            pk=pk, status=Consultation.Status.CONFIRMED, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        if claimed != 1:
            return False
        consultation = Consultation.objects.select_related("treatment").get(pk=pk)
        save_and_send_after_commit([reminder_email(consultation)])
    return True


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue every due reminder; returns how many this run queued."""
    now = now or timezone.now()
    hours = BookingSettings.load().reminder_hours_before
    queued = 0
    for pk in due_for_reminder(now=now, hours_before=hours):
        if claim_and_queue(pk, now=now):
            queued += 1
    logger.info("Queued %s reminder(s)", queued)
    return queued
