"""A request for a consultation: the one write every booking goes through, whether the
patient books online or reception books them from a phone call, a WhatsApp message or
at the desk."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import availability
from bookings.emails import queue_consultation_email, save_and_send_after_commit
from bookings.models import Consultation, new_reference
from bookings.services.common import (
    ScreeningAnswer,
    SlotUnavailable,
    Status,
    free_place,
    lock_day,
    log_event,
    staff_name,
)
from bookings.services.courses import booked_in_course
from bookings.services.status import consultation_confirm
from clinic.models import PrivacyNotice
from treatments.models import Treatment

Source = Consultation.Source
# A new reference is random; one another consultation has is drawn again, this often.
REFERENCE_ATTEMPTS = 3

# How the history says the patient asked: "Booked by phone by Amina Butt."
SOURCE_PHRASES = {
    Source.ONLINE: "online",
    Source.PHONE: "by phone",
    Source.WHATSAPP: "on WhatsApp",
    Source.WALK_IN: "at the desk",
}


@dataclass(frozen=True)
class RequestResult:
    consultation: Consultation
    created: bool


def _earlier_request(idempotency_key: uuid.UUID | None) -> Consultation | None:
    """The consultation an earlier submit of this form made, if any.

    Asked under the day's lock on every booking, where it almost always finds nothing:
    so it reads only the key's index entry, and loads the whole row only for a repeat."""
    if idempotency_key is None:
        return None
    earlier = Consultation.objects.filter(idempotency_key=idempotency_key)
    if not earlier.values_list("pk", flat=True)[:1]:
        return None
    return earlier.select_related("treatment").get()


