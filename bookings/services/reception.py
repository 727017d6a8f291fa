"""What reception records about a consultation besides its status: the screening answers
a patient booked by phone gives later, and a reminder sent by WhatsApp.

Both follow the shape of a status change (see ``bookings.services``): lock the row,
change only what is still to change, save those fields, write the history row. A
repeated call changes nothing.
"""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings.models import Consultation
from bookings.services.common import (
    ScreeningAnswer,
    Status,
    TransitionNotAllowed,
    locked,
    log_event,
    refresh,
    staff_name,
)


def consultation_record_screening(
    *,
    consultation: Consultation,
    screening_answers: Sequence[ScreeningAnswer],
    actor: AbstractBaseUser | None = None,
) -> Consultation:
    """Store the screening answers of a consultation booked with them left for later
    (``screening_pending``): they join the screening snapshot, a yes flags the
    consultation for a clinician, "screening pending" is cleared and a history row
    written (naming ``actor`` if staff entered them, else the patient). No email: the
    answers are health data, and the patient already has their link.

    A consultation whose screening is no longer pending is left as it is (the answers
    were given already, e.g. the same form posted twice). One that has ended
    (cancelled, declined, completed, no show) raises ``TransitionNotAllowed``.
    """
    with transaction.atomic():
        current = locked(consultation)
        if not current.screening_pending:
            return refresh(consultation, current)
        if current.status not in Consultation.ACTIVE_STATUSES:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} needs no "
                "screening answers."
            )
        current.screening_answers = [
            *current.screening_answers,
            *(answer.as_json() for answer in screening_answers),
        ]
        current.flagged = current.flagged or any(a.answer for a in screening_answers)
        current.screening_pending = False
        current.save(
            update_fields=["screening_answers", "flagged", "screening_pending", "updated_at"]
        )
        who = f"by {staff_name(actor)}" if actor is not None else "online by the patient"
        log_event(
            current,
            previous=current.status,
            actor=actor,
            note=f"Screening questions answered {who}.",
        )
    return refresh(consultation, current)


def consultation_mark_reminded(
    *,
    consultation: Consultation,
    actor: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Reception sent the reminder by WhatsApp: set ``reminder_sent_at`` under the row
    lock, only if it is still empty, and write "Reminded by WhatsApp by …" to the
    history. The reminder email job claims a consultation only while that field is
    empty (``bookings.reminders``), so a consultation is reminded once, by one channel:
    marking it after the email went out, or twice, changes nothing. Only a confirmed
    consultation is reminded (``TransitionNotAllowed`` otherwise)."""
    with transaction.atomic():
        current = locked(consultation)
        if current.reminder_sent_at is not None:
            return refresh(consultation, current)
        if current.status != Status.CONFIRMED:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} is not reminded."
            )
        current.reminder_sent_at = now or timezone.now()
        current.save(update_fields=["reminder_sent_at", "updated_at"])
        log_event(
            current,
            previous=current.status,
            actor=actor,
            note=f"Reminded by WhatsApp by {staff_name(actor)}.",
        )
    return refresh(consultation, current)
