import re
import unicodedata

from django import forms

from treatments.images import validate_image_upload
from treatments.models import Question, Treatment

# C0/C1 control characters and Unicode direction overrides; tab and newlines are allowed in
# the question itself.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNREADABLE = (
    "This contains hidden control characters we cannot store. "
    "Please retype it (copying from some apps adds them)."
)


class QuestionForm(forms.Form):
    """A patient's question on a treatment page. Stored for staff; nothing is published."""

    name = forms.CharField(
        label="Your name",
        max_length=100,
        error_messages={
            "required": "Please tell us your name.",
            "max_length": "Please keep your name under 100 characters.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email",
        max_length=254,
        help_text="We reply by email. It is never shown on the site.",
        error_messages={
            "required": "Please give an email address so we can reply.",
            "invalid": "This does not look like an email address, e.g. name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    question = forms.CharField(
        label="Your question",
        max_length=Question._meta.get_field("question").max_length,
        help_text="Up to 300 characters. Please do not include private medical details.",
        error_messages={
            "required": "Please write your question.",
            "max_length": "Please keep your question under 300 characters (it has %(show_value)d).",
        },
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Honeypot: hidden from people (CSS and aria-hidden); bots fill every field.
    website = forms.CharField(required=False, label="Leave this empty")

    def _clean_text(self, field: str, pattern: re.Pattern) -> str:
        value = unicodedata.normalize("NFC", self.cleaned_data[field])
        if pattern.search(value):
            raise forms.ValidationError(UNREADABLE, code="control_characters")
        return value.strip()

    def clean_name(self):
        return self._clean_text("name", _CONTROL_OR_NEWLINE)

    def clean_question(self):
        value = self._clean_text("question", _CONTROL)
        if len(value) < 5:
            raise forms.ValidationError("Please write a little more so we can answer.")
        return value

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class HeroImageField(forms.ImageField):
    """An image upload checked by our own rules first, with messages staff understand."""

    default_error_messages = {
        **forms.ImageField.default_error_messages,
        "empty": "This file is empty. Please choose the photo again.",
    }

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        validate_image_upload(upload)
        return super().to_python(data)


class TreatmentAdminForm(forms.ModelForm):
    class Meta:
        model = Treatment
        fields = "__all__"  # noqa: DJ007 - admin fieldsets choose the fields
        field_classes = {"hero_image": HeroImageField}
