"""The consultation request form: plain fields that work without JavaScript."""

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from phonenumber_field.formfields import PhoneNumberField

from bookings import availability
from bookings.models import Consultation
from bookings.screening_dates import (
    YES_NO,
    DatedScreeningFields,
    ScreeningQuestion,
    appointment_day,
    screening_day_field,
)
from bookings.services import ScreeningAnswer

SLOT_FORMAT = "%Y-%m-%dT%H:%M"
SLOT_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
NAME_PUNCTUATION = set(" '’‘-.")


@dataclass
class TreatmentOption:
    pk: int
    slug: str
    name: str
    questions: list[ScreeningQuestion] = field(default_factory=list)
    name_in_sentence: str = ""
    patients_choose_practitioner: bool = False

    @property
    def in_sentence(self) -> str:
        return self.name_in_sentence or self.name.lower()

    @property
    def contraindications_url(self) -> str:
        return f"/treatments/{self.slug}/contraindications/"


def privacy_help_text() -> str:
    return format_html(
        'Read the <a href="{}">privacy notice</a>: screening answers are seen only by '
        "clinic staff and never sent by email.",
        reverse("privacy"),
    )


def slot_value(start: dt.datetime) -> str:
    return timezone.localtime(start, availability.clinic_tz()).strftime(SLOT_FORMAT)


def parse_slot(value: str) -> dt.datetime | None:
    """A clinic-local 'YYYY-MM-DDTHH:MM' as an aware datetime, or None. The pattern
    admits ASCII digits only, where ``strptime`` would also take other scripts' digits,
    spaces or a trailing newline."""
    if not isinstance(value, str) or not SLOT_PATTERN.fullmatch(value):
        return None
    try:
        naive = dt.datetime.strptime(value, SLOT_FORMAT)  # noqa: DTZ007 - clinic time below
    except ValueError:
        return None
    return naive.replace(tzinfo=availability.clinic_tz())


def parse_day(value: str | None) -> dt.date | None:
    if not value or not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def has_unsafe_characters(value: str, *, allow_newlines: bool = False) -> bool:
    """Control characters (NUL included) and lone surrogates have no place in a form."""
    for ch in value:
        if allow_newlines and ch in "\r\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return True
    return False


