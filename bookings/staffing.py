"""Who can see a patient at a time: the practitioners' working periods, absences and
treatments, and the rooms treatments need, as plain values beside the clinic's rules.

``bookings.availability`` asks ``who_is_free`` for each start on the opening-hours grid
and the booking services ask ``choose`` under the day's lock, so the free times offered
and the practitioner booked follow one rule. Both cost time linear in the practitioners
working that day, never in the diary (each looks up the busy times around the start).
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Staff:
    """One practitioner. ``treatments`` None: performs every treatment; ``hours`` None:
    works all opening hours (weekday, 0 = Monday -> ((starts, ends), ...))."""

    pk: int | None
    name: str = ""
    treatments: frozenset[int] | None = None
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]] | None = None
    absences: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    active: bool = True
    serving_since: dt.date = dt.date.min

    def performs(self, treatment_id: int | None) -> bool:
        return treatment_id is None or self.treatments is None or treatment_id in self.treatments

    def works(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Working for all of [start, end) (clinic time) and not away during any of it."""
        if not self.active:
            return False
        if self.hours is not None:
            day = start.date()
            if not any(
                dt.datetime.combine(day, opens, tzinfo=start.tzinfo) <= start
                and end <= dt.datetime.combine(day, closes, tzinfo=start.tzinfo)
                for opens, closes in self.hours.get(start.weekday(), ())
            ):
                return False
        return not any(away < end and start < back for away, back in self.absences)


# The clinic before anyone is named: one practitioner, always there (pure uses of the
# rules, such as tests of the arithmetic).
ANYONE = (Staff(pk=None),)


