"""Reception books a caller, a WhatsApp message or a walk-in: the consultation admin's
add page (``ConsultationAdmin.add_view``).

Two steps that work without JavaScript: a GET form picks the treatment and the day, then
one POST form takes the time, the patient's details and the screening questions
(answered now, or left for the patient to answer from their manage link). The booking
goes through ``services.consultation_request`` like a patient's own, under the same day
lock and constraints: staff are offered the free times patients see and also those
inside the notice period (marked, with a warning once booked), never a full time or a
closed day. A time taken meanwhile brings the form back with everything typed and the
times still free. The form's token makes a second press of the button a no-op.
"""

import datetime as dt
from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings import availability, selectors, services, staffing
from bookings.admin.forms import PhoneBookingForm, PickTreatmentDayForm
from bookings.forms import TreatmentOption, parse_day, parse_slot
from bookings.models import Consultation
from bookings.slots import day_choices, time_choices
from treatments.models import Treatment

# Shown instead of the chosen day's times when it has none left.
OTHER_TIMES = 8
# What the consultation's page says until the patient answers from their link.
SCREENING_PENDING = (
    "Screening not yet answered: the patient answers from their manage link before the visit."
)


def treatment_options() -> dict[str, TreatmentOption]:
    """The published treatments with their screening questions, by primary key."""
    return {str(option.pk): option for option in selectors.current_treatments().values()}


def staff_free_slots(
    rules: availability.Rules,
    *,
    now: dt.datetime,
    treatment_id: int | None = None,
    practitioner_id: int | None = None,
) -> dict:
    """Free times per day as staff may book them: the patients' free times and those
    inside the notice period, from now to the last day patients may book (one query)."""
    start, end = availability.window(rules, now)
    busy = availability.load_busy(rules, start, end)
    return availability.free_slots(
        replace(rules, min_notice=dt.timedelta(0)),
        busy,
        now=now,
        treatment_id=treatment_id,
        practitioner_id=practitioner_id,
    )


def slot_options(slots: dict, day: dt.date | None, *, rules, now) -> list[tuple[str, str, bool]]:
    """(value, label, inside the notice period) for the day's free times, or for the
    next free ones (labelled with their day) when it has none left."""
    if day in slots:
        starts = slots[day]
        choices = time_choices(starts)
    else:
        starts = availability.next_free(slots, limit=OTHER_TIMES)
        choices = time_choices(starts, with_day=True)
    earliest = now + rules.min_notice
    return [
        (value, label, start < earliest)
        for (value, label), start in zip(choices, starts, strict=True)
    ]


