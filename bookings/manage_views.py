"""The patient's manage link (/manage/<token>/) and the staff email previews.

Opening a link never changes anything (mail scanners follow links): every change is a
POST with a CSRF token. Each change the patient makes bumps the consultation's
``manage_version`` in the same transaction as the service call, so the link that made it
is used up; the emails and the redirect carry the new one.
"""

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings import availability, courses
from bookings.emails import (
    ManageLinkError,
    aftercare_for,
    consultation_context,
    consultation_for_token,
    manage_token,
)
from bookings.forms import BookingForm, parse_day, parse_slot, slot_value
from bookings.models import BookingSettings, Consultation
from bookings.services import (
    BookingError,
    SlotUnavailable,
    consultation_cancel,
    consultation_request,
    consultation_reschedule,
)
from treatments.models import Treatment

Status = Consultation.Status


class Used(Exception):
    """Another request changed the consultation first with the same link."""


def _problem(request, error: ManageLinkError):
    status = 404 if error.reason == "invalid" else 410
    return render(
        request,
        "bookings/manage_invalid.html",
        {"reason": error.reason, "consultation": error.consultation},
        status=status,
    )


def _load(view):
    """Resolve the token first; tampered, expired or used links get a plain page."""

    def wrapper(request, token: str, *args, **kwargs):
        try:
            consultation = consultation_for_token(token)
        except ManageLinkError as error:
            return _problem(request, error)
        return view(request, consultation, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def notice(now: dt.datetime | None = None) -> dt.timedelta:
    return dt.timedelta(hours=BookingSettings.load().patient_change_notice_hours)


def can_change(consultation: Consultation, *, now: dt.datetime | None = None) -> bool:
    """Active and further ahead than the notice period staff set."""
    now = now or timezone.now()
    return consultation.is_active and consultation.starts_at - now >= notice()


def _rotate(consultation: Consultation, **extra) -> None:
    """Use up the link inside the caller's transaction (conditional: a second POST with
    the same link loses)."""
    updated = Consultation.objects.filter(
        pk=consultation.pk, manage_version=consultation.manage_version
    ).update(manage_version=F("manage_version") + 1, **extra)
    if updated != 1:
        raise Used
    consultation.manage_version += 1


def _page(request, consultation, *, status=200, **extra):
    tz = availability.clinic_tz()
    context = {
        "consultation": consultation,
        "treatment": consultation.treatment,
        "token": manage_token(consultation),
        "starts_local": timezone.localtime(consultation.starts_at, tz),
        "can_change": can_change(consultation),
        "notice_hours": BookingSettings.load().patient_change_notice_hours,
        "next_window": courses.next_session_offer(consultation),
        "session_label": courses.session_of(consultation),
        **extra,
    }
    return render(request, "bookings/manage.html", context, status=status)


@never_cache
@require_GET
@_load
def manage(request, consultation):
    """The consultation as the patient sees it: read-only."""
    return _page(request, consultation, done=request.GET.get("done", ""))


@never_cache
@require_POST
@_load
def manage_cancel(request, consultation):
    if not can_change(consultation):
        return _page(request, consultation, status=409, refused=True)
    reason = " ".join(request.POST.get("reason", "").split())[:300]
    try:
        with transaction.atomic():
            _rotate(consultation)
            consultation_cancel(
                consultation=consultation,
                reason=f"Cancelled online by the patient. {reason}".strip(),
                by=Consultation.CancelledBy.PATIENT,
            )
    except Used:
        return _problem(request, ManageLinkError("used", consultation))
    except BookingError:
        consultation.refresh_from_db()
        return _page(request, consultation, status=409, refused=True)
    return redirect(
        reverse("bookings:manage", args=[manage_token(consultation)]) + "?done=cancelled"
    )


def _time_choices(starts) -> list[tuple[str, str]]:
    tz = availability.clinic_tz()
    return [(slot_value(s), f"{timezone.localtime(s, tz):%H:%M}") for s in starts]


def _day_options(slots) -> list[tuple[str, str]]:
    return [(d.isoformat(), f"{d:%A} {d.day} {d:%b}") for d in sorted(slots)]


@never_cache
@require_http_methods(["GET", "POST"])
@_load
def manage_move(request, consultation):
    """Choose another free time (GET shows them) and move there (POST)."""
    if not can_change(consultation):
        return _page(request, consultation, status=409 if request.method == "POST" else 200)
    now = timezone.now()
    rules = availability.current_rules()
    slots = availability.current_free_slots(rules, now=now)
    # The patient's own time is not "another" time.
    for day in list(slots):
        slots[day] = [s for s in slots[day] if s != consultation.starts_at]
        if not slots[day]:
            del slots[day]
    error = ""
    if request.method == "POST":
        start = parse_slot(request.POST.get("slot", ""))
        if start is None:
            error = "Please choose one of the times shown."
        else:
            try:
                with transaction.atomic():
                    _rotate(consultation, reminder_sent_at=None)
                    consultation_reschedule(
                        consultation=consultation,
                        starts_at=start,
                        note="Moved online by the patient.",
                        now=now,
                        enforce_booking_window=True,
                    )
            except Used:
                return _problem(request, ManageLinkError("used", consultation))
            except SlotUnavailable:
                error = "Sorry, that time was just taken or is no longer available. Please choose another."
                consultation.refresh_from_db()
                slots = availability.current_free_slots(rules, now=now)
            except BookingError as exc:
                consultation.refresh_from_db()
                return _page(request, consultation, status=409, refused=True, message=str(exc))
            else:
                url = reverse("bookings:manage", args=[manage_token(consultation)])
                return redirect(url + "?done=moved")
    day = parse_day(request.GET.get("date") or request.POST.get("date"))
    if day not in slots:
        day = None
    return render(
        request,
        "bookings/manage_move.html",
        {
            "consultation": consultation,
            "treatment": consultation.treatment,
            "token": manage_token(consultation),
            "starts_local": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
            "days": _day_options(slots),
            "day": day,
            "times": _time_choices(slots[day]) if day else [],
            "error": error,
        },
        status=400 if error else 200,
    )


@never_cache
@require_GET
@_load
def manage_aftercare(request, consultation):
    """A print-friendly aftercare sheet, from the same content as the aftercare page."""
    return render(
        request,
        "bookings/aftercare_sheet.html",
        {
            "consultation": consultation,
            "treatment": consultation.treatment,
            "token": manage_token(consultation),
            "aftercare_groups": aftercare_for(consultation.treatment),
            "starts_local": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
        },
    )


def _in_window(slots, window):
    first, last = window
    return {d: times for d, times in slots.items() if first <= d <= last}


@never_cache
@require_http_methods(["GET", "POST"])
@_load
def manage_next(request, consultation):
    """Book the next session of a course: only times inside the spacing window, the
    patient's details carried over, the health questions asked again."""
    from bookings.views import current_treatments

    window = courses.next_session_offer(consultation)
    option = current_treatments().get(consultation.treatment.slug)
    if window is None or option is None:
        return _page(request, consultation, no_next=True)
    now = timezone.now()
    rules = availability.current_rules()
    slots = _in_window(availability.current_free_slots(rules, now=now), window)
    source = request.POST if request.method == "POST" else request.GET
    day = parse_day(source.get("date"))
    if day not in slots:
        day = None
    form = None
    taken = False
    if request.method == "POST":
        data = request.POST.copy()
        data["full_name"] = consultation.full_name
        data["email"] = consultation.email
        data["phone"] = str(consultation.phone)
        data["contact_preference"] = consultation.contact_preference
        data["is_adult"] = "yes"
        data["website"] = ""
        form = BookingForm(data, treatment=option, rules=rules, now=now)
        start = parse_slot(data.get("slot", ""))
        if start is not None:
            day = timezone.localdate(start, availability.clinic_tz())
        if form.is_valid():
            start = form.cleaned_data["slot"]
            if day not in slots or start not in slots[day]:
                form.add_error("slot", "Please choose one of the times shown.")
            else:
                try:
                    result = consultation_request(
                        treatment=Treatment.objects.get(pk=option.pk),
                        starts_at=start,
                        full_name=consultation.full_name,
                        email=consultation.email,
                        phone=str(consultation.phone),
                        contact_preference=consultation.contact_preference,
                        screening_answers=form.screening_answers(),
                        message=form.cleaned_data["message"],
                        idempotency_key=form.cleaned_data["token"],
                        rules=rules,
                        now=now,
                    )
                except SlotUnavailable:
                    taken = True
                    form.add_error("slot", "Sorry, someone booked that time a moment ago.")
                    slots = _in_window(availability.current_free_slots(rules, now=now), window)
                else:
                    url = reverse("bookings:manage", args=[manage_token(result.consultation)])
                    return redirect(url + "?done=booked")
        if day not in slots:
            day = None
        form.fields["slot"].widget.choices = _time_choices(slots[day]) if day else []
        form.link_errors()
    elif day is not None:
        form = BookingForm(
            treatment=option, rules=rules, now=now, slot_choices=_time_choices(slots[day])
        )
    return render(
        request,
        "bookings/manage_next.html",
        {
            "consultation": consultation,
            "treatment": consultation.treatment,
            "option": option,
            "token": manage_token(consultation),
            "window": window,
            "days": _day_options(slots),
            "day": day,
            "form": form,
            "taken": taken,
            "selected_slot": request.POST.get("slot", ""),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


# --- staff: email previews ------------------------------------------------------------

PREVIEWS = {
    "consultation_requested": ("Request received", Status.PENDING),
    "consultation_confirmed": ("Confirmed", Status.CONFIRMED),
    "consultation_reminder": ("Reminder with preparation advice", Status.CONFIRMED),
    "consultation_rescheduled": ("Moved to another time", Status.CONFIRMED),
    "consultation_cancelled": ("Cancelled", Status.CANCELLED),
    "consultation_declined": ("Declined", Status.DECLINED),
    "consultation_reinstated": ("Back in the diary", Status.PENDING),
    "consultation_completed": ("Aftercare and next session", Status.COMPLETED),
    "staff_new_request": ("Staff: new request", Status.PENDING),
}


def _staff_only(view):
    """Staff who may see consultations, with their second factor proved (the 2FA
    middleware guards only the admin prefix)."""
    from urllib.parse import urlencode

    from django.contrib.auth import REDIRECT_FIELD_NAME
    from django_otp import user_has_device

    from clinic.two_factor import requires_two_factor

    @staff_member_required
    def wrapper(request, *args, **kwargs):
        if requires_two_factor(request.user) and not request.user.is_verified():
            name = "two_factor_verify" if user_has_device(request.user) else "two_factor_setup"
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return redirect(f"{reverse(name)}?{query}")
        if not request.user.has_perm("bookings.view_consultation"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def sample_consultation(status: str) -> Consultation:
    """An unsaved consultation with made-up details: no real patient is shown."""
    treatment = (
        Treatment.objects.filter(sessions_max__gt=1).order_by("order", "pk").first()
        or Treatment.objects.order_by("order", "pk").first()
        or Treatment(name="Microneedling", slug="microneedling", sessions_max=3)
    )
    tz = availability.clinic_tz()
    start = timezone.localtime(timezone.now(), tz).replace(
        hour=11, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=3 if status != Status.COMPLETED else 0)
    return Consultation(
        pk=0,
        reference="KH-SAMPLE",
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
        full_name="Sample Patient",
        email="sample.patient@example.com",
        phone="+923000000000",
        contact_preference=Consultation.ContactPreference.WHATSAPP,
        consent_version="sample",
        consented_at=start,
    )


def render_preview(name: str) -> tuple[str, str]:
    if name not in PREVIEWS:
        raise Http404("No such email")
    consultation = sample_consultation(PREVIEWS[name][1])
    context = consultation_context(consultation)
    text = render_to_string(f"emails/{name}.txt", context)
    try:
        html = render_to_string(f"emails/{name}.html", context)
    except Exception:  # a text-only email
        html = ""
    return text, html


@never_cache
@_staff_only
def email_previews(request):
    items = [(name, label) for name, (label, _status) in PREVIEWS.items()]
    return render(request, "bookings/manage_email_previews.html", {"items": items})


@never_cache
@_staff_only
def email_preview(request, name: str):
    text, html = render_preview(name)
    if request.GET.get("part") == "html" and html:
        from django.http import HttpResponse

        response = HttpResponse(html)
        response["Content-Security-Policy"] = "sandbox"
        return response
    return render(
        request,
        "bookings/manage_email_previews.html",
        {
            "items": [(n, label) for n, (label, _s) in PREVIEWS.items()],
            "name": name,
            "label": PREVIEWS[name][0],
            "text": text,
            "has_html": bool(html),
        },
    )
