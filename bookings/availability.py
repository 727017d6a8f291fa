"""Which consultation times are free: pure functions over the clinic's rules.

Loading the rules costs two queries (settings with opening hours, closures) and the
bookings already made one more; everything else is arithmetic in clinic time.

Both are cached in the shared cache under version numbers: staff changing hours,
closures or settings call ``rules_changed``; every write that takes or frees a place
calls ``bookings_changed`` once its transaction commits. A cached list of free times is
still filtered by the notice period when read, so it is never out of date by the clock.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from bookings.models import (
    MAX_CONSULTATION_MINUTES,
    BookingSettings,
    Closure,
    Consultation,
    OpeningHours,
    WaitlistOffer,
)
from bookings.staffing import ANYONE, Busy, BusyIndex, RoomRule, Staff, load_staff, who_is_free
from clinic.page_cache import bump, bump_content_version, shared_value, versions

RULES_VERSION = "bookings:rules-version"
BOOKINGS_VERSION = "bookings:bookings-version"
# Bounds how stale a process-local cache (no REDIS_URL) can be across worker processes.
CACHE_TIMEOUT = 5 * 60


def clinic_tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class Rules:
    """The booking rules as plain values."""

    length: dt.timedelta = dt.timedelta(minutes=30)
    buffer: dt.timedelta = dt.timedelta(minutes=15)
    min_notice: dt.timedelta = dt.timedelta(hours=12)
    days_ahead: int = 60
    # weekday (0 = Monday) -> [(opens, closes), ...]
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] = field(default_factory=dict)
    closures: tuple[tuple[dt.date, dt.date], ...] = ()
    # Who can see patients, and the rooms treatments need (bookings.staffing).
    practitioners: tuple[Staff, ...] = ANYONE
    rooms: tuple[RoomRule, ...] = ()

    @property
    def capacity(self) -> int:
        """How many patients can be seen at once at most: the practitioners who take
        bookings (for figures such as the agenda's free places)."""
        return sum(1 for person in self.practitioners if person.active)

    def staff(self, pk: int | None) -> Staff | None:
        return next((person for person in self.practitioners if person.pk == pk), None)

    @property
    def length_minutes(self) -> int:
        return int(self.length.total_seconds() // 60)

    @property
    def step(self) -> dt.timedelta:
        return self.length + self.buffer


def load_rules(*, today: dt.date | None = None) -> Rules:
    """The rules from the database: settings with opening hours (one query), the
    closures that have not ended yet (one query), and the practitioners and rooms
    (``bookings.staffing.load_staff``: five queries)."""
    today = today or timezone.localdate(timezone.now(), clinic_tz())
    periods = list(OpeningHours.objects.select_related("settings").order_by("weekday", "opens"))
    settings_row = periods[0].settings if periods else BookingSettings.load()
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for period in periods:
        hours.setdefault(period.weekday, []).append((period.opens, period.closes))
    closures = tuple(Closure.objects.filter(ends_on__gte=today).values_list("starts_on", "ends_on"))
    practitioners, rooms = load_staff(today)
    return Rules(
        length=dt.timedelta(minutes=settings_row.consultation_minutes),
        buffer=dt.timedelta(minutes=settings_row.buffer_minutes),
        practitioners=practitioners,
        rooms=rooms,
        min_notice=dt.timedelta(hours=settings_row.min_notice_hours),
        days_ahead=settings_row.max_days_ahead,
        hours={day: tuple(spans) for day, spans in hours.items()},
        closures=closures,
    )


def is_closed(rules: Rules, day: dt.date) -> bool:
    return any(start <= day <= end for start, end in rules.closures)


def first_and_last_day(rules: Rules, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The clinic-local dates patients may book, from today to the last day ahead."""
    today = timezone.localdate(now, clinic_tz())
    return today, today + dt.timedelta(days=rules.days_ahead)


ZERO = dt.timedelta(0)


def _opening_periods(rules: Rules, day: dt.date):
    """(opens, closes) of each opening period on ``day``, as aware clinic times."""
    tz = clinic_tz()
    for opens, closes in rules.hours.get(day.weekday(), ()):
        yield (
            dt.datetime.combine(day, opens, tzinfo=tz),
            dt.datetime.combine(day, closes, tzinfo=tz),
        )


def day_starts(rules: Rules, day: dt.date) -> list[dt.datetime]:
    """Every start time on a clinic day by the opening hours (aware, clinic time),
    ignoring closures, notice and bookings."""
    starts = []
    for start, end in _opening_periods(rules, day):
        while start + rules.length <= end:
            starts.append(start)
            start += rules.step
    return sorted(set(starts))


def is_bookable_start(rules: Rules, start: dt.datetime, now: dt.datetime) -> bool:
    """Whether a start time is one patients may choose, before counting bookings."""
    if timezone.is_naive(start):
        return False
    local = timezone.localtime(start, clinic_tz())
    first, last = first_and_last_day(rules, now)
    day = local.date()
    if not first <= day <= last or is_closed(rules, day):
        return False
    if local < now + rules.min_notice:
        return False
    return _on_the_grid(rules, local)


def _on_the_grid(rules: Rules, local: dt.datetime) -> bool:
    """``local in day_starts(rules, local.date())``, without listing the day's starts."""
    return any(
        first <= local and local + rules.length <= end and (local - first) % rules.step == ZERO
        for first, end in _opening_periods(rules, local.date())
    )


LONGEST = dt.timedelta(minutes=MAX_CONSULTATION_MINUTES)


def overlapping(rules: Rules, start: dt.datetime, end: dt.datetime) -> Q:
    """Active consultations that, with the buffer after each, overlap [start, end). The
    lower bound on the start keeps the index scan to the span around the time."""
    return Q(
        status__in=Consultation.ACTIVE_STATUSES,
        starts_at__lt=end,
        starts_at__gt=start - rules.buffer - LONGEST,
        ends_at__gt=start - rules.buffer,
    )


def holding(rules: Rules, start: dt.datetime, end: dt.datetime) -> Q:
    """Times still held for a waitlist patient (``WaitlistOffer``) that, with the buffer
    after each, overlap [start, end): each is a taken place until it is answered or
    lapses, so nobody else books a time offered to someone waiting for it."""
    return Q(
        status=WaitlistOffer.Status.HELD,
        expires_at__gt=timezone.now(),
        starts_at__lt=end,
        starts_at__gt=start - rules.buffer - LONGEST,
        ends_at__gt=start - rules.buffer,
    )


def load_busy(rules: Rules, start: dt.datetime, end: dt.datetime) -> list[Busy]:
    """Active consultations and held times that may overlap [start, end), counted by
    time, practitioner and room (one query)."""
    fields = ("starts_at", "ends_at", "practitioner_id", "room_id")
    rows = (
        Consultation.objects.filter(overlapping(rules, start, end))
        .values(*fields)
        .annotate(n=Count("pk"))
        .order_by()
        .union(
            WaitlistOffer.objects.filter(holding(rules, start, end))
            .values(*fields)
            .annotate(n=Count("pk"))
            .order_by(),
            all=True,
        )
    )
    # In clinic time, like the starts they are compared with: the same instants, but two
    # datetimes of one time zone compare without looking up a UTC offset each time, which
    # makes counting the bookable weeks' places several times faster.
    tz = clinic_tz()
    return [
        Busy(
            r["starts_at"].astimezone(tz),
            r["ends_at"].astimezone(tz),
            r["n"],
            r["practitioner_id"],
            r["room_id"],
        )
        for r in rows
    ]


def busy_around(rules: Rules, start: dt.datetime, *, exclude_pk: int | None = None) -> list[Busy]:
    """What is taken around one start (consultations and held times that overlap it,
    with the buffer), one row each, less the consultation ``exclude_pk`` (one query)."""
    end = start + rules.length + rules.buffer
    consultations = Consultation.objects.filter(overlapping(rules, start, end))
    if exclude_pk is not None:
        consultations = consultations.exclude(pk=exclude_pk)
    holds = WaitlistOffer.objects.filter(holding(rules, start, end))
    fields = ("starts_at", "ends_at", "practitioner_id", "room_id")
    rows = (
        consultations.values_list(*fields)
        .order_by()
        .union(holds.values_list(*fields).order_by(), all=True)
    )
    return [
        Busy(starts_at, ends_at, 1, practitioner, room)
        for starts_at, ends_at, practitioner, room in rows
    ]


def busy_index(rules: Rules, busy: Iterable[Busy]) -> BusyIndex:
    return BusyIndex(rules.buffer, rules.length, busy)


def free_slots(
    rules: Rules,
    busy: Iterable[Busy],
    *,
    now: dt.datetime,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    earliest: dt.datetime | None = None,
    treatment_id: int | None = None,
    practitioner_id: int | None = None,
) -> dict[dt.date, list[dt.datetime]]:
    """Free start times per clinic day (only days with at least one), from ``earliest``
    (by default the end of the notice period): the starts at which a practitioner who
    performs the treatment (``practitioner_id``: that one) is working, not away and
    free, and a room it needs is free. Without a treatment: any practitioner."""
    index = busy_index(rules, busy)
    first, last = first_and_last_day(rules, now)
    first_day = max(first_day or first, first)
    last_day = min(last_day or last, last)
    earliest = earliest or now + rules.min_notice
    result: dict[dt.date, list[dt.datetime]] = {}
    day = first_day
    while day <= last_day:
        if not is_closed(rules, day):
            times = [
                start
                for start in day_starts(rules, day)
                if start >= earliest
                and who_is_free(
                    rules.practitioners,
                    rules.rooms,
                    index,
                    start,
                    treatment_id=treatment_id,
                    practitioner_id=practitioner_id,
                )
            ]
            if times:
                result[day] = times
        day += dt.timedelta(days=1)
    return result


def window(rules: Rules, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The span of time in which bookable starts lie, for loading bookings once."""
    first, last = first_and_last_day(rules, now)
    tz = clinic_tz()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def upcoming_free_slots(
    rules: Rules, *, now: dt.datetime, treatment_id: int | None = None
) -> dict[dt.date, list[dt.datetime]]:
    """Free times from now to the last bookable day (one query)."""
    start, end = window(rules, now)
    return free_slots(rules, load_busy(rules, start, end), now=now, treatment_id=treatment_id)


def rules_changed() -> None:
    """Staff changed opening hours, closures or booking settings; counted once the
    current transaction commits, so no one caches the old rules under the new number.
    The public pages carry the opening hours (in their structured data), so they are
    rendered again too."""

    def bump_both():
        bump(RULES_VERSION)
        bump_content_version()

    transaction.on_commit(bump_both)


def bookings_changed() -> None:
    """A consultation's time or status changed, so a place may have been taken or freed;
    counted once the current transaction commits."""
    transaction.on_commit(lambda: bump(BOOKINGS_VERSION))


def current_rules(*, version: int | None = None) -> Rules:
    """``load_rules`` through the cache (``version``: the rules version, if already read)."""
    today = timezone.localdate(timezone.now(), clinic_tz())
    if version is None:
        (version,) = versions(RULES_VERSION)
    key = f"bookings:rules:{version}:{today.isoformat()}"
    return shared_value("bookings:rules", key, lambda: load_rules(today=today), CACHE_TIMEOUT)


def current_free_slots(
    rules: Rules,
    *,
    now: dt.datetime,
    version: tuple[int, int] | None = None,
    treatment_id: int | None = None,
    practitioner_id: int | None = None,
) -> dict[dt.date, list[dt.datetime]]:
    """``upcoming_free_slots`` through the cache, for the rules ``current_rules`` gives:
    today's free times, less those now inside the notice period. ``version``: the rules
    and bookings versions, if already read."""
    today = timezone.localdate(now, clinic_tz())
    rules_version, bookings_version = version or versions(RULES_VERSION, BOOKINGS_VERSION)
    key = (
        f"bookings:free:{rules_version}:{bookings_version}:{today.isoformat()}:"
        f"{treatment_id or 'any'}:{practitioner_id or 'any'}"
    )

    def build():
        start, end = window(rules, now)
        busy = load_busy(rules, start, end)
        return free_slots(
            rules,
            busy,
            now=now,
            earliest=start,
            treatment_id=treatment_id,
            practitioner_id=practitioner_id,
        )

    slot = f"bookings:free:{treatment_id or 'any'}:{practitioner_id or 'any'}"
    return without_notice(shared_value(slot, key, build, CACHE_TIMEOUT), rules, now=now)


def next_bookable_start(rules: Rules, *, now: dt.datetime) -> dt.datetime | None:
    """The first start on the opening-hours grid outside the notice period, free or not.
    The free times on offer can only change by the clock when this passes."""
    earliest = now + rules.min_notice
    day = timezone.localdate(earliest, clinic_tz())
    _, last = first_and_last_day(rules, now)
    while day <= last:
        for start in day_starts(rules, day):
            if start >= earliest:
                return start
        day += dt.timedelta(days=1)
    return None


def without_notice(
    slots: dict[dt.date, list[dt.datetime]], rules: Rules, *, now: dt.datetime
) -> dict[dt.date, list[dt.datetime]]:
    earliest = now + rules.min_notice
    result = {}
    for day, starts in slots.items():
        if starts[-1] < earliest:
            continue
        result[day] = starts if starts[0] >= earliest else [s for s in starts if s >= earliest]
    return result


def next_free(
    slots: dict[dt.date, list[dt.datetime]], *, limit: int = 6, after: dt.datetime | None = None
) -> list[dt.datetime]:
    found = []
    for day in sorted(slots):
        for start in slots[day]:
            if after is None or start > after:
                found.append(start)
                if len(found) >= limit:
                    return found
    return found
