"""The waitlist: joining, offering a free time to the first patient waiting for it,
and the worker's pass (the patient's answers are in ``waitlist_answers``).

Offers are decided under the clinic day's lock, in the transaction of the change that
freed the time (a cancellation, a decline, a move away) or in the worker's pass
(``waitlist_process``), which takes the same lock for each day: hours staff added, a
closure removed, a hold that lapsed. Counting the places free and holding one for the
first entry in order of joining is then one step per day, whichever app server or
worker does it, so a freed place is held for one entry at a time. The database backs
this up: an entry is offered each time once, holds one offer at a time, and a place is
held once (``WaitlistOffer``'s constraints).

A hold (``WaitlistOffer`` with status held) counts as a taken place in the free times
(``availability.load_busy``) and in the place count under the lock
(``common.free_place``) until it is answered or lapses. It lasts ``WAITLIST_HOLD_MINUTES``
but never past the start of the notice period, so a yes can still book the time.

Lock order, everywhere: the day, then the offer, then the entry.
"""

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from bookings import availability
from bookings import waitlist as links
from bookings.emails import queue_email, save_and_send_after_commit
from bookings.models import WaitlistEntry, WaitlistOffer
from bookings.services.common import (
    BookingError,
    SlotUnavailable,
    free_place,
    lock_day,
)
from clinic.models import ClinicProfile, PrivacyNotice

logger = logging.getLogger(__name__)

Entry = WaitlistEntry.Status
Offer = WaitlistOffer.Status

# A hold shorter than this gives the patient no real chance to answer: not offered.
SHORTEST_HOLD = dt.timedelta(minutes=15)
# Entries that ended are kept this long for the back office, then deleted.
KEEP_ENDED = dt.timedelta(days=90)


class OfferNotHeld(BookingError):
    """The offer was answered, withdrawn or lapsed: the time is no longer held."""


def clinic_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment, availability.clinic_tz())


def _email(entry: WaitlistEntry, subject: str, template: str, **context) -> None:
    """The patient's email about their waitlist place, sent after commit."""
    context.update(
        entry=entry,
        treatment=entry.treatment,
        asked_for=entry.practitioner,
        clinic=ClinicProfile.current(),
        site_url=settings.SITE_URL,
        entry_url=links.entry_url(entry),
    )
    save_and_send_after_commit(
        [queue_email(to=entry.email, subject=subject, template=template, context=context)]
    )


# --- Joining ---------------------------------------------------------------------------


