"""The waitlist's signed links and the reads its pages share.

A link carries only a signed id: {w: entry} for the patient's waitlist page (leave the
waitlist), {o: offer} for an offered time (book it or let it go). What the link may do
is decided by the row's status, so a link to an offer that lapsed or was answered says
so, and leaving twice changes nothing. Changes are in ``bookings.services.waitlist``.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.models import WaitlistEntry, WaitlistOffer

ENTRY_SALT = "bookings.waitlist.v1"
OFFER_SALT = "bookings.waitlist-offer.v1"

Entry = WaitlistEntry.Status
Offer = WaitlistOffer.Status

PARTS_OF_DAY = [
    ("morning", "Morning", "before 12:00"),
    ("afternoon", "Afternoon", "12:00 to 17:00"),
    ("evening", "Evening", "after 17:00"),
]


def hold_minutes() -> int:
    return getattr(settings, "WAITLIST_HOLD_MINUTES", 120)


def hold_label() -> str:
    """The hold as patients read it: "2 hours", "90 minutes"."""
    minutes = hold_minutes()
    if minutes % 60:
        return f"{minutes} minutes"
    hours = minutes // 60
    return "1 hour" if hours == 1 else f"{hours} hours"


# --- Links -----------------------------------------------------------------------------


def entry_token(entry: WaitlistEntry) -> str:
    return signing.dumps({"w": entry.pk}, salt=ENTRY_SALT)


def offer_token(offer: WaitlistOffer) -> str:
    return signing.dumps({"o": offer.pk}, salt=OFFER_SALT)


def entry_url(entry: WaitlistEntry) -> str:
    return settings.SITE_URL + reverse("bookings:waitlist_entry", args=[entry_token(entry)])


def offer_url(offer: WaitlistOffer) -> str:
    return settings.SITE_URL + reverse("bookings:waitlist_offer", args=[offer_token(offer)])


def _pk(token: str, salt: str, key: str) -> int | None:
    try:
        return int(signing.loads(token, salt=salt)[key])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def entry_for_token(token: str) -> WaitlistEntry | None:
    pk = _pk(token, ENTRY_SALT, "w")
    if pk is None:
        return None
    return WaitlistEntry.objects.select_related("treatment", "practitioner").filter(pk=pk).first()


def offer_for_token(token: str) -> WaitlistOffer | None:
    pk = _pk(token, OFFER_SALT, "o")
    if pk is None:
        return None
    return (
        WaitlistOffer.objects.select_related(
            "entry__treatment", "entry__practitioner", "practitioner"
        )
        .filter(pk=pk)
        .first()
    )


# --- Reads -----------------------------------------------------------------------------


def part_of_day(local: dt.datetime) -> str:
    if local.time() < dt.time(12):
        return "morning"
    return "afternoon" if local.time() < dt.time(17) else "evening"


def practitioner_waited_for(rules: availability.Rules, entry: WaitlistEntry) -> int | None:
    """The practitioner whose times the entry waits for; anyone's (None) once that
    practitioner no longer takes bookings or no longer performs the treatment, so the
    patient is not left waiting for nobody."""
    pk = entry.practitioner_id
    taking = any(
        person.pk == pk and person.active and person.performs(entry.treatment_id)
        for person in rules.practitioners
    )
    return pk if pk is not None and taking else None


def matching_free_times(
    slots: dict[dt.date, list[dt.datetime]],
    *,
    first_day: dt.date,
    last_day: dt.date,
    parts: set[str],
    limit: int = 6,
) -> list[dt.datetime]:
    """The first free times (from ``availability.current_free_slots``) on the days and at
    the parts of day asked for: if there are any, the patient can book one now."""
    tz = availability.clinic_tz()
    found = []
    for day in sorted(slots):
        if first_day <= day <= last_day:
            for start in slots[day]:
                if part_of_day(timezone.localtime(start, tz)) in parts:
                    found.append(start)
                    if len(found) >= limit:
                        return found
    return found


def _per_day(statuses, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    counts: dict[dt.date, int] = {}
    rows = WaitlistEntry.objects.filter(
        status__in=statuses, first_day__lte=last, last_day__gte=first
    ).values_list("first_day", "last_day")
    for start, end in rows:
        day = max(start, first)
        while day <= min(end, last):
            counts[day] = counts.get(day, 0) + 1
            day += dt.timedelta(days=1)
    return counts


def waiting_per_day(first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """How many open entries (waiting, or holding an offer) cover each day, for the
    agenda (one query; the days are counted here, as entries span a few weeks each)."""
    return _per_day(WaitlistEntry.OPEN_STATUSES, first, last)


def waiting_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from ``first`` to ``last`` that an entry waiting for an offer covers."""
    return sorted(_per_day([Entry.WAITING], first, last))


def held_per_day(first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """How many times are held for waitlist patients on each day (one query)."""
    tz = availability.clinic_tz()
    rows = (
        WaitlistOffer.objects.filter(
            status=Offer.HELD,
            expires_at__gt=timezone.now(),
            starts_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            starts_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )
        .annotate(day=TruncDate("starts_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def patient_waitlist(email: str) -> list[dict]:
    """A patient's open entries with the time held for each, if one is (two queries)."""
    entries = list(
        WaitlistEntry.objects.filter(email__iexact=email, status__in=WaitlistEntry.OPEN_STATUSES)
        .select_related("treatment", "practitioner")
        .order_by("first_day", "pk")
    )
    held = {
        offer.entry_id: offer
        for offer in WaitlistOffer.objects.filter(
            entry__in=entries, status=Offer.HELD, expires_at__gt=timezone.now()
        )
    }
    tz = availability.clinic_tz()
    return [
        {
            "entry": entry,
            "path": reverse("bookings:waitlist_entry", args=[entry_token(entry)]),
            "offer": held.get(entry.pk),
            "offer_path": (
                reverse("bookings:waitlist_offer", args=[offer_token(held[entry.pk])])
                if entry.pk in held
                else ""
            ),
            "offer_local": (
                timezone.localtime(held[entry.pk].starts_at, tz) if entry.pk in held else None
            ),
        }
        for entry in entries
    ]


def lapsed_days(now: dt.datetime) -> list[dt.date]:
    """Clinic days with a hold that lapsed unanswered and is not yet passed on."""
    tz = availability.clinic_tz()
    starts = WaitlistOffer.objects.filter(status=Offer.HELD, expires_at__lte=now).values_list(
        "starts_at", flat=True
    )
    return sorted({timezone.localdate(start, tz) for start in starts})


def add_agenda_counts(days) -> None:
    """Each agenda day's ``waiting`` (open entries covering it) and ``held`` (times held
    for them): two queries for the whole span."""
    if not days:
        return
    first, last = days[0].date, days[-1].date
    waiting, held = waiting_per_day(first, last), held_per_day(first, last)
    for day in days:
        day.waiting = waiting.get(day.date, 0)
        day.held = held.get(day.date, 0)
