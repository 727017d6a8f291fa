"""The patient's manage link (/manage/<token>/).

Opening a link never changes anything (mail scanners follow links): every change is a
POST with a CSRF token. Each change the patient makes bumps the consultation's
``manage_version`` in the same transaction as the service call, so the link that made it
is used up; the emails and the redirect carry the new one.
"""

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import availability, selectors, staffing, whatsapp
from bookings.emails import aftercare_for
from bookings.forms import BookingForm, ScreeningAgainForm, parse_day, parse_slot
from bookings.links import ManageLinkError, consultation_for_token, manage_token
from bookings.models import BookingSettings, Consultation
from bookings.screening_dates import appointment_day
from bookings.services import (
    BookingError,
    LinkUsed,
    SlotUnavailable,
    consultation_cancel,
    consultation_record_screening,
    consultation_request,
    consultation_reschedule,
)
from bookings.slots import day_choices, time_choices
from treatments.models import Treatment

Status = Consultation.Status


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


def _page(request, consultation, *, status=200, **extra):
    tz = availability.clinic_tz()
    context = {
        "consultation": consultation,
        "treatment": consultation.treatment,
        "token": manage_token(consultation),
        "starts_local": timezone.localtime(consultation.starts_at, tz),
        "can_change": can_change(consultation),
        "notice_hours": BookingSettings.load().patient_change_notice_hours,
        "next_window": selectors.next_session_offer(consultation),
        "session_label": selectors.session_of(consultation),
        "screening_to_answer": consultation.screening_pending and consultation.is_active,
        "clinic_whatsapp_url": whatsapp.clinic_chat_for(consultation),
        **extra,
    }
    return render(request, "bookings/manage.html", context, status=status)


@never_cache
@require_safe
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
        consultation_cancel(
            consultation=consultation,
            reason=f"Cancelled online by the patient. {reason}".strip(),
            by=Consultation.CancelledBy.PATIENT,
            link_version=consultation.manage_version,
        )
    except LinkUsed:
        return _problem(request, ManageLinkError("used", consultation))
    except BookingError:
        consultation.refresh_from_db()
        return _page(request, consultation, status=409, refused=True)
    return redirect(
        reverse("bookings:manage", args=[manage_token(consultation)]) + "?done=cancelled"
    )


def _other_times(consultation: Consultation, rules, *, now: dt.datetime) -> dict:
    """The free times, less the patient's own (it is not "another" time): those of the
    practitioner they asked for, if they chose one."""
    slots = availability.current_free_slots(
        rules,
        now=now,
        treatment_id=consultation.treatment_id,
        practitioner_id=consultation.practitioner_id if consultation.practitioner_chosen else None,
    )
    for day in list(slots):
        slots[day] = [s for s in slots[day] if s != consultation.starts_at]
        if not slots[day]:
            del slots[day]
    return slots


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_load
def manage_move(request, consultation):
    """Choose another free time (GET shows them) and move there (POST).

    Screening answers about a period before the appointment (a look-back) cover the old
    date; when they do not cover the new one, the same form asks those questions again
    for the new dates, and the move stores the answers with it (a yes flags the
    consultation for a clinician). Other answers stay as they are.
    """
    if not can_change(consultation):
        return _page(request, consultation, status=409 if request.method == "POST" else 200)
    now = timezone.now()
    rules = availability.current_rules()
    slots = _other_times(consultation, rules, now=now)
    error = ""
    screening = None
    if request.method == "POST":
        start = parse_slot(request.POST.get("slot", ""))
        if start is None:
            error = "Please choose one of the times shown."
        elif start == consultation.starts_at:
            # Nothing to move: the link stays usable and the reminder stays as it is.
            error = "That is already your consultation's time. Please choose another."
        else:
            chosen = appointment_day(start)
            screening = _screening_again(consultation, chosen, data=request.POST)
            if screening is not None and not screening.is_valid():
                error = "Please answer the health questions for your new date."
            else:
                answers = screening.dated_answers(chosen) if screening else []
                note = "Moved online by the patient."
                if answers:
                    note += " Health questions answered again for the new date."
                try:
                    consultation_reschedule(
                        consultation=consultation,
                        starts_at=start,
                        note=note,
                        now=now,
                        enforce_booking_window=True,
                        screening_answers=answers,
                        link_version=consultation.manage_version,
                    )
                except LinkUsed:
                    return _problem(request, ManageLinkError("used", consultation))
                except SlotUnavailable:
                    error = "Sorry, that time was just taken or is no longer available. Please choose another."
                    consultation.refresh_from_db()
                    slots = _other_times(consultation, rules, now=now)
                except BookingError as exc:
                    consultation.refresh_from_db()
                    return _page(request, consultation, status=409, refused=True, message=str(exc))
                else:
                    url = reverse("bookings:manage", args=[manage_token(consultation)])
                    return redirect(url + "?done=moved")
    day = parse_day(request.GET.get("date") or request.POST.get("date"))
    if screening is not None:
        day = screening.questions_day  # the questions were worded for the chosen time's day
    if day not in slots:
        day = None
    if day is None:
        screening = None
    elif screening is None:
        screening = _screening_again(consultation, day)
    return render(
        request,
        "bookings/manage_move.html",
        {
            "consultation": consultation,
            "treatment": consultation.treatment,
            "token": manage_token(consultation),
            "starts_local": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
            "days": day_choices(slots),
            "day": day,
            "times": time_choices(slots[day]) if day else [],
            "selected_slot": request.POST.get("slot", ""),
            "screening": screening,
            "error": error,
        },
        status=400 if error else 200,
    )


