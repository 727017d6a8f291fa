"""What the service functions share: their errors, the screening answer, the day's lock,
the practitioner and room a time is booked with, the history row and the patient's
email."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.utils import timezone

from bookings import availability, staffing
from bookings.emails import calendar_attachment, consultation_context, queue_email
from bookings.models import (
    BookingDay,
    Consultation,
    ConsultationEvent,
    OutboundEmail,
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


@dataclass(frozen=True)
class Place:
    """Who sees the patient, and the room the treatment needs (None: it needs none)."""

    practitioner_id: int
    room_id: int | None


def place_preferring(
    rules: availability.Rules,
    starts_at: dt.datetime,
    *,
    consultation: Consultation,
) -> Place:
    """For a consultation taking a time again (moved or reinstated): its practitioner
    when they are free then, otherwise whoever is (``free_place``)."""
    try:
        return free_place(
            rules,
            starts_at,
            treatment_id=consultation.treatment_id,
            practitioner_id=consultation.practitioner_id,
            exclude_pk=consultation.pk,
        )
    except SlotUnavailable:
        return free_place(
            rules, starts_at, treatment_id=consultation.treatment_id, exclude_pk=consultation.pk
        )


def free_place(
    rules: availability.Rules,
    starts_at: dt.datetime,
    *,
    treatment_id: int,
    practitioner_id: int | None = None,
    exclude_pk: int | None = None,
) -> Place:
    """Inside the day's lock: the practitioner (``practitioner_id``, or the first
    available: the fewest consultations that day, then the longest serving) and the
    room for a consultation at ``starts_at``, with what is taken counted by the overlap
    query the free times use. Raises SlotUnavailable when nobody or no room is free.

    One query for what overlaps (``availability.busy_around``), and one for the day's
    bookings when more than one practitioner is free."""
    day_bookings = Consultation.objects.filter(status__in=Consultation.ACTIVE_STATUSES)
    if exclude_pk is not None:
        day_bookings = day_bookings.exclude(pk=exclude_pk)
    taken = availability.busy_around(rules, starts_at, exclude_pk=exclude_pk)
    found = staffing.who_is_free(
        rules.practitioners,
        rules.rooms,
        availability.busy_index(rules, taken),
        starts_at,
        treatment_id=treatment_id,
        practitioner_id=practitioner_id,
    )
    if found is None:
        raise SlotUnavailable("That time was just taken.")
    free, room = found
    counts = {}
    if len(free) > 1:
        tz = availability.clinic_tz()
        day = timezone.localdate(starts_at, tz)
        midnight = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        counts = dict(
            day_bookings.filter(
                starts_at__gte=midnight,
                starts_at__lt=midnight + dt.timedelta(days=1),
                practitioner_id__in=[person.pk for person in free],
            )
            .values_list("practitioner_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    chosen = staffing.choose(free, counts)
    return Place(chosen.pk, room.pk if room else None)


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
