"""The agenda: the clinic's day or week, every bookable time with its free places and
the consultations starting then, each practitioner's diary on its own (a clinician
signed in sees theirs first), with the WhatsApp messages and reminders to send. Wired in
``ConsultationAdmin.get_urls`` under ``admin_site.admin_view``."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings import availability, waitlist, whatsapp
from bookings.models import Consultation, Practitioner
from bookings.reminders import reminded_by_whatsapp


@dataclass
class AgendaRow:
    starts_at: dt.datetime
    free: int | None = None  # None: not one of the day's bookable times
    consultations: list[Consultation] = field(default_factory=list)
    free_staff: tuple[int, ...] = ()  # the practitioners free then


@dataclass(frozen=True)
class Load:
    """One practitioner's week: consultations booked or seen, and times still free."""

    name: str
    booked: int
    free: int


def load_by_practitioner(days: list["AgendaDay"], people: list[tuple[int, str]]) -> list[Load]:
    """Each practitioner's load over the agenda's days, from what the agenda read."""
    booked = Counter(
        c.practitioner_id
        for day in days
        for row in day.rows
        for c in row.consultations
        if c.status in (*Consultation.ACTIVE_STATUSES, Consultation.Status.COMPLETED)
    )
    free = Counter(pk for day in days for row in day.rows for pk in row.free_staff)
    return [Load(name, booked[pk], free[pk]) for pk, name in people]


@dataclass
class AgendaDay:
    date: dt.date
    closed: bool
    rows: list[AgendaRow]
    # Today's and tomorrow's confirmed patients whose reminder is reception's to send
    # by WhatsApp and is not sent yet (see bookings.reminders).
    to_remind: list[Consultation] = field(default_factory=list)
    # Open waitlist entries covering the day, and times held for them (bookings.waitlist).
    waiting: int = 0
    held: int = 0
    # Practitioners away for some or all of the day: "Dr Hina Qureshi (until 13:00)".
    away: list[str] = field(default_factory=list)

    @property
    def free_total(self) -> int:
        return sum(row.free or 0 for row in self.rows)

    @property
    def booked(self) -> int:
        return sum(
            1
            for row in self.rows
            for c in row.consultations
            if c.status in Consultation.ACTIVE_STATUSES
        )


def away_on(staff, day: dt.date, *, practitioner_id: int | None = None) -> list[str]:
    """Who is away on ``day`` and when, from the absences the rules already hold."""
    tz = availability.clinic_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    away = []
    for person in staff:
        if not person.active or person.pk is None:
            continue
        if practitioner_id is not None and person.pk != practitioner_id:
            continue
        spans = []  # the day's part of each absence, overlapping ones merged
        for a, b in sorted(
            (max(a, start), min(b, end)) for a, b in person.absences if a < end and start < b
        ):
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
            else:
                spans.append((a, b))
        if not spans:
            continue
        parts = []
        for a, b in spans:
            if a == start and b == end:
                parts.append("all day")
            elif a == start:
                parts.append(f"until {b:%H:%M}")
            elif b == end:
                parts.append(f"from {a:%H:%M}")
            else:
                parts.append(f"{a:%H:%M}–{b:%H:%M}")
        away.append(f"{person.name} ({', '.join(parts)})")
    return away


