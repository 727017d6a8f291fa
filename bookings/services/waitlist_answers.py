"""The patient's answers to the waitlist: booking the time held for them, letting it
go, and leaving the waitlist. Each takes the held time's day first (the lock order of
``bookings.services.waitlist``: the day, then the offer, then the entry), so a time let
go passes to the next entry in the same transaction."""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from bookings import availability
from bookings.models import Consultation, WaitlistEntry, WaitlistOffer
from bookings.services.common import ScreeningAnswer, lock_day
from bookings.services.requests import consultation_request
from bookings.services.waitlist import OfferNotHeld, clinic_day, waitlist_fill

Entry = WaitlistEntry.Status
Offer = WaitlistOffer.Status


def _locked_offer(offer: WaitlistOffer) -> WaitlistOffer:
    return (
        WaitlistOffer.objects.select_for_update()
        .select_related("entry__treatment")
        .get(pk=offer.pk)
    )


def waitlist_offer_accept(
    *,
    offer: WaitlistOffer,
    screening_answers: Sequence[ScreeningAnswer] = (),
    message: str = "",
    idempotency_key=None,
    now: dt.datetime | None = None,
) -> Consultation:
    """Book the held time: in one transaction under the day's lock, end the hold and
    request the consultation through ``consultation_request`` (which emails the patient
    and the clinic), so the place goes from the hold to the booking with nobody in
    between. Accepting again returns the same consultation; a hold that lapsed or was
    answered raises OfferNotHeld."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_day(clinic_day(offer.starts_at))
        current = _locked_offer(offer)
        if current.status == Offer.ACCEPTED and current.consultation_id:
            return current.consultation
        if current.status != Offer.HELD or current.expires_at <= now:
            raise OfferNotHeld("This time is no longer held for you.")
        entry = WaitlistEntry.objects.select_for_update().get(pk=current.entry_id)
        current.status = Offer.ACCEPTED
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
        result = consultation_request(
            treatment=current.entry.treatment,
            starts_at=current.starts_at,
            full_name=entry.full_name,
            email=entry.email,
            phone=str(entry.phone),
            contact_preference=entry.contact_preference,
            screening_answers=screening_answers,
            message=message,
            idempotency_key=idempotency_key,
            now=now,
            practitioner_id=current.practitioner_id,
            practitioner_chosen=entry.practitioner_id == current.practitioner_id,
        )
        current.consultation = result.consultation
        current.save(update_fields=["consultation"])
        entry.status = Entry.BOOKED
        entry.ended_at = now
        entry.save(update_fields=["status", "ended_at"])
    return result.consultation


def waitlist_offer_decline(*, offer: WaitlistOffer, now: dt.datetime | None = None) -> None:
    """The patient lets the time go: the hold ends, they wait on for other times, and the
    time goes to the next entry it suits, in the same transaction. Declining an offer
    no longer held changes nothing."""
    now = now or timezone.now()
    day = clinic_day(offer.starts_at)
    with transaction.atomic():
        lock_day(day)
        current = _locked_offer(offer)
        if current.status != Offer.HELD:
            return
        current.status = Offer.DECLINED
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
        WaitlistEntry.objects.filter(pk=current.entry_id, status=Entry.OFFERED).update(
            status=Entry.WAITING
        )
        availability.bookings_changed()
        waitlist_fill(day=day, now=now)


def waitlist_leave(*, entry: WaitlistEntry, now: dt.datetime | None = None) -> WaitlistEntry:
    """The patient leaves the waitlist; a time held for them goes to the next entry it
    suits. Leaving again changes nothing."""
    now = now or timezone.now()
    held = entry.offers.filter(status=Offer.HELD).first()
    with transaction.atomic():
        if held is not None:
            lock_day(clinic_day(held.starts_at))
        current = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if current.status not in WaitlistEntry.OPEN_STATUSES:
            return current
        withdrawn = current.offers.filter(status=Offer.HELD).update(
            status=Offer.WITHDRAWN, ended_at=now
        )
        current.status = Entry.LEFT
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
        if withdrawn and held is not None:
            availability.bookings_changed()
            waitlist_fill(day=clinic_day(held.starts_at), now=now)
    return current
