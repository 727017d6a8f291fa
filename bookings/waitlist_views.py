"""The waitlist's pages: joining (/waitlist/), one's entry (/waitlist/<token>/, where
one can leave) and an offered time (/waitlist/offer/<token>/: book it with the health
questions in one POST, or let it go). Opening a link changes nothing; every change is a
POST through ``bookings.services``."""

import datetime as dt

from django import forms
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from bookings import availability, patients, selectors, staffing
from bookings import waitlist as links
from bookings.forms import BookingForm, parse_day, privacy_help_text, slot_value
from bookings.models import WaitlistOffer
from bookings.services import (
    BookingError,
    OfferNotHeld,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from bookings.views import DONE_SALT, booking_rate
from clinic.views import too_many_requests
from treatments.models import Treatment

MOST_DAYS = 60


class JoinForm(forms.Form):
    treatment = forms.ChoiceField(
        label="Treatment", error_messages={"required": "Please choose a treatment."}
    )
    first_day = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Please give the first day that suits you."},
    )
    last_day = forms.DateField(
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Please give the last day that suits you."},
    )
    parts = forms.MultipleChoiceField(
        label="Parts of the day that suit you",
        choices=[(value, label) for value, label, _ in links.PARTS_OF_DAY],
        help_text="Morning is before 12:00, afternoon from 12:00 to 17:00 and evening after "
        "17:00, Islamabad time.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Please choose at least one part of the day."},
    )
    practitioner = forms.ChoiceField(
        label="Who would you like to see?",
        required=False,
        help_text="Choosing someone means we offer you only their times; "
        "“First available” gets you a time soonest.",
        error_messages={
            "invalid_choice": "Please choose someone from the list, or “First available”."
        },
    )
    full_name = BookingForm.base_fields["full_name"]
    email = BookingForm.base_fields["email"]
    phone = BookingForm.base_fields["phone"]
    contact_preference = BookingForm.base_fields["contact_preference"]
    is_adult = BookingForm.base_fields["is_adult"]
    privacy_consent = BookingForm.base_fields["privacy_consent"]
    website = forms.CharField(required=False, max_length=200)

    clean_full_name = BookingForm.clean_full_name

    def __init__(self, *args, treatments, staff, today: dt.date, days_ahead: int, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.treatments = treatments
        # Who may be asked for, per treatment that lets patients choose.
        self.choices_for = {
            slug: staffing.practitioner_choices(staff, option)
            for slug, option in treatments.items()
        }
        named = dict(pair for pairs in self.choices_for.values() for pair in pairs)
        if named:
            self.fields["practitioner"].choices = [("", "First available"), *named.items()]
        else:
            del self.fields["practitioner"]
        self.today = today
        self.last_bookable = today + dt.timedelta(days=days_ahead)
        self.fields["treatment"].choices = [("", "Choose a treatment")] + [
            (option.slug, option.name) for option in treatments.values()
        ]
        for name in ("first_day", "last_day"):
            self.fields[name].widget.attrs.update(
                min=today.isoformat(), max=self.last_bookable.isoformat()
            )
        self.fields["privacy_consent"].help_text = privacy_help_text()

    def clean(self):
        cleaned = super().clean()
        asked = cleaned.get("practitioner")
        slug = cleaned.get("treatment")
        if asked and slug and int(asked) not in dict(self.choices_for.get(slug, ())):
            self.add_error(
                "practitioner",
                "They do not see patients for this treatment: please choose someone else, "
                "or “First available”.",
            )
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and first < self.today:
            self.add_error("first_day", "Please choose today or a later day.")
        elif first and first > self.last_bookable:
            self.add_error("first_day", "We can only plan up to the last day we take bookings.")
        if first and last and last < first:
            self.add_error("last_day", "The last day cannot be before the first.")
        elif first and last and (last - first).days > MOST_DAYS:
            self.add_error("last_day", f"Please choose at most {MOST_DAYS} days.")
        return cleaned

    @property
    def is_spam(self) -> bool:
        return self.is_bound and bool((self.data.get("website") or "").strip())


def _join_form(request, data=None):
    now = timezone.now()
    rules = availability.current_rules()
    today = timezone.localdate(now, availability.clinic_tz())
    treatments = selectors.current_treatments()
    initial = patients.booking_initial(request)
    day = parse_day(request.GET.get("date"))
    if day is not None and day >= today:
        initial.update(first_day=day, last_day=day + dt.timedelta(days=7))
    slug = request.GET.get("treatment")
    if isinstance(slug, str) and slug in treatments:
        initial["treatment"] = slug
    elif len(treatments) == 1:
        initial["treatment"] = next(iter(treatments))
    asked = request.GET.get("practitioner")
    if isinstance(asked, str) and asked.isdigit():
        initial["practitioner"] = asked
    form = JoinForm(
        data,
        treatments=treatments,
        staff=rules.practitioners,
        today=today,
        days_ahead=rules.days_ahead,
        initial=initial,
    )
    return form, rules, now


def _join_context(form, **extra) -> dict:
    return {"form": form, "hold_hours": links.hold_label(), **extra}


@never_cache
@ratelimit(key="ip", rate=booking_rate, method="POST", block=False)
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_join_view(request):
    """Join the waitlist. When times that suit are free already, they are shown to book
    instead, with a second button to join all the same."""
    if request.method != "POST":
        form, _, _ = _join_form(request)
        return render(request, "bookings/waitlist_join.html", _join_context(form))
    if getattr(request, "limited", False):
        return too_many_requests(request, None)
    form, rules, now = _join_form(request, request.POST)
    if form.is_spam:
        return render(request, "bookings/waitlist_joined.html", {"entry": None})
    if form.data.get("is_adult") == "no":
        return render(request, "bookings/not_eligible.html", {"treatment": None})
    if not form.is_valid():
        return render(request, "bookings/waitlist_join.html", _join_context(form), status=400)
    data = form.cleaned_data
    option = form.treatments[data["treatment"]]
    asked = int(data["practitioner"]) if data.get("practitioner") else None
    if "anyway" not in request.POST:
        free = links.matching_free_times(
            availability.current_free_slots(
                rules, now=now, treatment_id=option.pk, practitioner_id=asked
            ),
            first_day=data["first_day"],
            last_day=data["last_day"],
            parts=set(data["parts"]),
        )
        if free:
            tz = availability.clinic_tz()
            free_local = [timezone.localtime(start, tz) for start in free]
            context = _join_context(
                form,
                option=option,
                free=free_local,
                asked=asked,
                asked_name=dict(form.choices_for[option.slug]).get(asked, ""),
            )
            return render(request, "bookings/waitlist_join.html", context)
    try:
        entry = waitlist_join(
            treatment=Treatment(pk=option.pk, slug=option.slug, name=option.name),
            first_day=data["first_day"],
            last_day=data["last_day"],
            parts=data["parts"],
            full_name=data["full_name"],
            email=data["email"],
            phone=str(data["phone"]),
            contact_preference=data["contact_preference"],
            practitioner_id=asked,
            now=now,
        )
    except forms.ValidationError:
        return render(request, "bookings/waitlist_join.html", _join_context(form), status=400)
    return render(
        request,
        "bookings/waitlist_joined.html",
        {"entry": entry, "token": links.entry_token(entry)},
    )


def _gone(request, what: str, status: int = 404):
    return render(request, "bookings/waitlist_gone.html", {"what": what}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD"])
def waitlist_entry(request, token: str):
    entry = links.entry_for_token(token)
    if entry is None:
        return _gone(request, "entry")
    held = (
        entry.offers.filter(status=WaitlistOffer.Status.HELD, expires_at__gt=timezone.now())
        .order_by("pk")
        .first()
    )
    return render(
        request,
        "bookings/waitlist_entry.html",
        {
            "entry": entry,
            "token": token,
            "held": held,
            "held_token": links.offer_token(held) if held else "",
            "held_local": (
                timezone.localtime(held.starts_at, availability.clinic_tz()) if held else None
            ),
            "left": request.GET.get("done") == "left",
        },
    )


@never_cache
@require_POST
def waitlist_leave_view(request, token: str):
    entry = links.entry_for_token(token)
    if entry is None:
        return _gone(request, "entry")
    waitlist_leave(entry=entry)
    return redirect(reverse("bookings:waitlist_entry", args=[token]) + "?done=left")


def _offer_form(offer, option, *, data=None):
    rules = availability.current_rules()
    now = timezone.now()
    day = timezone.localdate(offer.starts_at, availability.clinic_tz())
    if data is None:
        return BookingForm(treatment=option, rules=rules, now=now, day=day)
    entry = offer.entry
    data = data.copy()
    data.update(
        {
            "slot": slot_value(offer.starts_at),
            "full_name": entry.full_name,
            "email": entry.email,
            "phone": str(entry.phone),
            "contact_preference": entry.contact_preference,
            "is_adult": "yes",
            "website": "",
        }
    )
    return BookingForm(data, treatment=option, rules=rules, now=now)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_offer(request, token: str):
    """The time held for the patient: GET shows it with the health questions, POST books
    it (the hold ends and the consultation is requested in one transaction)."""
    offer = links.offer_for_token(token)
    if offer is None:
        return _gone(request, "offer")
    option = selectors.current_treatments().get(offer.entry.treatment.slug)
    now = timezone.now()
    held = offer.status == WaitlistOffer.Status.HELD and offer.expires_at > now
    if not held or option is None:
        return render(
            request,
            "bookings/waitlist_offer.html",
            {"offer": offer, "held": False},
            status=410 if request.method == "POST" else 200,
        )
    form = _offer_form(offer, option, data=request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            consultation = waitlist_offer_accept(
                offer=offer,
                screening_answers=form.screening_answers(),
                message=form.cleaned_data["message"],
                idempotency_key=form.cleaned_data["token"],
            )
        except OfferNotHeld:
            offer.refresh_from_db()
            return render(
                request, "bookings/waitlist_offer.html", {"offer": offer, "held": False}, status=410
            )
        except BookingError as exc:
            error = str(exc)
        else:
            done = signing.dumps(consultation.reference, salt=DONE_SALT)
            return redirect("bookings:done", token=done)
    if request.method == "POST":
        form.link_errors()
    tz = availability.clinic_tz()
    return render(
        request,
        "bookings/waitlist_offer.html",
        {
            "offer": offer,
            "held": True,
            "form": form,
            "token": token,
            "error": error,
            "entry_token": links.entry_token(offer.entry),
            "starts_local": timezone.localtime(offer.starts_at, tz),
            "until_local": timezone.localtime(offer.expires_at, tz),
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@require_POST
def waitlist_decline(request, token: str):
    """Let the held time go; the patient stays on the waitlist for other times."""
    offer = links.offer_for_token(token)
    if offer is None:
        return _gone(request, "offer")
    waitlist_offer_decline(offer=offer)
    return redirect("bookings:waitlist_entry", token=links.entry_token(offer.entry))