def consultation_request(
    *,
    treatment: Treatment,
    starts_at: dt.datetime,
    full_name: str,
    email: str,
    phone: str,
    contact_preference: str,
    screening_answers: Sequence[ScreeningAnswer] = (),
    message: str = "",
    idempotency_key: uuid.UUID | None = None,
    rules: availability.Rules | None = None,
    now: dt.datetime | None = None,
    privacy_notice: PrivacyNotice | None = None,
    source: str = Source.ONLINE,
    actor: AbstractBaseUser | None = None,
    confirm: bool = False,
    screening_later: bool = False,
    allow_inside_notice: bool = False,
    practitioner_id: int | None = None,
    practitioner_chosen: bool | None = None,
) -> RequestResult:
    """A patient asks for a consultation: hold the time (status pending).

    In one transaction: lock the clinic day, return the earlier request if this
    idempotency key was used already, refuse when the time is full (``SlotUnavailable``),
    save the request with its screening snapshot and privacy consent, log it, and queue
    the patient's acknowledgement and the clinic's alert. Both emails are sent after
    commit. Behind the lock, the database refuses a second request with the same key and
    (on PostgreSQL) two active consultations overlapping in one place. ``privacy_notice``:
    the notice in force, if the caller has it (otherwise it is looked up).

    Reception booking a caller or walk-in pass ``actor`` (who is named on the history
    row, "Booked by phone by …") and ``source``. The clinic's alert is not sent (staff
    made the booking), and the acknowledgement goes only to a patient with an email
    address. Staff may also pass:

    - ``confirm``: they agreed the time with the patient, so it is confirmed at once, in
      the same transaction, through ``consultation_confirm`` (its rules, history row and
      confirmation email instead of the acknowledgement);
    - ``screening_later``: no screening answers yet; the consultation is marked
      ``screening_pending`` until the patient answers from their manage link
      (``consultation_record_screening``);
    - ``allow_inside_notice``: a time inside the notice period patients are held to.
      Capacity, closures, opening hours and the days ahead still apply.

    ``practitioner_id``: the practitioner asked for; without it the first available is
    booked (``common.free_place``). The patient is taken to have chosen them unless
    ``practitioner_chosen`` says otherwise (a time held for the waitlist is someone's).
    """
    if source not in Source.values:
        raise ValueError(f"Unknown source: {source!r}")
    if actor is None and (confirm or allow_inside_notice or source != Source.ONLINE):
        raise ValueError(
            "Only staff book from a call, a message or the desk, inside the notice period "
            "or confirmed at once."
        )
    if actor is None and not email:
        raise ValueError("A patient booking online gives an email address for their link.")
    if screening_later and screening_answers:
        raise ValueError("Screening is either answered now or left for later, not both.")
    now = now or timezone.now()
    rules = rules or availability.load_rules()
    if timezone.is_naive(starts_at):
        raise SlotUnavailable("That time is not one we can offer.")
    window = replace(rules, min_notice=dt.timedelta(0)) if allow_inside_notice else rules
    if not availability.is_bookable_start(window, starts_at, now):
        raise SlotUnavailable("That time is no longer available.")
    day = timezone.localdate(starts_at, availability.clinic_tz())
    answers = [a.as_json() for a in screening_answers]
    # Read before taking the day's lock, which other patients may be waiting for.
    notice = privacy_notice or PrivacyNotice.current(now=now)
    consultation = Consultation(
        treatment=treatment,
        starts_at=starts_at,
        ends_at=starts_at + rules.length,
        status=Status.PENDING,
        full_name=full_name,
        email=email,
        phone=phone,
        contact_preference=contact_preference,
        message=message,
        screening_answers=answers,
        flagged=any(a["answer"] == "yes" for a in answers),
        screening_pending=screening_later,
        consent_version=notice.version if notice else "",
        consented_at=now,
        idempotency_key=idempotency_key,
        source=source,
        practitioner_chosen=(
            practitioner_id is not None if practitioner_chosen is None else practitioner_chosen
        ),
    )
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                lock_day(day)
                earlier = _earlier_request(idempotency_key)
                if earlier is not None:
                    return RequestResult(earlier, created=False)
                place = free_place(
                    rules, starts_at, treatment_id=treatment.pk, practitioner_id=practitioner_id
                )
                consultation.practitioner_id, consultation.room_id = (
                    place.practitioner_id,
                    place.room_id,
                )
                # Field checks only: the database enforces the treatment's key and the unique
                # and exclusion constraints, and asking it twice would lengthen the wait for
                # the day's lock.
                consultation.full_clean(
                    exclude=["treatment", "practitioner", "room"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                consultation.save(force_insert=True)
                booked_in_course(consultation)
                if actor is None:
                    log_event(consultation, previous="", actor=None, note="Requested online.")
                    save_and_send_after_commit(
                        [
                            _acknowledgement(consultation),
                            queue_consultation_email(
                                consultation=consultation,
                                to=settings.CLINIC_STAFF_EMAIL,
                                subject=f"New consultation request {consultation.reference}",
                                template="staff_new_request",
                            ),
                        ]
                    )
                else:
                    _booked_by_staff(consultation, source=source, actor=actor, confirm=confirm)
                availability.bookings_changed()
        except IntegrityError as exc:
            # The constraints caught what the lock should have: the same key submitted twice
            # at once, a place taken, or a reference another consultation has.
            earlier = _earlier_request(idempotency_key)
            if earlier is not None:
                return RequestResult(earlier, created=False)
            if not Consultation.objects.filter(reference=consultation.reference).exists():
                raise SlotUnavailable("That time was just taken.") from exc
            # The random reference is another consultation's (about once in 500 bookings
            # with half a million in the diary): the same request with a new one.
            consultation.reference = new_reference()
            continue
        return RequestResult(consultation, created=True)
    raise SlotUnavailable("That time could not be booked. Please try again.")


def _acknowledgement(consultation: Consultation):
    return queue_consultation_email(
        consultation=consultation,
        to=consultation.email,
        subject=f"We have your consultation request ({consultation.reference})",
        template="consultation_requested",
    )


def _booked_by_staff(
    consultation: Consultation, *, source: str, actor: AbstractBaseUser, confirm: bool
) -> None:
    """Inside the request's transaction: the history row naming who booked it and how,
    then either the confirmation or the acknowledgement (when there is an address)."""
    note = f"Booked {SOURCE_PHRASES[source]} by {staff_name(actor)}."
    if consultation.screening_pending:
        note += " Screening questions left for the patient to answer."
    log_event(consultation, previous="", actor=actor, note=note)
    if confirm:
        consultation_confirm(
            consultation=consultation, actor=actor, note="Agreed with the patient when booking."
        )
    elif consultation.email:
        save_and_send_after_commit([_acknowledgement(consultation)])
