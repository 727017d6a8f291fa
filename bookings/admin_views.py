"""Back-office pages beside the consultation admin: the day's agenda, the CSV export,
staff calendar feeds. The admin pages are wired in ``ConsultationAdmin.get_urls`` under
``admin_site.admin_view`` (sign-in, second factor, never cached); the feed itself is a
public address whose only key is its long random token."""

import csv
import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from bookings import availability
from bookings.calendar import staff_feed
from bookings.models import Consultation, StaffCalendarFeed
from clinic.spreadsheet import csv_safe

FEED_DAYS_AHEAD = 90


# --- Agenda ----------------------------------------------------------------------------


@dataclass
class AgendaRow:
    starts_at: dt.datetime
    free: int | None = None  # None: not one of the day's bookable times
    consultations: list[Consultation] = field(default_factory=list)


@dataclass
class AgendaDay:
    date: dt.date
    closed: bool
    rows: list[AgendaRow]

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


def parse_day(value: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else today
    except ValueError:
        return today


def agenda_days(first: dt.date, count: int, *, now: dt.datetime) -> list[AgendaDay]:
    """The clinic's days from ``first``: every bookable time with its free places and the
    consultations (any status) starting then. Four queries whatever the span."""
    tz = availability.clinic_tz()
    rules = availability.load_rules(today=first)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(first + dt.timedelta(days=count), dt.time.min, tzinfo=tz)
    busy = availability.BusyIndex(rules, availability.load_busy(rules, start, end))
    consultations = list(
        Consultation.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("treatment")
        .order_by("starts_at", "seat", "pk")
    )
    days = []
    for offset in range(count):
        day = first + dt.timedelta(days=offset)
        closed = availability.is_closed(rules, day)
        rows: dict[dt.datetime, AgendaRow] = {}
        if not closed:
            for slot in availability.day_starts(rules, day):
                taken = busy.taken(slot)
                free = max(rules.capacity - taken, 0) if slot > now else 0
                rows[slot] = AgendaRow(starts_at=slot, free=free)
        for consultation in consultations:
            local = timezone.localtime(consultation.starts_at, tz)
            if local.date() == day:
                rows.setdefault(local, AgendaRow(starts_at=local)).consultations.append(
                    consultation
                )
        days.append(AgendaDay(date=day, closed=closed, rows=[rows[k] for k in sorted(rows)]))
    return days


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
    days = agenda_days(day, count, now=now)
    url = reverse("admin:bookings_consultation_agenda")

    def link(date: dt.date, span: str = span) -> str:
        return f"{url}?date={date.isoformat()}" + ("&span=week" if span == "week" else "")

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
    }
    return TemplateResponse(request, "admin/bookings/consultation/agenda.html", context)


# --- CSV export ------------------------------------------------------------------------

CSV_COLUMNS = [
    "Reference",
    "Date",
    "Time",
    "Treatment",
    "Status",
    "Patient",
    "Email",
    "Phone",
    "Contact by",
    "Screening flagged",
    "Requested at",
]


def export_csv(queryset, *, filename: str = "consultations.csv") -> HttpResponse:
    """UTF-8 with a byte-order mark, so Excel reads Urdu names correctly. No screening
    answers, messages or notes: only what the front desk needs."""
    tz = availability.clinic_tz()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for c in queryset.select_related("treatment").order_by("starts_at", "pk").iterator(2000):
        starts = timezone.localtime(c.starts_at, tz)
        writer.writerow(
            csv_safe(value)
            for value in [
                c.reference,
                f"{starts:%Y-%m-%d}",
                f"{starts:%H:%M}",
                c.treatment.name,
                c.get_status_display(),
                c.full_name,
                c.email,
                c.phone,
                c.get_contact_preference_display(),
                "yes" if c.flagged else "no",
                f"{timezone.localtime(c.created_at, tz):%Y-%m-%d %H:%M}",
            ]
        )
    return response


def export_view(request, model_admin):
    """The changelist as it is filtered now (same query string), as CSV."""
    if not model_admin.has_export_permission(request):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    return export_csv(changelist.get_queryset(request))


# --- Calendar feeds --------------------------------------------------------------------


def feed_url(request, feed: StaffCalendarFeed) -> str:
    return request.build_absolute_uri(reverse("bookings:calendar_feed", args=[feed.token]))


def feed_settings(request, model_admin):
    """Turn one's own secret calendar address on, replace it, or revoke it."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    feed = StaffCalendarFeed.objects.filter(user=request.user).first()
    if request.method == "POST":
        action = request.POST.get("do")
        with transaction.atomic():
            if action in ("create", "regenerate"):
                StaffCalendarFeed.objects.filter(user=request.user).delete()
                StaffCalendarFeed.objects.create(user=request.user)
                model_admin.message_user(
                    request,
                    "Your new calendar address is below. Any old address no longer works.",
                )
            elif action == "revoke":
                StaffCalendarFeed.objects.filter(user=request.user).delete()
                model_admin.message_user(request, "Your calendar address is turned off.")
        return redirect("admin:bookings_consultation_calendar_feed")
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "My calendar feed",
        "feed": feed,
        "url": feed_url(request, feed) if feed else "",
        "days_ahead": FEED_DAYS_AHEAD,
    }
    return TemplateResponse(request, "admin/bookings/consultation/calendar_feed.html", context)


@require_GET
def calendar_feed(request, token: str):
    """The ICS document behind a secret address: upcoming pending and confirmed
    consultations with first name, treatment and reference only. Unknown or revoked
    tokens, and staff who may no longer see consultations, get a 404."""
    feed = (
        StaffCalendarFeed.objects.select_related("user").filter(token=token[:64]).first()
        if token
        else None
    )
    user = feed.user if feed else None
    if (
        user is None
        or not user.is_active
        or not user.is_staff
        or not user.has_perm("bookings.view_consultation")
    ):
        raise Http404("No such calendar.")
    now = timezone.now()
    consultations = (
        Consultation.objects.filter(
            status__in=Consultation.ACTIVE_STATUSES,
            ends_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=FEED_DAYS_AHEAD),
        )
        .select_related("treatment")
        .order_by("starts_at", "pk")
    )
    body = staff_feed(consultations, name="Khan Clinic consultations")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="consultations.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, max_age=300)
    return response
