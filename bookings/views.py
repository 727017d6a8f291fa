"""The public booking pages: /book/ (choose, fill in, submit) and /book/done/<token>/."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from bookings import availability, patients, selectors, staffing, whatsapp
from bookings.forms import (
    BookingForm,
    parse_day,
    parse_slot,
)
from bookings.models import Consultation
from bookings.services import SlotUnavailable, consultation_request
from bookings.slots import day_choices, time_choices, time_groups
from clinic.middleware import DATABASE_UNREACHABLE, database_outage_answer
from clinic.models import PrivacyNotice
from clinic.page_cache import (
    CONTENT_VERSION,
    cacheable_request,
    serve_cached,
    versions,
)
from clinic.views import too_many_requests
from treatments.models import Treatment

DONE_SALT = "bookings.done"
DONE_MAX_AGE = 60 * 60 * 24 * 7


def booking_rate(group, request) -> str:
    """Requests per IP address; the shared cache (Redis in production) counts them."""
    return getattr(settings, "BOOKINGS_RATE_LIMIT", "10/h")


def _page(request, *, treatments, treatment, day, slots, form=None, status=200, **extra):
    groups = []
    if form is not None and day is not None:
        groups = time_groups(form.fields["slot"].widget.choices)
    selected_slot = ""
    if form is not None:
        selected_slot = form.data.get("slot", "") if form.is_bound else ""
    context = {
        "treatments": list(treatments.values()),
        "treatment": treatment,
        "day": day,
        "days": day_choices(slots, with_count=True),
        "form": form,
        "slot_groups": groups,
        "selected_slot": selected_slot,
        **extra,
    }
    return render(request, "bookings/book.html", context, status=status)


@never_cache
@ratelimit(key="ip", rate=booking_rate, method="POST", block=False)
@require_http_methods(["GET", "HEAD", "POST"])
def book(request):
    if getattr(request, "limited", False):
        return too_many_requests(request, None)
    now = timezone.now()
    content_version, rules_version, bookings_version = versions(
        CONTENT_VERSION, availability.RULES_VERSION, availability.BOOKINGS_VERSION
    )
    rules = availability.current_rules(version=rules_version)
    if request.method == "GET" and cacheable_request(request):
        return _first_step(
            request,
            rules=rules,
            now=now,
            version=(content_version, rules_version, bookings_version),
        )
    treatments = selectors.current_treatments(version=content_version)
    source = request.POST if request.method == "POST" else request.GET
    slug = source.get("treatment", "")
    treatment = treatments.get(slug) if isinstance(slug, str) else None
    if treatment is None and request.method == "GET" and len(treatments) == 1:
        treatment = next(iter(treatments.values()))
    chosen = staffing.chosen_practitioner(
        rules.practitioners, treatment, source.get("practitioner")
    )

    if request.method == "POST":
        return _submit(
            request,
            rules=rules,
            treatments=treatments,
            treatment=treatment,
            now=now,
            content_version=content_version,
            chosen=chosen,
        )

    slots = availability.current_free_slots(
        rules,
        now=now,
        version=(rules_version, bookings_version),
        treatment_id=treatment.pk if treatment is not None else None,
        practitioner_id=chosen[0] if chosen else None,
    )
    day = parse_day(request.GET.get("date"))
    day_unavailable = day is not None and day not in slots
    if day_unavailable:
        day = None
    form = None
    if treatment is not None and day is not None:
        form = BookingForm(
            treatment=treatment,
            rules=rules,
            now=now,
            slot_choices=time_choices(slots[day]),
            day=day,
            initial=patients.booking_initial(request),
        )
    return _page(
        request,
        treatments=treatments,
        treatment=treatment,
        day=day,
        slots=slots,
        form=form,
        day_unavailable=day_unavailable,
        needs_treatment=bool(request.GET.get("date")) and treatment is None,
        practitioners=staffing.practitioner_choices(rules.practitioners, treatment),
        chosen=chosen,
    )


def _timestamp(moment: dt.datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _first_step(request, *, rules, now, version):
    """/book/ with nothing chosen yet (the treatment and day step, no form to post) is the
    same for every visitor until content, rules or bookings change, the clinic day turns,
    or the next time on the grid passes into the notice period. The page is stored under
    a key holding all of these, so a stored page is never out of date."""
    content_version, rules_version, bookings_version = version
    key = ":".join(
        str(part)
        for part in (
            "page:book",
            content_version,
            rules_version,
            bookings_version,
            timezone.localdate(now, availability.clinic_tz()).isoformat(),
            _timestamp(availability.next_bookable_start(rules, now=now)),
        )
    )

    def build():
        treatments = selectors.current_treatments(version=content_version)
        treatment = next(iter(treatments.values())) if len(treatments) == 1 else None
        slots = availability.current_free_slots(
            rules,
            now=now,
            version=(rules_version, bookings_version),
            treatment_id=treatment.pk if treatment is not None else None,
        )
        return _page(
            request,
            treatments=treatments,
            treatment=treatment,
            day=None,
            slots=slots,
            practitioners=staffing.practitioner_choices(rules.practitioners, treatment),
        )

    return serve_cached(request, key, build, timeout=availability.CACHE_TIMEOUT)


def _submit(request, *, rules, treatments, treatment, now, content_version, chosen=None):
    if treatment is None:
        slots = availability.current_free_slots(rules, now=now)
        return _page(
            request,
            treatments=treatments,
            treatment=None,
            day=None,
            slots=slots,
            needs_treatment=True,
            status=400,
        )
    form = BookingForm(request.POST, treatment=treatment, rules=rules, now=now)
    taken = False
    if form.is_spam:
        return render(request, "bookings/done.html", {"consultation": None})
    if form.says_under_18:
        return render(request, "bookings/not_eligible.html", {"treatment": treatment})
    if form.is_valid():
        try:
            result = consultation_request(
                treatment=Treatment(pk=treatment.pk, slug=treatment.slug, name=treatment.name),
                starts_at=form.cleaned_data["slot"],
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                contact_preference=form.cleaned_data["contact_preference"],
                screening_answers=form.screening_answers(),
                message=form.cleaned_data["message"],
                idempotency_key=form.cleaned_data["token"],
                rules=rules,
                now=now,
                privacy_notice=PrivacyNotice.current(now=now, version=content_version),
                practitioner_id=chosen[0] if chosen else None,
            )
        except SlotUnavailable:
            taken = True
            form.add_error(
                "slot",
                "Sorry, someone booked that time a moment ago. Please choose another time: "
                "everything else you typed is still here.",
            )
        except DATABASE_UNREACHABLE as exc:
            return _not_saved(
                request, treatments=treatments, treatment=treatment, form=form, exception=exc
            )
        else:
            token = signing.dumps(result.consultation.reference, salt=DONE_SALT)
            return redirect("bookings:done", token=token)

    # Show the form again with the times free now: that day's, or the next ones.
    try:
        slots = availability.current_free_slots(
            rules,
            now=now,
            treatment_id=treatment.pk,
            practitioner_id=chosen[0] if chosen else None,
        )
    except DATABASE_UNREACHABLE as exc:
        return _not_saved(
            request, treatments=treatments, treatment=treatment, form=form, exception=exc
        )
    picked = parse_slot(request.POST.get("slot", ""))
    day = (
        timezone.localdate(picked, availability.clinic_tz())
        if picked
        else parse_day(request.POST.get("date"))
    )
    if day in slots:
        choices = time_choices(slots[day])
    else:
        day = min(slots) if slots else None
        choices = time_choices(availability.next_free(slots, limit=8), with_day=True)
    form.fields["slot"].widget.choices = choices
    form.link_errors()
    return _page(
        request,
        treatments=treatments,
        treatment=treatment,
        day=day,
        slots=slots,
        form=form,
        taken=taken,
        practitioners=staffing.practitioner_choices(rules.practitioners, treatment),
        chosen=chosen,
    )


def _not_saved(request, *, treatments, treatment, form, exception):
    """The database could not be reached: nothing was saved. The form comes back with
    everything the patient typed (the same idempotency key, so sending it again can
    never book twice) and the chosen time as the only one offered, since the free times
    cannot be counted now; 503, so that nothing takes this answer for a success."""
    chosen = parse_slot(request.POST.get("slot", ""))
    day = timezone.localdate(chosen, availability.clinic_tz()) if chosen else None
    form.fields["slot"].widget.choices = time_choices([chosen]) if chosen else []
    form.link_errors()
    page = _page(
        request,
        treatments=treatments,
        treatment=treatment,
        day=day,
        slots={day: [chosen]} if chosen else {},
        form=form,
        not_saved=True,
        status=503,
    )
    return database_outage_answer(request, page, exception)


@never_cache
@require_safe
def done(request, token: str):
    try:
        reference = signing.loads(token, salt=DONE_SALT, max_age=DONE_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404("Unknown request") from exc
    consultation = (
        Consultation.objects.select_related("treatment")
        .only("reference", "starts_at", "status", "contact_preference", "treatment__name")
        .filter(reference=reference)
        .first()
    )
    if consultation is None:
        raise Http404("Unknown request")
    context = {
        "consultation": consultation,
        "clinic_whatsapp_url": whatsapp.clinic_chat_for(consultation),
    }
    return render(request, "bookings/done.html", context)


def csrf_failure(request, reason=""):
    """A friendly page when a form's security token is missing or old (403)."""
    return render(request, "403_csrf.html", status=403)