def add_view(request, *, model_admin):
    """GET: the first step, then (with a treatment and a day) the second. POST: book, or
    the second step again with what was typed and the times free now (400)."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    now = timezone.now()
    rules = availability.load_rules()
    treatments = treatment_options()
    data = request.POST if request.method == "POST" else request.GET
    asked = treatments.get(data.get("treatment", ""))
    treatment_id = asked.pk if asked is not None else None
    # A caller may ask for anyone who performs the treatment.
    people = staffing.performers(rules.practitioners, treatment_id)
    wanted = data.get("practitioner", "")
    practitioner_id = int(wanted) if wanted.isdigit() and int(wanted) in dict(people) else None
    slots = staff_free_slots(
        rules, now=now, treatment_id=treatment_id, practitioner_id=practitioner_id
    )
    days = day_choices(slots, with_count=True)
    picked = "treatment" in data or "date" in data
    pick = PickTreatmentDayForm(
        data if picked else None, treatments=treatments, days=days, practitioners=people
    )
    if not picked and len(treatments) == 1:
        pick.initial["treatment"] = next(iter(treatments))
    page = {
        "pick": pick,
        "rules": rules,
        "model_admin": model_admin,
        "practitioner_id": practitioner_id,
        "practitioner_name": dict(people).get(practitioner_id, ""),
    }
    if request.method != "POST":
        if not pick.is_valid():
            return _render(request, **page, status=400 if picked else 200)
        option = treatments[pick.cleaned_data["treatment"]]
        day = pick.cleaned_data["date"]
        options = slot_options(slots, day, rules=rules, now=now)
        form = PhoneBookingForm(option=option, rules=rules, now=now, day=day)
        return _render(request, **page, form=form, option=option, day=day, slots=options)

    option = treatments.get(data.get("treatment", ""))
    if option is None:
        page["pick"] = PickTreatmentDayForm(None, treatments=treatments, days=days)
        return _render(request, **page, status=400, no_treatment=True)
    form = PhoneBookingForm(request.POST, option=option, rules=rules, now=now)
    taken = False
    if form.is_valid():
        try:
            result = _book(
                request, form, option, rules=rules, now=now, practitioner_id=practitioner_id
            )
        except services.SlotUnavailable:
            taken = True
            form.add_error(
                "slot",
                "That time was taken a moment ago (or is no longer free). Choose another "
                "time: everything else you typed is still here.",
            )
            slots = staff_free_slots(
                rules, now=now, treatment_id=treatment_id, practitioner_id=practitioner_id
            )
        else:
            return _booked(request, model_admin, form, result)
    chosen = parse_slot(data.get("slot", ""))
    day = timezone.localdate(chosen, availability.clinic_tz()) if chosen else None
    if day not in slots:
        day = parse_day(data.get("date"))
    options = slot_options(slots, day, rules=rules, now=now)
    page["pick"] = PickTreatmentDayForm(
        None,
        treatments=treatments,
        days=days,
        practitioners=people,
        initial={
            "treatment": str(option.pk),
            "date": day.isoformat() if day else "",
            "practitioner": practitioner_id,
        },
    )
    return _render(
        request,
        **page,
        form=form,
        option=option,
        day=day if day in slots else None,
        slots=options,
        taken=taken,
        status=400,
    )


def _book(request, form, option, *, rules, now, practitioner_id) -> services.RequestResult:
    data = form.cleaned_data
    return services.consultation_request(
        treatment=Treatment.objects.get(pk=option.pk),
        starts_at=data["slot"],
        full_name=data["full_name"],
        email=data["email"],
        phone=data["phone"],
        contact_preference=data["contact_preference"],
        screening_answers=form.screening_answers(),
        idempotency_key=data["token"],
        rules=rules,
        now=now,
        source=data["source"],
        actor=request.user,
        confirm=data["confirm"],
        screening_later=form.screening_later,
        allow_inside_notice=True,
        practitioner_id=practitioner_id,
    )


def _booked(request, model_admin, form, result) -> HttpResponseRedirect:
    consultation = result.consultation
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    if not result.created:
        model_admin.message_user(
            request, f"This booking was already made: {consultation.reference}.", messages.INFO
        )
        return HttpResponseRedirect(url)
    local = timezone.localtime(consultation.starts_at, availability.clinic_tz())
    model_admin.log_addition(request, consultation, f"Booked ({consultation.get_source_display()})")
    confirmed = consultation.status == Consultation.Status.CONFIRMED
    state = "confirmed" if confirmed else "awaiting confirmation"
    model_admin.message_user(
        request,
        f"Booked {consultation.reference} for {local:%A} {local.day} {local:%B %Y, %H:%M}: "
        f"{state}.",
        messages.SUCCESS,
    )
    if form.inside_notice():
        model_admin.message_user(
            request,
            "This time is inside the notice period patients are held to: tell the clinician "
            "who sees this patient.",
            messages.WARNING,
        )
    if not consultation.email:
        model_admin.message_user(
            request,
            "No email address: send the patient their message on WhatsApp (below) or call them.",
            messages.INFO,
        )
    return HttpResponseRedirect(url)


def _render(request, *, pick, rules, model_admin, status=200, **extra):
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": "Book a caller or walk-in",
        "pick": pick,
        "notice_hours": int(rules.min_notice.total_seconds() // 3600),
        "has_days": bool(pick.fields["date"].choices[1:]),
        **extra,
    }
    form = extra.get("form")
    if form is not None:
        form.fields["slot"].widget.choices = [(value, label) for value, label, _ in extra["slots"]]
        context.update(
            text_fields=[form[name] for name in ("full_name", "phone", "email")],
            choice_fields=[form[name] for name in ("source", "contact_preference", "is_adult")],
            screening_fields=form.screening_fields(),
            agree_fields=[form[name] for name in ("confirm", "privacy_consent")],
        )
        context["selected_slot"] = form.data.get("slot", "") if form.is_bound else ""
    return TemplateResponse(
        request, "admin/bookings/consultation/phone_booking.html", context, status=status
    )
