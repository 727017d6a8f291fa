"""The public booking pages: /book/ (choose, fill in, submit) and /book/done/<token>/."""

import datetime as dt
import functools

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings import availability
from bookings.forms import (
    BookingForm,
    ScreeningQuestion,
    TreatmentOption,
    parse_day,
    parse_slot,
    slot_value,
)
from bookings.models import Consultation
from bookings.services import SlotUnavailable, consultation_request
from clinic.models import PrivacyNotice
from clinic.page_cache import (
    CONTENT_VERSION,
    cacheable_request,
    shared_value,
    store_page,
    stored_page,
    versions,
)
from clinic.views import too_many_requests
from treatments.models import Treatment

DONE_SALT = "bookings.done"
DONE_MAX_AGE = 60 * 60 * 24 * 7


@functools.cache
def _done_path_pattern() -> str:
    return reverse("bookings:done", kwargs={"token": "TOKEN"})


def done_path(token: str) -> str:
    """/book/done/<token>/: ``reverse`` once, since only the token differs (a signed
    value, all of it safe in a path)."""
    return _done_path_pattern().replace("TOKEN", token)


def booking_rate(group, request) -> str:
    """Requests per IP address; the shared cache (Redis in production) counts them."""
    return getattr(settings, "BOOKINGS_RATE_LIMIT", "10/h")


def current_treatments(*, version: int | None = None) -> dict[str, TreatmentOption]:
    """``load_treatments`` through the cache, renewed when staff edit content
    (``version``: the content version, if already read)."""
    if version is None:
        (version,) = versions(CONTENT_VERSION)
    key = f"bookings:treatments:{version}"
    return shared_value("bookings:treatments", key, load_treatments, availability.CACHE_TIMEOUT)


def load_treatments() -> dict[str, TreatmentOption]:
    """Published treatments with their screening questions, in one query."""
    rows = (
        Treatment.objects.published()
        .order_by("order", "name", "contraindications__order", "contraindications__pk")
        .values_list(
            "pk",
            "slug",
            "name",
            "contraindications__pk",
            "contraindications__name",
            "contraindications__screening_question",
            "contraindications__explanation",
            "contraindications__severity",
        )
    )
    options: dict[str, TreatmentOption] = {}
    for pk, slug, name, c_pk, c_name, question, explanation, severity in rows:
        option = options.setdefault(slug, TreatmentOption(pk=pk, slug=slug, name=name))
        # A contraindication without a question is covered elsewhere on the form (age).
        if c_pk is not None and question:
            option.questions.append(
                ScreeningQuestion(c_pk, c_name, question, explanation, severity)
            )
    return options


def _time_choices(starts: list[dt.datetime], *, with_day: bool = False) -> list[tuple[str, str]]:
    tz = availability.clinic_tz()
    choices = []
    for start in starts:
        local = timezone.localtime(start, tz)
        label = f"{local:%H:%M}"
        if with_day:
            label = f"{local:%a} {local.day} {local:%b}, {label}"
        choices.append((slot_value(start), label))
    return choices


def _day_label(day: dt.date, count: int) -> str:
    times = "1 time" if count == 1 else f"{count} times"
    return f"{day:%A} {day.day} {day:%b}, {times}"


def _page(request, *, treatments, treatment, day, slots, form=None, status=200, **extra):
    days = [(d.isoformat(), _day_label(d, len(times))) for d, times in sorted(slots.items())]
    groups = []
    if form is not None and day is not None:
        for start_value, label in form.fields["slot"].widget.choices:
            part = "Morning" if int(label[-5:-3]) < 12 else "Afternoon and evening"
            if not groups or groups[-1][0] != part:
                groups.append((part, []))
            groups[-1][1].append((start_value, label))
    selected_slot = ""
    if form is not None:
        selected_slot = form.data.get("slot", "") if form.is_bound else ""
    context = {
        "treatments": list(treatments.values()),
        "treatment": treatment,
        "day": day,
        "days": days,
        "form": form,
        "slot_groups": groups,
        "selected_slot": selected_slot,
        **extra,
    }
    return render(request, "bookings/book.html", context, status=status)


@never_cache
@ratelimit(key="ip", rate=booking_rate, method="POST", block=False)
@require_http_methods(["GET", "POST"])
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
    treatments = current_treatments(version=content_version)
    source = request.POST if request.method == "POST" else request.GET
    slug = source.get("treatment", "")
    treatment = treatments.get(slug) if isinstance(slug, str) else None
    if treatment is None and request.method == "GET" and len(treatments) == 1:
        treatment = next(iter(treatments.values()))

    if request.method == "POST":
        return _submit(
            request,
            rules=rules,
            treatments=treatments,
            treatment=treatment,
            now=now,
            content_version=content_version,
        )

    slots = availability.current_free_slots(
        rules, now=now, version=(rules_version, bookings_version)
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
            slot_choices=_time_choices(slots[day]),
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
    response = stored_page(request, key, timeout=availability.CACHE_TIMEOUT)
    if response is None:
        treatments = current_treatments(version=content_version)
        slots = availability.current_free_slots(
            rules, now=now, version=(rules_version, bookings_version)
        )
        treatment = next(iter(treatments.values())) if len(treatments) == 1 else None
        page = _page(request, treatments=treatments, treatment=treatment, day=None, slots=slots)
        response = store_page(request, key, page, timeout=availability.CACHE_TIMEOUT)
    return response


def _submit(request, *, rules, treatments, treatment, now, content_version):
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
            )
        except SlotUnavailable:
            taken = True
            form.add_error(
                "slot",
                "Sorry, someone booked that time a moment ago. Please choose another time: "
                "everything else you typed is still here.",
            )
        else:
            token = signing.dumps(result.consultation.reference, salt=DONE_SALT)
            return HttpResponseRedirect(done_path(token))

    # Show the form again with the times free now: that day's, or the next ones.
    slots = availability.current_free_slots(rules, now=now)
    chosen = parse_slot(request.POST.get("slot", ""))
    day = (
        timezone.localdate(chosen, availability.clinic_tz())
        if chosen
        else parse_day(request.POST.get("date"))
    )
    if day in slots:
        choices = _time_choices(slots[day])
    else:
        day = min(slots) if slots else None
        choices = _time_choices(availability.next_free(slots, limit=8), with_day=True)
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
    )


@never_cache
@require_GET
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
    return render(request, "bookings/done.html", {"consultation": consultation})


def csrf_failure(request, reason=""):
    """A friendly page when a form's security token is missing or old (403)."""
    return render(request, "403_csrf.html", status=403)
