"""The consultation request form: plain fields that work without JavaScript."""

import copy
import datetime as dt
import functools
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
from bookings.services import ScreeningAnswer

YES_NO = [("yes", "Yes"), ("no", "No")]
SLOT_FORMAT = "%Y-%m-%dT%H:%M"
SLOT_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
NAME_PUNCTUATION = set(" '’‘-.")


@dataclass(frozen=True)
class ScreeningQuestion:
    pk: int
    name: str
    question: str
    explanation: str
    severity: str


@dataclass
class TreatmentOption:
    pk: int
    slug: str
    name: str
    questions: list[ScreeningQuestion] = field(default_factory=list)

    @property
    def contraindications_url(self) -> str:
        return f"/treatments/{self.slug}/contraindications/"


class FixedRadioSelect(forms.RadioSelect):
    """Radio buttons whose choices are replaced, never changed in place: a form's copy
    shares them. Django copies every field for each form, and copying choices was a
    large part of checking a booking."""

    def __deepcopy__(self, memo):
        return forms.Widget.__deepcopy__(self, memo)


class FixedChoiceField(forms.ChoiceField):
    """A choice field with a fixed list of choices, shared by its copies (see above)."""

    widget = FixedRadioSelect

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)


# Fields and widgets whose copy is Django's plain one: a shallow copy with its own
# attrs (widget), error messages and validators (field).
PLAIN_FIELD_COPIES = {forms.Field.__deepcopy__, FixedChoiceField.__deepcopy__}
PLAIN_WIDGET_COPIES = {forms.Widget.__deepcopy__, FixedRadioSelect.__deepcopy__}


def _shallow_copy(obj):
    copied = object.__new__(type(obj))
    copied.__dict__ = obj.__dict__.copy()
    return copied


def _copy_field(field: forms.Field, memo: dict) -> forms.Field:
    """``copy.deepcopy(field)`` as Django's own ``__deepcopy__`` methods do it, without
    the generic copy machinery, which was a tenth of checking a booking."""
    widget = field.widget
    if (
        type(field).__deepcopy__ not in PLAIN_FIELD_COPIES
        or type(widget).__deepcopy__ not in PLAIN_WIDGET_COPIES
    ):
        return copy.deepcopy(field, memo)
    copied = _shallow_copy(field)
    copied.widget = _shallow_copy(widget)
    copied.widget.attrs = widget.attrs.copy()
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    return copied


class QuickCopyFields(dict):
    """A form class's ``base_fields``, which Django deep-copies for every form."""

    def __deepcopy__(self, memo):
        return {name: _copy_field(field, memo) for name, field in self.items()}


@functools.cache
def privacy_help_text() -> str:
    return format_html(
        'Read the <a href="{}">privacy notice</a>: screening answers are seen only by '
        "clinic staff and never sent by email.",
        reverse("privacy"),
    )


def slot_value(start: dt.datetime) -> str:
    return timezone.localtime(start, availability.clinic_tz()).strftime(SLOT_FORMAT)


def parse_slot(value: str) -> dt.datetime | None:
    """A clinic-local 'YYYY-MM-DDTHH:MM' as an aware datetime, or None."""
    if not isinstance(value, str) or not SLOT_PATTERN.fullmatch(value):
        return None
    try:
        return dt.datetime(  # the pattern has checked every digit's place
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            tzinfo=availability.clinic_tz(),
        )
    except ValueError:
        return None


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


class BookingForm(forms.Form):
    slot = forms.CharField(
        label="Choose a time",
        error_messages={"required": "Please choose one of the times shown."},
        widget=FixedRadioSelect,
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
    contact_preference = FixedChoiceField(
        label="How would you like us to contact you?",
        choices=Consultation.ContactPreference.choices,
        initial=Consultation.ContactPreference.PHONE,
        error_messages={
            "required": "Please choose how we should contact you.",
            "invalid_choice": "Please choose one of the ways shown.",
        },
    )
    is_adult = FixedChoiceField(
        label="Are you 18 or over?",
        choices=YES_NO,
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

    def __new__(cls, *args, treatment: TreatmentOption, **kwargs):
        # Each treatment's screening questions are fields of a class built once for them.
        if cls is BookingForm:
            cls = _form_with_questions(tuple(treatment.questions))
        return super().__new__(cls)

    def __init__(
        self,
        *args,
        treatment: TreatmentOption,
        rules: availability.Rules,
        now: dt.datetime,
        slot_choices: list[tuple[str, str]] = (),
        **kwargs,
    ):
        # The template writes every label itself, never with Django's suffix (":").
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.treatment = treatment
        self.rules = rules
        self.now = now
        if slot_choices:
            self.fields["slot"].widget.choices = list(slot_choices)
        self.fields["privacy_consent"].help_text = privacy_help_text()
        self.screening_names = [f"screen_{question.pk}" for question in treatment.questions]
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
        return [
            ScreeningAnswer(
                contraindication_id=question.pk,
                name=question.name,
                question=question.question,
                severity=question.severity,
                answer=self.cleaned_data[name] == "yes",
            )
            for question, name in zip(self.treatment.questions, self.screening_names, strict=True)
        ]

    def screening_fields(self):
        return [self[name] for name in self.screening_names]

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


def _screening_field(question: ScreeningQuestion) -> FixedChoiceField:
    return FixedChoiceField(
        label=question.question,
        choices=YES_NO,
        error_messages={
            "required": "Please answer yes or no.",
            "invalid_choice": "Please answer yes or no.",
        },
    )


@functools.lru_cache(maxsize=64)
def _form_with_questions(questions: tuple[ScreeningQuestion, ...]) -> type[BookingForm]:
    """``BookingForm`` with a yes/no field per question, after the form's own fields."""
    fields = {f"screen_{question.pk}": _screening_field(question) for question in questions}
    form_class = type(BookingForm)("BookingForm", (BookingForm,), fields)
    form_class.base_fields = QuickCopyFields(form_class.base_fields)
    return form_class
