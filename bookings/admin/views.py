"""Back-office pages beside the consultation admin: WhatsApp on one consultation, the
CSV export, staff calendar feeds (the agenda is in ``agenda``). The admin pages are wired in ``ConsultationAdmin.get_urls`` under
``admin_site.admin_view`` (sign-in, second factor, never cached); the feed itself is a
public address (``bookings:calendar_feed``) whose only key is its long random token."""

import csv
import datetime as dt

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

from bookings import availability, services, whatsapp
from bookings.calendar import staff_feed
from bookings.models import Consultation, Practitioner, StaffCalendarFeed
from clinic.spreadsheet import csv_safe

FEED_DAYS_AHEAD = 90


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
                # A clinician's feed is their own diary unless they ask for the clinic's.
                own = Practitioner.objects.filter(user=request.user).first()
                whole = request.POST.get("whole_clinic") == "on" or (
                    action == "regenerate" and feed is not None and feed.practitioner_id is None
                )
                StaffCalendarFeed.objects.filter(user=request.user).delete()
                StaffCalendarFeed.objects.create(
                    user=request.user, practitioner=None if whole else own
                )
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
        "own_practitioner": Practitioner.objects.filter(user=request.user).first(),
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
            **({"practitioner_id": feed.practitioner_id} if feed.practitioner_id else {}),
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
