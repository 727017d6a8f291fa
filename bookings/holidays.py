"""Pakistan's public holidays as closures, from the well-kept ``holidays`` library.

``holidays_add`` adds a closure for each public holiday of the coming months that has
not been added before, and remembers it (``PublicHoliday``): running it again adds
nothing twice, and a closure staff deleted (the clinic opens that day after all) is
never brought back. The lunar holidays (the two Eids, Ashura, the Prophet's birthday)
follow the moon's sighting, announced only days before: their closures are marked
estimated for staff to confirm or move. A closure never cancels anything: the
consultations already booked on its days are listed for reception to contact.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import holidays as holiday_calendars
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bookings import availability
from bookings.models import Closure, Consultation, PublicHoliday

COUNTRY = "PK"
MONTHS_AHEAD = 18
# The library's names of the holidays whose dates depend on the moon's sighting.
LUNAR = ("Eid al-Fitr", "Eid al-Adha", "Ashura", "Prophet's Birthday")
ESTIMATED_SUFFIX = " (estimated)"


@dataclass(frozen=True)
class HolidaySpan:
    """One public holiday: its name and its consecutive days."""

    name: str
    first_day: dt.date
    last_day: dt.date

    @property
    def is_lunar(self) -> bool:
        return self.name in LUNAR

    @property
    def key(self) -> str:
        return f"{self.name}:{self.first_day.year}"


@dataclass(frozen=True)
class HolidaysAdded:
    added: list[Closure]
    already_known: int


def upcoming_holidays(*, today: dt.date, months: int = MONTHS_AHEAD) -> list[HolidaySpan]:
    """The public holidays from ``today`` to ``months`` ahead, consecutive days of the
    same holiday as one span. A day with two holidays belongs to both."""
    last = today + relativedelta(months=months)
    calendar = holiday_calendars.country_holidays(COUNTRY, years=range(today.year, last.year + 1))
    days_by_name: dict[str, list[dt.date]] = defaultdict(list)
    for day, names in calendar.items():
        if today <= day <= last:
            for name in names.split("; "):
                days_by_name[name.removesuffix(ESTIMATED_SUFFIX)].append(day)
    spans = []
    for name, days in days_by_name.items():
        days.sort()
        first = previous = days[0]
        for day in days[1:]:
            if day != previous + dt.timedelta(days=1):
                spans.append(HolidaySpan(name, first, previous))
                first = day
            previous = day
        spans.append(HolidaySpan(name, first, previous))
    return sorted(spans, key=lambda span: (span.first_day, span.name))


def holidays_add(*, today: dt.date | None = None, months: int = MONTHS_AHEAD) -> HolidaysAdded:
    """Add a closure for every public holiday of the coming ``months`` not added before.

    In one transaction: for each holiday not yet remembered, a closure (estimated for a
    lunar one) and the row that remembers it. The free times are renewed after commit."""
    today = today or timezone.localdate(timezone.now(), availability.clinic_tz())
    spans = upcoming_holidays(today=today, months=months)
    added = []
    with transaction.atomic():
        known = set(
            PublicHoliday.objects.filter(key__in=[s.key for s in spans]).values_list(
                "key", flat=True
            )
        )
        for span in spans:
            if span.key in known:
                continue
            closure = Closure(
                starts_on=span.first_day,
                ends_on=span.last_day,
                reason=f"{span.name} (public holiday)",
                holiday=span.name,
                estimated=span.is_lunar,
            )
            closure.full_clean()
            closure.save()
            PublicHoliday.objects.create(key=span.key, name=span.name, first_day=span.first_day)
            known.add(span.key)
            added.append(closure)
        if added:
            availability.rules_changed()
    return HolidaysAdded(added=added, already_known=len(spans) - len(added))


def consultations_during(closure: Closure) -> QuerySet[Consultation]:
    """Active consultations on the closure's days (clinic time): reception contacts
    these patients; nothing is cancelled for them."""
    tz = availability.clinic_tz()
    start = dt.datetime.combine(closure.starts_on, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(closure.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (
        Consultation.objects.filter(
            status__in=Consultation.ACTIVE_STATUSES, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("treatment")
        .order_by("starts_at", "pk")
    )