@dataclass(frozen=True)
class RoomRule:
    pk: int
    treatments: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Busy:
    """Active consultations (or held times) sharing a time, a practitioner and a room."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    count: int
    practitioner_id: int | None = None
    room_id: int | None = None


class BusyIndex:
    """What is taken around a start: consultations whose time, with the buffer after
    each, overlaps this one's, in all and per practitioner and per room. Busy times are
    sorted by start, so each start looks only at those that could overlap it."""

    def __init__(self, buffer: dt.timedelta, length: dt.timedelta, busy: Iterable[Busy]):
        self.buffer, self.length = buffer, length
        self.all = _Timeline(busy)
        by_practitioner: dict = defaultdict(list)
        by_room: dict = defaultdict(list)
        for entry in self.all.busy:
            by_practitioner[entry.practitioner_id].append(entry)
            if entry.room_id is not None:
                by_room[entry.room_id].append(entry)
        self.practitioners = {pk: _Timeline(rows) for pk, rows in by_practitioner.items()}
        self.rooms = {pk: _Timeline(rows) for pk, rows in by_room.items()}

    def _span(self, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        return start - self.buffer, start + self.length + self.buffer

    def taken(self, start: dt.datetime) -> int:
        return self.all.count(*self._span(start))

    def practitioner_busy(self, pk: int | None, start: dt.datetime) -> bool:
        timeline = self.practitioners.get(pk)
        return timeline is not None and timeline.count(*self._span(start)) > 0

    def room_busy(self, pk: int, start: dt.datetime) -> bool:
        timeline = self.rooms.get(pk)
        return timeline is not None and timeline.count(*self._span(start)) > 0


class _Timeline:
    def __init__(self, busy: Iterable[Busy]):
        self.busy = sorted(busy, key=lambda b: b.starts_at)
        self.starts = [b.starts_at for b in self.busy]
        self.longest = max((b.ends_at - b.starts_at for b in self.busy), default=dt.timedelta(0))

    def count(self, after: dt.datetime, before: dt.datetime) -> int:
        """Entries that overlap [after, before): start before ``before``, end after
        ``after``."""
        first = bisect.bisect_right(self.starts, after - self.longest)
        last = bisect.bisect_left(self.starts, before)
        return sum(b.count for b in self.busy[first:last] if b.ends_at > after)


def rooms_for(rooms: Iterable[RoomRule], treatment_id: int | None) -> list[RoomRule]:
    """The rooms a treatment needs one of (none: it needs no room)."""
    if treatment_id is None:
        return []
    return [room for room in rooms if treatment_id in room.treatments]


def who_is_free(
    staff: Iterable[Staff],
    rooms: Iterable[RoomRule],
    index: BusyIndex,
    start: dt.datetime,
    *,
    treatment_id: int | None,
    practitioner_id: int | None = None,
) -> tuple[list[Staff], RoomRule | None] | None:
    """The practitioners free to see a patient at ``start`` for the treatment (all of
    them, or only ``practitioner_id``) and a free room if it needs one; None when nobody
    or no room is."""
    start = timezone.localtime(start, timezone.get_default_timezone())
    end = start + index.length
    free = [
        person
        for person in staff
        if (practitioner_id is None or person.pk == practitioner_id)
        and person.performs(treatment_id)
        and person.works(start, end)
        and not index.practitioner_busy(person.pk, start)
    ]
    if not free:
        return None
    needed = rooms_for(rooms, treatment_id)
    room = next((r for r in needed if not index.room_busy(r.pk, start)), None)
    if needed and room is None:
        return None
    return free, room


def performers(staff: Iterable[Staff], treatment_id: int | None) -> list[tuple[int, str]]:
    """(pk, name) of the practitioners taking bookings who perform the treatment."""
    return [
        (person.pk, person.name)
        for person in staff
        if person.active and person.pk is not None and person.performs(treatment_id)
    ]


def practitioner_choices(staff: Iterable[Staff], treatment) -> list[tuple[int, str]]:
    """(pk, name) of the practitioners a patient may ask for, for a treatment that lets
    them choose and has more than one who performs it; otherwise none."""
    if treatment is None or not getattr(treatment, "patients_choose_practitioner", False):
        return []
    people = performers(staff, treatment.pk)
    return people if len(people) > 1 else []


def chosen_practitioner(staff: Iterable[Staff], treatment, value) -> tuple[int, str] | None:
    """The practitioner asked for in a form or link (``value``: their pk as text), if
    they are one the patient may choose; otherwise the first available (None)."""
    if not isinstance(value, str) or not value.isdigit():
        return None
    return next((c for c in practitioner_choices(staff, treatment) if str(c[0]) == value), None)


def choose(free: list[Staff], booked_that_day: dict[int | None, int]) -> Staff:
    """First available: the one with the fewest consultations that day, then the
    longest serving."""
    return min(
        free,
        key=lambda p: (booked_that_day.get(p.pk, 0), p.serving_since, p.pk or 0),
    )


def load_staff(today: dt.date) -> tuple[tuple[Staff, ...], tuple[RoomRule, ...]]:
    """Every practitioner with their treatments, working periods and absences that have
    not ended, and the rooms treatments need (five queries)."""
    from bookings.models import Absence, Practitioner, Room, WorkingPeriod

    tz = timezone.get_default_timezone()
    since = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    treatments: dict = defaultdict(set)
    for pk, treatment_id in Practitioner.treatments.through.objects.values_list(
        "practitioner_id", "treatment_id"
    ):
        treatments[pk].add(treatment_id)
    hours: dict = defaultdict(lambda: defaultdict(list))
    for pk, weekday, starts, ends in WorkingPeriod.objects.order_by(
        "weekday", "starts"
    ).values_list("practitioner_id", "weekday", "starts", "ends"):
        hours[pk][weekday].append((starts, ends))
    absences: dict = defaultdict(list)
    for pk, starts_at, ends_at in Absence.objects.filter(ends_at__gt=since).values_list(
        "practitioner_id", "starts_at", "ends_at"
    ):
        absences[pk].append((starts_at.astimezone(tz), ends_at.astimezone(tz)))
    staff = tuple(
        Staff(
            pk=pk,
            name=name,
            treatments=frozenset(treatments[pk]) if pk in treatments else None,
            hours={day: tuple(spans) for day, spans in hours[pk].items()} if pk in hours else None,
            absences=tuple(absences.get(pk, ())),
            active=active,
            serving_since=serving_since,
        )
        for pk, name, active, serving_since in Practitioner.objects.values_list(
            "pk", "display_name", "is_active", "serving_since"
        )
    )
    # A room no treatment needs takes no part in booking: the rooms come from the list
    # of which treatment needs which.
    room_treatments: dict = defaultdict(set)
    for pk, treatment_id in Room.treatments.through.objects.order_by("room_id").values_list(
        "room_id", "treatment_id"
    ):
        room_treatments[pk].add(treatment_id)
    rooms = tuple(RoomRule(pk, frozenset(ids)) for pk, ids in room_treatments.items())
    return staff, rooms
