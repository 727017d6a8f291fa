"""The small forms of the back-office pages: each asks for what one change needs."""

import datetime as dt
import unicodedata
import uuid
from dataclasses import replace

from django import forms
from phonenumber_field.formfields import PhoneNumberField

from bookings import availability
from bookings.forms import NAME_PUNCTUATION, has_unsafe_characters, parse_day, parse_slot
from bookings.models import Consultation
from bookings.screening_dates import (
    YES_NO,
    DatedScreeningFields,
    appointment_day,
    screening_day_field,
)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown in the history and sent to the patient in the cancellation email.",
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Internal note",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Staff only; never emailed to the patient.",
    )


class RescheduleForm(forms.Form):
    """A new time chosen from ``choices`` (grouped by day, ISO values in clinic time)."""

    starts_at = forms.ChoiceField(label="New time (clinic time)")
    note = forms.CharField(max_length=200, required=False, label="Note for the history")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].choices = choices

    def clean_starts_at(self):
        return dt.datetime.fromisoformat(self.cleaned_data["starts_at"])


class ReassignForm(forms.Form):
    """Another practitioner, of those free at the consultation's time."""

    practitioner = forms.ModelChoiceField(queryset=None, label="Who sees the patient instead")
    note = forms.CharField(max_length=200, required=False, label="Note for the history")

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        from bookings.models import Practitioner

        self.fields["practitioner"].queryset = Practitioner.objects.filter(
            pk__in=[p.pk for p in practitioners]
        )


class EmailForm(forms.Form):
    email = forms.EmailField(label="Patient's email address", max_length=254)


# --- booking a caller or walk-in (bookings.admin.phone_booking) ------------------------


def clean_patient_name(value: str) -> str:
    """A name as the booking form takes it: letters (any script), spaces, hyphens,
    apostrophes and full stops; no control characters."""
    name = " ".join(value.split())
    if has_unsafe_characters(name) or any(
        not (ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in NAME_PUNCTUATION)
        for ch in name
    ):
        raise forms.ValidationError(
            "Write the name with letters only (spaces, hyphens and apostrophes are fine)."
        )
    if sum(ch.isalpha() for ch in name) < 2:
        raise forms.ValidationError("Write the patient's full name.")
    return name


