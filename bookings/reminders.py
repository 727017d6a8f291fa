"""Reminder emails: one per confirmed consultation, a set time before it.

``manage.py send_reminders`` runs from cron (every ten minutes). Each consultation is
claimed with a conditional UPDATE (``reminder_sent_at IS NULL``) in the same transaction
that queues its email, so however often and on however many servers the command runs at
once, exactly one reminder is queued per consultation. The outbox then delivers it.

Each consultation is reminded by exactly one channel. Patients who asked to hear from
the clinic on WhatsApp, and those without an email address, are left out here:
reception reminds them by WhatsApp from the agenda and marks it
(``services.consultation_mark_reminded``), which sets the same ``reminder_sent_at``
under the row lock. Either way the field is set once, so no consultation is reminded
twice, whichever channel comes first.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.emails import reminder_email, save_and_send_after_commit
from bookings.models import BookingSettings, Consultation

logger = logging.getLogger(__name__)


def reminded_by_email() -> Q:
    """Consultations whose reminder is this job's: the patient has an email address and
    did not ask for WhatsApp (those are reminded by reception, see the module's note)."""
    return ~Q(email="") & ~Q(contact_preference=Consultation.ContactPreference.WHATSAPP)


def reminded_by_whatsapp(consultation: Consultation) -> bool:
    """The opposite of ``reminded_by_email``, for one consultation already loaded."""
    return (
        not consultation.email
        or consultation.contact_preference == Consultation.ContactPreference.WHATSAPP
    )


def due_for_reminder(*, now: dt.datetime, hours_before: int) -> list[int]:
    """Confirmed consultations starting within the reminder period, not yet reminded,
    whose reminder goes by email."""
    return list(
        Consultation.objects.filter(
            reminded_by_email(),
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
            reminded_by_email(),
            pk=pk,
            status=Consultation.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
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
