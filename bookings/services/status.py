"""Status changes and moves of a consultation, each one function of the same shape (see
``bookings.services``)."""

import datetime as dt
from collections.abc import Callable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings import availability
from bookings.emails import consultation_context, queue_email, save_and_send_after_commit
from bookings.models import Consultation, ConsultationNote, Practitioner
from bookings.services.common import (
    ScreeningAnswer,
    SlotUnavailable,
    Status,
    TransitionNotAllowed,
    free_place,
    lock_day,
    locked,
    log_event,
    patient_emails,
    place_preferring,
    refresh,
    refuse_used_link,
    use_up_link,
)
from bookings.services.courses import refresh_course
from bookings.services.waitlist import waitlist_time_freed


def _transition(
    *,
    consultation: Consultation,
    allowed: Sequence[str],
    target: str | Callable[[str], str],
    actor: AbstractBaseUser | None,
    note: str,
    email: tuple[str, str] | None | Callable[[str], tuple[str, str] | None],
    extra_fields: dict | None = None,
    needs_place: bool = False,
    noop: Sequence[str] = (),
    frees_time: bool = False,
    link_version: int | None = None,
) -> Consultation:
    with transaction.atomic():
        # A freed time is offered to the waitlist under the day's lock, taken first.
        if needs_place or frees_time:
            lock_day(timezone.localdate(consultation.starts_at, availability.clinic_tz()))
        current = locked(consultation)
        refuse_used_link(current, link_version)
        if callable(target):
            target = target(current.status)
        if current.status == target or current.status in noop:
            return refresh(consultation, current)
        if current.status not in allowed:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} "
                f"cannot become {Status(target).label.lower()}."
            )
        previous = current.status
        fields = ["status", "updated_at"]
        use_up_link(current, link_version, fields)
        if needs_place:
            rules = availability.load_rules()
            place = place_preferring(rules, current.starts_at, consultation=current)
            current.practitioner_id, current.room_id = place.practitioner_id, place.room_id
            fields += ["practitioner", "room"]
        for name, value in (extra_fields or {}).items():
            setattr(current, name, value)
            fields.append(name)
        current.status = target
        current.save(update_fields=fields)
        if not {previous, target} <= set(Consultation.ACTIVE_STATUSES):
            refresh_course(current.email, current.treatment_id)
        availability.bookings_changed()
        if frees_time:
            waitlist_time_freed(day=timezone.localdate(current.starts_at, availability.clinic_tz()))
        log_event(current, previous=previous, actor=actor, note=note)
        if callable(email):
            email = email(previous)
        if email is not None:
            save_and_send_after_commit(patient_emails(current, *email))
    return refresh(consultation, current)


def consultation_confirm(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Pending → confirmed; emails the patient their confirmed time."""
    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["confirm"],
        target=Status.CONFIRMED,
        actor=actor,
        note=note,
        email=("consultation_confirmed", "Your consultation is confirmed"),
    )


def consultation_decline(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Pending → declined (a clinician judged the treatment unsuitable); frees the time
    and emails the patient that the clinic will call them."""
    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["decline"],
        target=Status.DECLINED,
        actor=actor,
        note=note,
        email=("consultation_declined", "About your consultation request"),
        frees_time=True,
    )


def consultation_cancel(
    *,
    consultation: Consultation,
    reason: str,
    by: str = Consultation.CancelledBy.CLINIC,
    actor: AbstractBaseUser | None = None,
    link_version: int | None = None,
) -> Consultation:
    """Pending or confirmed → cancelled, by the patient or the clinic, with a reason;
    frees the time and emails the patient. ``link_version``: see ``use_up_link``."""
    if by not in Consultation.CancelledBy.values:
        raise ValueError(f"Unknown canceller: {by!r}")
    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["cancel"],
        target=Status.CANCELLED,
        actor=actor,
        note=reason,
        email=("consultation_cancelled", "Your consultation is cancelled"),
        frees_time=True,
        extra_fields={"cancelled_by": by, "cancellation_reason": reason[:300]},
        link_version=link_version,
    )


def consultation_complete(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Confirmed → completed. Emails the patient the treatment's aftercare instructions
    (and, for a course, an invitation to book the next session)."""
    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["complete"],
        target=Status.COMPLETED,
        actor=actor,
        note=note,
        email=("consultation_completed", "Your aftercare instructions"),
    )


def consultation_mark_no_show(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Confirmed → no show. No email."""
    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["no_show"],
        target=Status.NO_SHOW,
        actor=actor,
        note=note,
        email=None,
    )