def _screening_again(consultation, day, *, data=None) -> ScreeningAgainForm | None:
    """The form asking again the dated questions whose answers do not cover ``day``, or
    None when there are none. Posted (``data``), ``day`` is the chosen time's day."""
    questions = selectors.questions_to_ask_again(consultation, day)
    if not questions:
        return None
    if data is None:
        return ScreeningAgainForm(questions=questions, day=day)
    return ScreeningAgainForm(data, questions=questions, chosen=day)


@never_cache
@require_safe
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
@require_http_methods(["GET", "HEAD", "POST"])
@_load
def manage_next(request, consultation):
    """Book the next session of a course: only times inside the spacing window, the
    patient's details carried over, the health questions asked again."""
    window = selectors.next_session_offer(consultation)
    option = selectors.current_treatments().get(consultation.treatment.slug)
    if window is None or option is None:
        return _page(request, consultation, no_next=True)
    now = timezone.now()
    rules = availability.current_rules()
    source = request.POST if request.method == "POST" else request.GET
    # The practitioner who saw them last is offered first, where patients may choose.
    chosen = staffing.chosen_practitioner(
        rules.practitioners, option, source.get("practitioner", str(consultation.practitioner_id))
    )

    def free_times():
        slots = availability.current_free_slots(
            rules,
            now=now,
            treatment_id=consultation.treatment_id,
            practitioner_id=chosen[0] if chosen else None,
        )
        return _in_window(slots, window)

    slots = free_times()
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
                        practitioner_id=chosen[0] if chosen else None,
                    )
                except SlotUnavailable:
                    taken = True
                    form.add_error("slot", "Sorry, someone booked that time a moment ago.")
                    slots = free_times()
                else:
                    url = reverse("bookings:manage", args=[manage_token(result.consultation)])
                    return redirect(url + "?done=booked")
        if day not in slots:
            day = None
        form.fields["slot"].widget.choices = time_choices(slots[day]) if day else []
        form.link_errors()
    elif day is not None:
        form = BookingForm(
            treatment=option,
            rules=rules,
            now=now,
            slot_choices=time_choices(slots[day]),
            day=day,
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
            "days": day_choices(slots),
            "day": day,
            "form": form,
            "taken": taken,
            "selected_slot": request.POST.get("slot", ""),
            "chosen": chosen,
            "can_choose": bool(staffing.practitioner_choices(rules.practitioners, option)),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_load
def manage_screening(request, consultation):
    """The screening questions a patient booked by reception left for later: GET shows
    them (changing nothing), POST stores the answers, dated for the appointment's day
    (``consultation_record_screening``). The link is not used up: no email carries a new
    one, and the patient still needs it to move or cancel."""
    manage_url = reverse("bookings:manage", args=[manage_token(consultation)])
    if not (consultation.screening_pending and consultation.is_active):
        return redirect(manage_url)
    option = selectors.current_treatments().get(consultation.treatment.slug)
    day = appointment_day(consultation.starts_at)
    data = request.POST if request.method == "POST" else None
    form = ScreeningAgainForm(
        data, questions=option.questions if option else [], day=day, chosen=day
    )
    if form.is_bound and form.is_valid():
        try:
            consultation_record_screening(
                consultation=consultation, screening_answers=form.dated_answers(day)
            )
        except BookingError:
            return redirect(manage_url)
        return redirect(manage_url + "?done=screening")
    starts_local = timezone.localtime(consultation.starts_at, availability.clinic_tz())
    context = {"consultation": consultation, "treatment": consultation.treatment, "form": form}
    context.update(token=manage_token(consultation), starts_local=starts_local)
    status = 400 if form.is_bound else 200
    return render(request, "bookings/manage_screening.html", context, status=status)