class PickTreatmentDayForm(forms.Form):
    """The first step, sent by GET: which treatment and which day (only days with a
    free time for staff are offered)."""

    treatment = forms.ChoiceField(
        label="Treatment",
        error_messages={
            "required": "Choose a treatment.",
            "invalid_choice": "Choose a treatment from the list.",
        },
    )
    date = forms.ChoiceField(
        label="Day",
        error_messages={
            "required": "Choose a day.",
            "invalid_choice": "That day has no free time left: choose another.",
        },
    )

    def __init__(
        self,
        *args,
        treatments: dict,
        days: list[tuple[str, str]],
        practitioners: list[tuple[int, str]] = (),
        **kwargs,
    ):
        """``practitioners``: whom the caller may ask for (a choice only with two or more)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.treatments = treatments
        if len(practitioners) > 1:
            self.fields["practitioner"] = forms.TypedChoiceField(
                label="With",
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "First available"), *practitioners],
                error_messages={"invalid_choice": "Choose someone from the list."},
            )
        self.fields["treatment"].choices = [("", "Choose…")] + [
            (key, option.name) for key, option in treatments.items()
        ]
        self.fields["date"].choices = [("", "Choose…"), *days]

    def clean_date(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["date"])


WAYS = {
    "required": "Choose one of the ways shown.",
    "invalid_choice": "Choose one of the ways shown.",
}


class PhoneBookingForm(DatedScreeningFields, forms.Form):
    """The second step: the time and the patient's details, and the treatment's screening
    questions answered now or left for the patient (``screening``). Staff may choose a
    time inside the notice period patients are held to; the service still refuses a full
    time, a closure or a time outside opening hours."""

    SCREENING_CHOICES = [
        ("now", "Answered now, on the phone or at the desk"),
        ("later", "Left for the patient: they answer from the link we send them"),
    ]

    treatment = forms.CharField(widget=forms.HiddenInput)
    date = forms.CharField(widget=forms.HiddenInput, required=False)
    slot = forms.CharField(
        label="Time (clinic time)",
        error_messages={"required": "Choose one of the times shown."},
        widget=forms.RadioSelect,
    )
    full_name = forms.CharField(
        label="Patient's full name",
        max_length=100,
        error_messages={"max_length": "Shorten the name to 100 characters or fewer."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 100, "size": 40}),
    )
    phone = PhoneNumberField(
        label="Phone number",
        max_length=32,
        help_text="For example 0300 1234567, or an international number starting with +. "
        "WhatsApp messages go to this number.",
        error_messages={
            "required": "A phone number is needed: it is how the clinic reaches the patient.",
            "invalid": "Enter a phone number like 0300 1234567, or an international number "
            "starting with + and the country code.",
        },
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        help_text="Without one, the patient gets no emails: send them their messages on WhatsApp.",
        error_messages={
            "invalid": "Enter an email address like name@example.com, or leave it empty."
        },
        widget=forms.EmailInput(attrs={"maxlength": 254, "size": 40}),
    )
    contact_preference = forms.ChoiceField(
        label="How the patient would like to hear from us",
        choices=Consultation.ContactPreference.choices,
        initial=Consultation.ContactPreference.WHATSAPP,
        widget=forms.RadioSelect,
        error_messages=WAYS,
    )
    source = forms.ChoiceField(
        label="How they asked",
        choices=[c for c in Consultation.Source.choices if c[0] != Consultation.Source.ONLINE],
        initial=Consultation.Source.PHONE,
        widget=forms.RadioSelect,
        error_messages=WAYS,
    )
    is_adult = forms.ChoiceField(
        label="Is the patient 18 or over?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Ask whether the patient is 18 or over.",
            "invalid_choice": "Answer yes or no.",
        },
    )
    screening = forms.ChoiceField(
        label="Who answers them",
        choices=SCREENING_CHOICES,
        initial="now",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the questions are answered now or later.",
            "invalid_choice": "Choose now or later.",
        },
    )
    confirm = forms.BooleanField(
        label="The patient agreed this time with me: confirm it now",
        required=False,
        help_text="Sends the confirmation (by email if they have an address). Leave it "
        "unticked to confirm later.",
    )
    privacy_consent = forms.BooleanField(
        label="The patient agrees that the clinic keeps their details and answers to "
        "arrange the consultation, as the privacy notice says",
        error_messages={"required": "Ask the patient to agree to the privacy notice first."},
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    screening_day = screening_day_field()

    def __init__(
        self,
        *args,
        option,
        rules: availability.Rules,
        now: dt.datetime,
        day: dt.date | None = None,
        **kwargs,
    ):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.option = option
        self.rules = rules
        self.now = now
        self.fields["phone"].widget.attrs.update(maxlength=32, size=20, autocomplete="off")
        chosen = None
        if self.is_bound:
            day = parse_day(self.data.get("screening_day"))
            start = parse_slot(self.data.get("slot", ""))
            chosen = appointment_day(start) if start else None
        self.add_screening_fields(option.questions, shown=day, chosen=chosen)
        for question, name in zip(option.questions, self.screening_names, strict=True):
            self.fields[name].help_text = question.explanation
        if not option.questions:
            del self.fields["screening"]
        elif self.is_bound and self.data.get("screening") == "later":
            for name in self.screening_names:
                self.fields[name].required = False
        if not self.is_bound:
            self.initial.update(token=str(uuid.uuid4()), treatment=str(option.pk))
            if day is not None:
                self.initial["date"] = day.isoformat()

    def clean_slot(self) -> dt.datetime:
        start = parse_slot(self.cleaned_data["slot"])
        staff_rules = replace(self.rules, min_notice=dt.timedelta(0))
        if start is None or not availability.is_bookable_start(staff_rules, start, self.now):
            raise forms.ValidationError(
                "Choose one of the times shown: that one is past, on a closed day or "
                "outside the opening hours."
            )
        return start

    def clean_full_name(self) -> str:
        return clean_patient_name(self.cleaned_data["full_name"])

    def clean_is_adult(self) -> str:
        if self.cleaned_data["is_adult"] != "yes":
            raise forms.ValidationError(
                "The clinic sees patients aged 18 or over only: this cannot be booked."
            )
        return "yes"

    def clean_token(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["token"])
        except (TypeError, ValueError, AttributeError):
            return None

    def clean(self):
        cleaned = super().clean()
        preference = cleaned.get("contact_preference")
        if preference == Consultation.ContactPreference.EMAIL and not cleaned.get("email"):
            self.add_error("email", "The patient would like email: give their address.")
        if cleaned.get("confirm") and self.yes_answers:
            self.add_error(
                "confirm",
                "A yes to a screening question needs a clinician's review first: book it "
                "unconfirmed, and a clinician confirms it after reading the answers.",
            )
        return cleaned

    @property
    def screening_later(self) -> bool:
        return "screening" in self.fields and self.cleaned_data.get("screening") == "later"

    @property
    def yes_answers(self) -> list:
        if not self.is_bound or self.data.get("screening") == "later":
            return []
        return [
            question
            for question, name in zip(self.option.questions, self.screening_names, strict=True)
            if self.data.get(name) == "yes"
        ]

    def inside_notice(self) -> bool:
        """Whether the chosen time is one patients could not have booked online."""
        return self.cleaned_data["slot"] < self.now + self.rules.min_notice

    def screening_answers(self) -> list:
        if self.screening_later:
            return []
        return self.dated_answers(appointment_day(self.cleaned_data["slot"]))
