"""What the service functions share: their errors, the screening answer, the day's lock,
the count of places taken, the history row and the patient's email."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from bookings import availability
from bookings.emails import calendar_attachment, consultation_context, queue_email
from bookings.models import (
    BookingDay,
    Consultation,
    ConsultationEvent,
    OutboundEmail,
    WaitlistOffer,
)

Status = Consultation.Status


class BookingError(Exception):
    """A booking rule refused the change; the message is safe to show a patient."""


class SlotUnavailable(BookingError):
    """The time is full (someone took the last place) or no longer bookable."""


class TransitionNotAllowed(BookingError):
    """The consultation's current status does not allow this change."""


class LinkUsed(BookingError):
    """The patient's manage link was used already (it works for one change)."""


@dataclass(frozen=True)
class ScreeningAnswer:
    """One answer as the patient gave it: the question as worded for them and, for a
    question about a period before the appointment, the dates that period covered."""

    contraindication_id: int | None
    name: str
    question: str
    severity: str
    answer: bool
    covers_from: dt.date | None = None
    covers_to: dt.date | None = None

    def as_json(self) -> dict:
        data = {
            "contraindication_id": self.contraindication_id,
            "name": self.name,
            "question": self.question,
            "severity": self.severity,
            "answer": "yes" if self.answer else "no",
        }
        if self.covers_to is not None:
            data["covers_from"] = self.covers_from.isoformat()
            data["covers_to"] = self.covers_to.isoformat()
        return data


def lock_day(day: dt.date) -> None:
    """Hold the clinic day until the transaction ends, so that counting the places taken
    and taking one cannot interleave with another booking, move or reinstatement.

    The day's row is written with an upsert (INSERT ... ON CONFLICT DO UPDATE): it is
    created for the day's first booking and otherwise updated in place, and either way
    the database holds its row lock until commit, exactly as SELECT ... FOR UPDATE would,
    in one statement instead of an insert followed by a locking read."""
    BookingDay.objects.bulk_create(
        [BookingDay(date=day)],
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["date"],
    )


def free_seat(
    rules: availability.Rules, starts_at: dt.datetime, *, exclude_pk: int | None = None
) -> int:
    """Inside the day's lock: the lowest place free at ``starts_at``, counted with the
    overlap query the free times use. Raises SlotUnavailable when every place is taken.

    Places above a capacity that staff lowered since still count as taken."""
    end = starts_at + rules.length + rules.buffer
    overlapping = Consultation.objects.filter(availability.overlapping(rules, starts_at, end))
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    # Times held for the waitlist are taken places too (one query with the consultations).
    holds = WaitlistOffer.objects.filter(availability.holding(rules, starts_at, end))
    taken = set(
        overlapping.values_list("seat", flat=True)
        .order_by()
        .union(holds.values_list("seat", flat=True).order_by())
    )
    if len(taken) >= rules.capacity:
        raise SlotUnavailable("That time was just taken.")
    return next(seat for seat in range(1, rules.capacity + 1) if seat not in taken)


def new_event(
    consultation: Consultation,
    *,
    previous: str,
    actor: AbstractBaseUser | None,
    note: str = "",
) -> ConsultationEvent:
    """The history row for a change just made to ``consultation`` (not saved)."""
    return ConsultationEvent(
        consultation=consultation,
        actor=actor if actor is not None and actor.is_authenticated else None,
        previous_status=previous,
        new_status=consultation.status,
        note=note[:500],
    )


def log_event(
    consultation: Consultation, *, previous: str, actor: AbstractBaseUser | None, note: str = ""
) -> ConsultationEvent:
    event = new_event(consultation, previous=previous, actor=actor, note=note)
    event.save()
    return event


def patient_emails(consultation: Consultation, template: str, subject: str) -> list[OutboundEmail]:
    """The patient's email, as a list: empty for a patient without an address (booked by
    phone or at the desk), who hears from the clinic on WhatsApp or by phone instead. A
    confirmed time comes with a calendar file."""
    if not consultation.email:
        return []
    attachments = []
    if consultation.status == Status.CONFIRMED:
        attachments.append(calendar_attachment(consultation))
    return [
        queue_email(
            to=consultation.email,
            subject=f"{subject} ({consultation.reference})",
            template=template,
            context=consultation_context(consultation),
            consultation=consultation,
            attachments=attachments,
        )
    ]


def staff_name(actor: AbstractBaseUser | None) -> str:
    """How the history names a staff member: their full name, else their username."""
    if actor is None:
        return "staff"
    full = actor.get_full_name().strip() if hasattr(actor, "get_full_name") else ""
    return full or actor.get_username()


def locked(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update().select_related("treatment").get(pk=consultation.pk)
    )


def refresh(target: Consultation, source: Consultation) -> Consultation:
    """Copy the saved state back onto the caller's instance."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def refuse_used_link(current: Consultation, link_version: int | None) -> None:
    """A manage link works for one change (``link_version``: the version the link was
    signed for; None for staff). Checked on the locked row, so of two POSTs with one
    link exactly one goes through, even one that would change nothing."""
    if link_version is not None and current.manage_version != link_version:
        raise LinkUsed("This link was used already.")


def use_up_link(current: Consultation, link_version: int | None, fields: list[str]) -> None:
    """Use the patient's manage link up with the change being saved (adds the field to
    ``fields``), so the email about the change carries the next link."""
    if link_version is not None:
        current.manage_version = link_version + 1
        fields.append("manage_version")
