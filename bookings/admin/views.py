"""Back-office pages beside the consultation admin: the day's agenda with its WhatsApp
messages and reminders, the CSV export, staff calendar feeds. The admin pages are wired in ``ConsultationAdmin.get_urls`` under
``admin_site.admin_view`` (sign-in, second factor, never cached); the feed itself is a
public address (``bookings:calendar_feed``) whose only key is its long random token."""

import csv
import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from bookings import availability, services, waitlist, whatsapp
from bookings.calendar import staff_feed
from bookings.models import Consultation, StaffCalendarFeed
from bookings.reminders import reminded_by_whatsapp
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
    # Today's and tomorrow's confirmed patients whose reminder is reception's to send
    # by WhatsApp and is not sent yet (see bookings.reminders).
    to_remind: list[Consultation] = field(default_factory=list)
    # Open waitlist entries covering the day, and times held for them (bookings.waitlist).
    waiting: int = 0
    held: int = 0

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
    busy = availability.busy_index(rules, availability.load_busy(rules, start, end))
    consultations = list(
        Consultation.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("treatment", "practitioner")
        .order_by("starts_at", "practitioner__serving_since", "pk")
    )
    days = []
    for offset in range(count):
        day = first + dt.timedelta(days=offset)
        closed = availability.is_closed(rules, day)
        rows: dict[dt.datetime, AgendaRow] = {}
        if not closed:
            for slot in availability.day_starts(rules, day):
                found = availability.who_is_free(
                    rules.practitioners, rules.rooms, busy, slot, treatment_id=None
                )
                free = len(found[0]) if found and slot > now else 0
                rows[slot] = AgendaRow(starts_at=slot, free=free)
        for consultation in consultations:
            local = timezone.localtime(consultation.starts_at, tz)
            if local.date() == day:
                rows.setdefault(local, AgendaRow(starts_at=local)).consultations.append(
                    consultation
                )
        days.append(AgendaDay(date=day, closed=closed, rows=[rows[k] for k in sorted(rows)]))
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
    add_messages(days, today=today, now=now)
    waitlist.add_agenda_counts(days)
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
        "can_add": model_admin.has_add_permission(request),
        "tomorrow_url": link(today + dt.timedelta(days=1), "day"),
        "here": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/bookings/consultation/agenda.html", context)


# --- WhatsApp on one consultation -------------------------------------------------------


def whatsapp_context(request, object_id, *, model_admin) -> dict:
    """What the consultation's page shows for WhatsApp: the messages its status calls
    for and, for a confirmed patient not yet reminded, the button to mark the reminder
    sent."""
    consultation = Consultation.objects.select_related("treatment").filter(pk=object_id).first()
    if consultation is None:
        return {}
    return {
        "whatsapp_messages": whatsapp.messages_for(consultation),
        "can_mark_reminded": (
            model_admin.has_change_permission(request, consultation)
            and consultation.status == Consultation.Status.CONFIRMED
            and consultation.reminder_sent_at is None
            and consultation.starts_at > timezone.now()
        ),
        "reminder_sent_at": consultation.reminder_sent_at,
        "screening_pending": consultation.screening_pending and consultation.is_active,
    }


def mark_reminded(request, pk, *, model_admin):
    """POST only: reception sent the reminder by WhatsApp (through
    ``consultation_mark_reminded``: once, whichever channel came first). Back to the
    page it came from (``next``, on this site only) or the consultation's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    consultation = get_object_or_404(Consultation.objects.select_related("treatment"), pk=pk)
    if not model_admin.has_change_permission(request, consultation):
        raise PermissionDenied
    now = timezone.now()
    try:
        after = services.consultation_mark_reminded(
            consultation=consultation, actor=request.user, now=now
        )
    except services.BookingError as exc:
        model_admin.message_user(request, f"{consultation.reference}: {exc}", messages.WARNING)
    else:
        if after.reminder_sent_at == now:
            model_admin.log_change(request, after, "Reminded by WhatsApp")
            model_admin.message_user(
                request, f"{after.reference}: reminder marked as sent.", messages.SUCCESS
            )
        else:
            sent = timezone.localtime(after.reminder_sent_at, availability.clinic_tz())
            model_admin.message_user(
                request,
                f"{after.reference} was already reminded ({sent:%a %d %b, %H:%M}): "
                "nothing changed.",
                messages.INFO,
            )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    return HttpResponseRedirect(back)


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