def consultation_reinstate(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Undo a cancellation, decline or no-show. Cancelled or declined → pending (staff
    confirm it again), no show → confirmed. The time must still have a free place
    (``SlotUnavailable`` otherwise). A consultation already active is left as it is."""

    def target(status: str) -> str:
        return Status.CONFIRMED if status == Status.NO_SHOW else Status.PENDING

    return _transition(
        consultation=consultation,
        allowed=Consultation.ALLOWED_FROM["reinstate"],
        target=target,
        actor=actor,
        note=note,
        # Undoing a no-show is a correction of the records: the patient hears nothing.
        email=lambda previous: (
            None
            if previous == Status.NO_SHOW
            else ("consultation_reinstated", "Your consultation is back in our diary")
        ),
        extra_fields={"cancelled_by": "", "cancellation_reason": ""},
        needs_place=True,
        noop=Consultation.ACTIVE_STATUSES,
    )


def consultation_reschedule(
    *,
    consultation: Consultation,
    starts_at: dt.datetime,
    actor: AbstractBaseUser | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    enforce_booking_window: bool = False,
    screening_answers: Sequence[ScreeningAnswer] = (),
    link_version: int | None = None,
) -> Consultation:
    """Move a pending or confirmed consultation to another time, under the same capacity
    rules as a new request (``SlotUnavailable`` when full). Staff may choose any time in
    opening hours; with ``enforce_booking_window`` the patient's notice and days-ahead
    limits apply too. ``screening_answers``: questions about a period before the
    appointment, answered again for the new date; they join the screening snapshot
    (which keeps what was asked before) and a yes flags the consultation for a
    clinician. Emails the patient the new time. The same time is a no-op."""
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        raise SlotUnavailable("Give the new time with its time zone.")
    rules = availability.load_rules()
    local = timezone.localtime(starts_at, availability.clinic_tz())
    if enforce_booking_window:
        if not availability.is_bookable_start(rules, starts_at, now):
            raise SlotUnavailable("That time is not available.")
    elif starts_at <= now or local not in availability.day_starts(rules, local.date()):
        raise SlotUnavailable("Choose a future time within opening hours.")
    days = sorted(
        {
            timezone.localdate(consultation.starts_at, availability.clinic_tz()),
            local.date(),
        }
    )
    with transaction.atomic():
        for day in days:  # always in date order, so two moves cannot deadlock
            lock_day(day)
        current = locked(consultation)
        refuse_used_link(current, link_version)
        if current.starts_at == starts_at:
            return refresh(consultation, current)
        if current.status not in Consultation.ALLOWED_FROM["reschedule"]:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} cannot be moved."
            )
        place = place_preferring(rules, starts_at, consultation=current)
        previous_start = current.starts_at
        current.starts_at = starts_at
        current.ends_at = starts_at + rules.length
        current.practitioner_id, current.room_id = place.practitioner_id, place.room_id
        # A new time deserves its own reminder.
        current.reminder_sent_at = None
        fields = ["starts_at", "ends_at", "practitioner", "room", "reminder_sent_at", "updated_at"]
        use_up_link(current, link_version, fields)
        if screening_answers:
            current.screening_answers = [
                *current.screening_answers,
                *(answer.as_json() for answer in screening_answers),
            ]
            current.flagged = current.flagged or any(a.answer for a in screening_answers)
            fields += ["screening_answers", "flagged"]
        current.save(update_fields=fields)
        refresh_course(current.email, current.treatment_id)
        availability.bookings_changed()
        waitlist_time_freed(day=timezone.localdate(previous_start, availability.clinic_tz()))
        tz = availability.clinic_tz()
        moved = (
            f"Moved from {timezone.localtime(previous_start, tz):%a %d %b %Y %H:%M} "
            f"to {local:%a %d %b %Y %H:%M}."
        )
        log_event(current, previous=current.status, actor=actor, note=f"{moved} {note}".strip())
        save_and_send_after_commit(
            patient_emails(current, "consultation_rescheduled", "Your consultation has moved")
        )
    return refresh(consultation, current)


def consultation_reassign(
    *,
    consultation: Consultation,
    practitioner: Practitioner,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> Consultation:
    """Give a pending or confirmed consultation to another practitioner free at its time
    (``SlotUnavailable`` otherwise), under the day's lock; the time and the room stay.
    The history says who from and to; a patient who had asked for the practitioner they
    lose is emailed. The same practitioner is a no-op."""
    with transaction.atomic():
        lock_day(timezone.localdate(consultation.starts_at, availability.clinic_tz()))
        current = locked(consultation)
        if current.practitioner_id == practitioner.pk:
            return refresh(consultation, current)
        if current.status not in Consultation.ALLOWED_FROM["reassign"]:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} cannot be "
                "reassigned."
            )
        rules = availability.load_rules()
        free_place(
            rules,
            current.starts_at,
            treatment_id=current.treatment_id,
            practitioner_id=practitioner.pk,
            exclude_pk=current.pk,
        )
        before = current.practitioner
        had_chosen = current.practitioner_chosen
        current.practitioner = practitioner
        current.practitioner_chosen = False
        current.save(update_fields=["practitioner", "practitioner_chosen", "updated_at"])
        availability.bookings_changed()
        moved = f"Reassigned from {before or 'nobody'} to {practitioner}."
        log_event(current, previous=current.status, actor=actor, note=f"{moved} {note}".strip())
        if had_chosen and before is not None and current.email:
            save_and_send_after_commit(
                [
                    queue_email(
                        to=current.email,
                        subject=f"Who will see you has changed ({current.reference})",
                        template="consultation_reassigned",
                        context={
                            **consultation_context(current),
                            "previous_practitioner": before,
                        },
                        consultation=current,
                    )
                ]
            )
    return refresh(consultation, current)


def consultation_add_note(
    *, consultation: Consultation, author: AbstractBaseUser | None, text: str
) -> ConsultationNote:
    """An internal staff note. No email."""
    text = text.strip()
    if not text:
        raise ValueError("A note needs some text.")
    note = ConsultationNote(consultation=consultation, author=author, text=text)
    note.full_clean()
    note.save()
    return note