def parse_day(value: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else today
    except ValueError:
        return today


def agenda_days(
    first: dt.date, count: int, *, now: dt.datetime, practitioner_id: int | None = None
) -> list[AgendaDay]:
    """The clinic's days from ``first``: every bookable time with its free places and the
    consultations (any status) starting then; with ``practitioner_id``, that
    practitioner's diary alone. The same queries whatever the span."""
    tz = availability.clinic_tz()
    rules = availability.load_rules(today=first)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(first + dt.timedelta(days=count), dt.time.min, tzinfo=tz)
    busy = availability.busy_index(rules, availability.load_busy(rules, start, end))
    diary = Consultation.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if practitioner_id is not None:
        diary = diary.filter(practitioner_id=practitioner_id)
    consultations = list(
        diary.select_related("treatment", "practitioner").order_by(
            "starts_at", "practitioner__serving_since", "pk"
        )
    )
    days = []
    for offset in range(count):
        day = first + dt.timedelta(days=offset)
        closed = availability.is_closed(rules, day)
        rows: dict[dt.datetime, AgendaRow] = {}
        if not closed:
            for slot in availability.day_starts(rules, day):
                found = availability.who_is_free(
                    rules.practitioners,
                    rules.rooms,
                    busy,
                    slot,
                    treatment_id=None,
                    practitioner_id=practitioner_id,
                )
                staff = tuple(p.pk for p in found[0]) if found and slot > now else ()
                rows[slot] = AgendaRow(starts_at=slot, free=len(staff), free_staff=staff)
        for consultation in consultations:
            local = timezone.localtime(consultation.starts_at, tz)
            if local.date() == day:
                rows.setdefault(local, AgendaRow(starts_at=local)).consultations.append(
                    consultation
                )
        days.append(
            AgendaDay(
                date=day,
                closed=closed,
                rows=[rows[k] for k in sorted(rows)],
                away=[]
                if closed
                else away_on(rules.practitioners, day, practitioner_id=practitioner_id),
            )
        )
    return days


def agenda_messages(consultation: Consultation, *, remind: bool) -> list[tuple[str, str]]:
    """The WhatsApp message a row of the agenda offers: the one its status calls for (the
    reminder for a patient still to remind). A completed consultation's aftercare reads
    the patient's course, several queries each, so it is offered on the consultation's
    own page instead, and the agenda's query count stays the same however full the day."""
    if consultation.status == Consultation.Status.COMPLETED:
        return []
    if consultation.status == Consultation.Status.CONFIRMED:
        chosen = whatsapp.REMINDER if remind else whatsapp.CONFIRMATION
        return whatsapp.messages_for(consultation, templates=[chosen[0]])
    return whatsapp.messages_for(consultation)


def add_messages(days: list[AgendaDay], *, today: dt.date, now: dt.datetime) -> None:
    """Each consultation's WhatsApp message (``whatsapp_messages``), and today's and
    tomorrow's patients still to remind by WhatsApp. Nothing is read from the database."""
    for day in days:
        reminding = today <= day.date <= today + dt.timedelta(days=1)
        for row in day.rows:
            for consultation in row.consultations:
                remind = (
                    reminding
                    and consultation.status == Consultation.Status.CONFIRMED
                    and consultation.reminder_sent_at is None
                    and consultation.starts_at > now
                    and reminded_by_whatsapp(consultation)
                )
                if remind:
                    day.to_remind.append(consultation)
                consultation.whatsapp_messages = agenda_messages(consultation, remind=remind)


def _whose_diary(request, people: list[tuple[int, str]]) -> int | None:
    """The practitioner whose diary the agenda shows: the one asked for, or "all"; by
    default a clinician signed in sees their own, everyone else the whole clinic."""
    asked = request.GET.get("practitioner", "")
    if asked == "all":
        return None
    if asked.isdigit() and int(asked) in dict(people):
        return int(asked)
    own = next((pk for pk, _ in people if pk == _own_practitioner(request.user)), None)
    return own


def _own_practitioner(user) -> int | None:
    return Practitioner.objects.filter(user=user).values_list("pk", flat=True).first()


def agenda(request, model_admin):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now, availability.clinic_tz())
    span = "week" if request.GET.get("span") == "week" else "day"
    day = parse_day(request.GET.get("date"), today)
    if span == "week":
        day -= dt.timedelta(days=day.weekday())  # weeks start on Monday
        count, step = 7, dt.timedelta(days=7)
    else:
        count, step = 1, dt.timedelta(days=1)
    people = list(Practitioner.objects.filter(is_active=True).values_list("pk", "display_name"))
    who = _whose_diary(request, people)
    days = agenda_days(day, count, now=now, practitioner_id=who)
    add_messages(days, today=today, now=now)
    waitlist.add_agenda_counts(days)
    url = reverse("admin:bookings_consultation_agenda")

    def link(date: dt.date, span: str = span) -> str:
        return (
            f"{url}?date={date.isoformat()}"
            + ("&span=week" if span == "week" else "")
            + f"&practitioner={who or 'all'}"
        )

    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": (
            f"Week of {day:%a %d %b %Y}" if span == "week" else f"Agenda for {day:%A %d %b %Y}"
        ),
        "days": days,
        "span": span,
        "today": today,
        "previous_url": link(day - step),
        "next_url": link(day + step),
        "today_url": link(today),
        "day_url": link(day, "day"),
        "week_url": link(day, "week"),
        "can_change": model_admin.has_change_permission(request),
        "can_record": model_admin.has_record_attendance_permission(request),
        "can_add": model_admin.has_add_permission(request),
        "tomorrow_url": link(today + dt.timedelta(days=1), "day"),
        "here": request.get_full_path(),
        "practitioners": people if len(people) > 1 else [],
        "load": (load_by_practitioner(days, people) if span == "week" and who is None else []),
        "practitioner": who,
        "practitioner_name": dict(people).get(who, ""),
    }
    return TemplateResponse(request, "admin/bookings/consultation/agenda.html", context)