def waitlist_join(
    *,
    treatment,
    first_day: dt.date,
    last_day: dt.date,
    parts: Sequence[str],
    full_name: str,
    email: str,
    phone: str,
    contact_preference: str,
    practitioner_id: int | None = None,
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Add a patient to the waitlist and email them their waitlist link (after commit).
    A time already free is not offered here: the join page shows those to book.
    ``practitioner_id``: the practitioner they asked for; only that one's times are
    offered to them (the caller checks the patient may ask for them)."""
    now = now or timezone.now()
    notice = PrivacyNotice.current(now=now)
    entry = WaitlistEntry(
        treatment=treatment,
        first_day=first_day,
        last_day=last_day,
        **{part: part in parts for part in ("morning", "afternoon", "evening")},
        full_name=full_name,
        email=email,
        phone=phone,
        contact_preference=contact_preference,
        consent_version=notice.version if notice else "",
        practitioner_id=practitioner_id,
    )
    entry.full_clean(exclude=["treatment", "practitioner"])
    with transaction.atomic():
        entry.save()
        _email(entry, "You are on our waitlist", "waitlist_joined")
    return entry


# --- Offering --------------------------------------------------------------------------


def _lapse(day: dt.date, now: dt.datetime) -> int:
    """Holds on ``day`` that lapsed unanswered: ended, their entries waiting again."""
    lapsed = list(  # __date is the clinic's date: it is the site's time zone
        WaitlistOffer.objects.select_for_update()
        .filter(status=Offer.HELD, expires_at__lte=now, starts_at__date=day)
        .values_list("pk", "entry_id")
    )
    if lapsed:
        WaitlistOffer.objects.filter(pk__in=[pk for pk, _ in lapsed]).update(
            status=Offer.EXPIRED, ended_at=now
        )
        WaitlistEntry.objects.filter(
            pk__in=[entry for _, entry in lapsed], status=Entry.OFFERED
        ).update(status=Entry.WAITING)
    return len(lapsed)


def _hold_until(rules: availability.Rules, start: dt.datetime, now: dt.datetime):
    """When a hold made now for ``start`` ends, or None if it would be too short."""
    until = min(now + dt.timedelta(minutes=links.hold_minutes()), start - rules.min_notice)
    return until if until - now >= SHORTEST_HOLD else None


def _candidates(day: dt.date, start: dt.datetime):
    part = links.part_of_day(timezone.localtime(start, availability.clinic_tz()))
    return (
        WaitlistEntry.objects.filter(
            status=Entry.WAITING,
            first_day__lte=day,
            last_day__gte=day,
            treatment__is_published=True,
            **{part: True},
        )
        .exclude(offers__starts_at=start)
        .order_by("joined_at", "pk")
        .values_list("pk", flat=True)
    )


def _offer(entry, *, rules, start, place, until, now, actor=None) -> WaitlistOffer:
    offer = WaitlistOffer(
        entry=entry,
        starts_at=start,
        ends_at=start + rules.length,
        practitioner_id=place.practitioner_id,
        room_id=place.room_id,
        expires_at=until,
        offered_by=actor if actor is not None and actor.is_authenticated else None,
    )
    offer.save(force_insert=True)
    entry.status = Entry.OFFERED
    entry.save(update_fields=["status"])
    tz = availability.clinic_tz()
    _email(
        entry,
        "A time has come free for you",
        "waitlist_offer",
        offer=offer,
        offer_url=links.offer_url(offer),
        starts_local=timezone.localtime(start, tz),
        until_local=timezone.localtime(until, tz),
    )
    availability.bookings_changed()
    return offer


def waitlist_fill(
    *, day: dt.date, rules: availability.Rules | None = None, now: dt.datetime | None = None
) -> list[WaitlistOffer]:
    """Hold each free place on ``day`` for the first waiting entry it suits, in order of
    joining; lapsed holds on the day are ended first and so passed on. Takes the day's
    lock (the caller's transaction may hold it already) and must run in a transaction.
    Emails each patient their offer after commit. Returns the new offers."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("waitlist_fill runs inside the transaction that holds the day.")
    now = now or timezone.now()
    lock_day(day)
    if _lapse(day, now):
        availability.bookings_changed()
    if not WaitlistEntry.objects.filter(
        status=Entry.WAITING, first_day__lte=day, last_day__gte=day
    ).exists():
        return []
    rules = rules or availability.load_rules()
    tz = availability.clinic_tz()
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    busy = availability.busy_index(
        rules, availability.load_busy(rules, midnight, midnight + dt.timedelta(days=1))
    )
    offers = []
    for start in availability.day_starts(rules, day):
        until = _hold_until(rules, start, now)
        if until is None or not availability.is_bookable_start(rules, start, now):
            continue
        if not availability.who_is_free(
            rules.practitioners, rules.rooms, busy, start, treatment_id=None
        ):
            continue
        for pk in list(_candidates(day, start)):
            # Wait for an entry another day's pass may be offering a time right now.
            entry = (
                WaitlistEntry.objects.select_for_update()
                .select_related("treatment")
                .filter(pk=pk, status=Entry.WAITING)
                .first()
            )
            if entry is None:
                continue
            try:
                place = free_place(
                    rules,
                    start,
                    treatment_id=entry.treatment_id,
                    practitioner_id=links.practitioner_waited_for(rules, entry),
                )
            except SlotUnavailable:
                continue  # nobody free for this entry; the next may suit
            offers.append(
                _offer(entry, rules=rules, start=start, place=place, until=until, now=now)
            )
    return offers


def waitlist_time_freed(*, day: dt.date, rules: availability.Rules | None = None) -> None:
    """Called inside the transaction of a change that freed a time on ``day`` (which
    holds the day's lock): offer it to the waitlist. A failure here is logged and
    undone on its own, never the change (the worker's pass offers the time later)."""
    try:
        with transaction.atomic():
            waitlist_fill(day=day, rules=rules)
    except Exception:
        logger.exception("The waitlist was not offered a freed time; the worker will.")


def waitlist_offer_by_hand(
    *,
    entry: WaitlistEntry,
    starts_at: dt.datetime,
    actor: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> WaitlistOffer:
    """Reception holds a free time for a waiting entry and emails them the offer, as the
    site does by itself. Refused (BookingError) when the entry is not waiting, was
    offered this time before, or the time is not free or too close to hold."""
    now = now or timezone.now()
    rules = availability.load_rules()
    if not availability.is_bookable_start(rules, starts_at, now):
        raise SlotUnavailable("That time cannot be booked online.")
    until = _hold_until(rules, starts_at, now)
    if until is None:
        raise SlotUnavailable("That time is too close to hold for the patient.")
    with transaction.atomic():
        lock_day(clinic_day(starts_at))
        current = (
            WaitlistEntry.objects.select_for_update().select_related("treatment").get(pk=entry.pk)
        )
        if current.status != Entry.WAITING:
            raise BookingError(f"This entry is {current.get_status_display().lower()}.")
        if current.offers.filter(starts_at=starts_at).exists():
            raise BookingError("This patient was offered that time before.")
        place = free_place(
            rules,
            starts_at,
            treatment_id=current.treatment_id,
            practitioner_id=links.practitioner_waited_for(rules, current),
        )
        return _offer(
            current, rules=rules, start=starts_at, place=place, until=until, now=now, actor=actor
        )


# --- The worker's pass -----------------------------------------------------------------


def waitlist_process(*, now: dt.datetime | None = None) -> dict[str, int]:
    """What the clock and staff changes call for, one day per transaction: pass on holds
    that lapsed, offer free places on every day an entry waits for (hours added, a
    closure removed, capacity raised), end entries whose last day has passed, and delete
    entries ended long ago. Safe to run from several workers at once."""
    now = now or timezone.now()
    rules = availability.load_rules()
    today = clinic_day(now)
    first, last = availability.first_and_last_day(rules, now)
    days = sorted(set(links.lapsed_days(now)) | set(links.waiting_days(first, last)))
    offered = 0
    for day in days:
        with transaction.atomic():
            offered += len(waitlist_fill(day=day, rules=rules, now=now))
    expired = WaitlistEntry.objects.filter(status=Entry.WAITING, last_day__lt=today).update(
        status=Entry.EXPIRED, ended_at=now
    )
    deleted, _ = WaitlistEntry.objects.filter(ended_at__lt=now - KEEP_ENDED).delete()
    return {"days": len(days), "offered": offered, "expired": expired, "deleted": deleted}