class BookingForm(DatedScreeningFields, forms.Form):
    slot = forms.CharField(
        label="Choose a time",
        error_messages={"required": "Please choose one of the times shown."},
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=100,
        error_messages={
            "required": "Please tell us your name.",
            "max_length": "Please shorten your name to 100 characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": 100}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Please give an email address so we can send your confirmation.",
            "invalid": "Enter an email address like name@example.com.",
            "max_length": "That email address is too long.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "maxlength": 254}),
    )
    phone = PhoneNumberField(
        label="Phone number",
        max_length=32,
        help_text="For example 0300 1234567, or an international number starting with +.",
        error_messages={
            "required": "Please give a phone number so we can reach you.",
            "invalid": "Enter a phone number like 0300 1234567, or an international number "
            "starting with + and the country code.",
            "max_length": "That phone number is too long.",
        },
    )
    contact_preference = forms.ChoiceField(
        label="How would you like us to contact you?",
        choices=Consultation.ContactPreference.choices,
        initial=Consultation.ContactPreference.PHONE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose how we should contact you.",
            "invalid_choice": "Please choose one of the ways shown.",
        },
    )
    is_adult = forms.ChoiceField(
        label="Are you 18 or over?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please tell us whether you are 18 or over.",
            "invalid_choice": "Please answer yes or no.",
        },
    )
    message = forms.CharField(
        label="Anything you would like us to know about your skin (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        error_messages={"max_length": "Please keep this to 1,000 characters or fewer."},
    )
    still_request = forms.BooleanField(
        label="I understand, and I would still like a consultation to talk this through "
        "with a clinician.",
        required=False,
    )
    privacy_consent = forms.BooleanField(
        label="I agree that the clinic may use my details and answers to arrange my "
        "consultation, as the privacy notice explains.",
        error_messages={"required": "Please agree to the privacy notice so we can help you."},
    )
    # Left empty by people; robots that fill every field reveal themselves.
    website = forms.CharField(label="Leave this empty", required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # The day the screening questions were worded for (see bookings.screening_dates).
    screening_day = screening_day_field()

    def __init__(
        self,
        *args,
        treatment: TreatmentOption,
        rules: availability.Rules,
        now: dt.datetime,
        slot_choices: list[tuple[str, str]] = (),
        day: dt.date | None = None,
        **kwargs,
    ):
        """``day``: the day chosen in the first step, which dated questions are worded for."""
        # The template writes every label itself, never with Django's suffix (":").
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        self.rules = rules
        self.now = now
        if slot_choices:
            self.fields["slot"].widget.choices = list(slot_choices)
        self.fields["privacy_consent"].help_text = privacy_help_text()
        # Each of the treatment's screening questions is a yes/no field after the form's own.
        chosen = None
        if self.is_bound:
            day = parse_day(self.data.get("screening_day"))
            start = parse_slot(self.data.get("slot", ""))
            chosen = appointment_day(start) if start else None
        self.add_screening_fields(treatment.questions, shown=day, chosen=chosen)
        if not self.is_bound:
            self.initial.setdefault("token", str(uuid.uuid4()))

    # --- fields -----------------------------------------------------------------------

    def clean_slot(self) -> dt.datetime:
        start = parse_slot(self.cleaned_data["slot"])
        if start is None:
            raise forms.ValidationError("Please choose one of the times shown.")
        if not availability.is_bookable_start(self.rules, start, self.now):
            raise forms.ValidationError(
                "That time cannot be booked. Please choose one of the times shown."
            )
        return start

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if has_unsafe_characters(name) or any(
            not (ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in NAME_PUNCTUATION)
            for ch in name
        ):
            raise forms.ValidationError(
                "Please write your name with letters only (spaces, hyphens and apostrophes "
                "are fine)."
            )
        if sum(ch.isalpha() for ch in name) < 2:
            raise forms.ValidationError("Please write your full name.")
        return name

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if has_unsafe_characters(message, allow_newlines=True):
            raise forms.ValidationError("Please remove unusual invisible characters.")
        return message

    def clean_token(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["token"])
        except (TypeError, ValueError, AttributeError):
            return None

    def clean(self):
        cleaned = super().clean()
        if self.yes_answers and not cleaned.get("still_request"):
            self.add_error(
                "still_request",
                "Please read the note above, then tick this box if you would still like a "
                "consultation.",
            )
        return cleaned

    # --- what the view and template need ----------------------------------------------

    @property
    def yes_answers(self) -> list[ScreeningQuestion]:
        """Questions answered yes (from the submitted data, valid or not)."""
        if not self.is_bound:
            return []
        return [
            question
            for question, name in zip(self.treatment.questions, self.screening_names, strict=True)
            if self.data.get(name) == "yes"
        ]

    @property
    def says_under_18(self) -> bool:
        return self.is_bound and self.data.get("is_adult") == "no"

    @property
    def is_spam(self) -> bool:
        return self.is_bound and bool((self.data.get("website") or "").strip())

    def screening_answers(self) -> list[ScreeningAnswer]:
        """The answers as stored, worded and dated for the chosen time's day."""
        return self.dated_answers(appointment_day(self.cleaned_data["slot"]))

    def link_errors(self) -> None:
        """Point each invalid input at its message (and help text) for screen readers."""
        for name, errors in self.errors.items():
            if name not in self.fields or not errors:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_error"]
            if bound.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    SUMMARY_LABELS = {
        "slot": "Time",
        "full_name": "Full name",
        "email": "Email address",
        "phone": "Phone number",
        "contact_preference": "How to contact you",
        "is_adult": "Age",
        "message": "Your message",
        "still_request": "Health questions",
        "privacy_consent": "Privacy",
    }

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for each problem, in the order the fields appear. Unanswered
        health questions are one line that leads to the first of them."""
        items = []
        unanswered = [name for name in self.screening_names if name in self.errors]
        for name in self.fields:
            if name in self.screening_names:
                if name == (unanswered[0] if unanswered else None):
                    count = len(unanswered)
                    items.append(
                        (
                            f"{self[name].auto_id}_0",
                            "Health questions: please answer "
                            + (
                                "the question marked."
                                if count == 1
                                else f"the {count} questions marked."
                            ),
                        )
                    )
                continue
            for error in self.errors.get(name, []):
                bound = self[name]
                radio = isinstance(self.fields[name].widget, forms.RadioSelect)
                anchor = f"{bound.auto_id}_0" if radio else bound.auto_id
                if name == "slot":
                    anchor = "slot-fieldset"
                if name == "still_request":
                    error = (
                        "thank you for telling us. Please read our note about your answer and "
                        "tick the box if you would still like a consultation."
                    )
                items.append((anchor, f"{self.SUMMARY_LABELS.get(name, bound.label)}: {error}"))
        return items


class ScreeningAgainForm(DatedScreeningFields, forms.Form):
    """The dated questions asked again when a patient moves to a day their answers do not
    cover. ``day``: the day to word them for; ``chosen``: the posted time's day."""

    screening_day = screening_day_field()

    def __init__(
        self,
        *args,
        questions: list[ScreeningQuestion],
        day: dt.date | None = None,
        chosen: dt.date | None = None,
        **kwargs,
    ):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if self.is_bound:
            day = parse_day(self.data.get("screening_day"))
        self.add_screening_fields(questions, shown=day, chosen=chosen, dates_required=True)

    @property
    def yes_answers(self) -> list[ScreeningQuestion]:
        return [
            question
            for question, name in zip(self.screening_questions, self.screening_names, strict=True)
            if self.is_bound and self.data.get(name) == "yes"
        ]
