"""A full clinic day and patients waiting for it, shared by the waitlist tests."""

import datetime as dt

from django.utils import timezone

from bookings import availability, services
from bookings.models import Consultation, OutboundEmail, WaitlistOffer
from tests.factories import ConsultationFactory, PractitionerFactory, first_practitioner

OFFER_SUBJECT = "A time has come free for you"


def bookable_day(rules, *, now=None, after_days: int = 2) -> dt.date:
    """The first clinic day from ``after_days`` ahead with at least four bookable times."""
    now = now or timezone.now()
    day = timezone.localdate(now, availability.clinic_tz()) + dt.timedelta(days=after_days)
    while len(starts(rules, day, now=now)) < 4:
        day += dt.timedelta(days=1)
    return day


def starts(rules, day: dt.date, *, now=None) -> list[dt.datetime]:
    now = now or timezone.now()
    return [
        s
        for s in availability.day_starts(rules, day)
        if availability.is_bookable_start(rules, s, now)
    ]


def fill(rules, day: dt.date, treatment) -> list[Consultation]:
    """Every bookable time of ``day`` taken by a confirmed consultation."""
    return [
        ConsultationFactory(
            treatment=treatment,
            starts_at=start,
            ends_at=start + rules.length,
            status="confirmed",
            email=f"booked{i}@example.com",
        )
        for i, start in enumerate(starts(rules, day))
    ]


def join(
    treatment, day: dt.date, name: str, *, parts=("morning", "afternoon", "evening"), last=None
):
    return services.waitlist_join(
        treatment=treatment,
        first_day=day,
        last_day=last or day,
        parts=parts,
        full_name=name,
        email=f"{name.split()[0].lower()}@example.com",
        phone="+923001234567",
        contact_preference="whatsapp",
    )


def held(entry=None):
    offers = WaitlistOffer.objects.filter(status=WaitlistOffer.Status.HELD)
    if entry is not None:
        offers = offers.filter(entry=entry)
    return list(offers)


def offers_emailed_to(address: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(to=address, subject=OFFER_SUBJECT).order_by("pk"))


def two_booked_practitioners(rules, treatment):
    """The first practitioner and Dr Hina Qureshi, the treatment letting patients choose,
    and a day on which both are booked at every time: (treatment, day, first, hina,
    {practitioner pk: their consultations in time order})."""
    treatment.patients_choose_practitioner = True
    treatment.save()
    anyone, hina = first_practitioner(), PractitionerFactory(display_name="Dr Hina Qureshi")
    day = bookable_day(rules)
    booked = {
        who.pk: [
            ConsultationFactory(
                treatment=treatment,
                practitioner=who,
                starts_at=start,
                ends_at=start + rules.length,
                status="confirmed",
            )
            for start in starts(rules, day)
        ]
        for who in (anyone, hina)
    }
    return treatment, day, anyone, hina, booked
