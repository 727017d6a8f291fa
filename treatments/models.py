import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from treatments import lookback

# Phrases that say the time themselves, which the dates of a look-back replace.
RELATIVE_TIME = re.compile(r"\b(in the (last|past)|recently|lately|this (week|month|year))\b", re.I)


def _page_heading(page: str, example: str) -> models.CharField:
    return models.CharField(
        max_length=120,
        help_text=f"The heading at the top of the page “{page}”, e.g. '{example}'.",
    )


def _page_lead(page: str, note: str = "") -> models.TextField:
    return models.TextField(
        help_text=f"The short paragraph under the heading of the page “{page}”, in plain "
        f"words (no Markdown).{note}"
    )


def _page_description(page: str) -> models.CharField:
    return models.CharField(
        max_length=160,
        blank=True,
        help_text=f"What search results show for the page “{page}” (≤ 160 characters). "
        "Leave empty to use the paragraph under the heading.",
    )


class TreatmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Treatment(models.Model):
    """A treatment the clinic offers, with the facts patients read before booking."""

    name = models.CharField(max_length=100)
    name_in_sentence = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name as it reads inside a sentence, with 'a' or 'an' if it needs one: "
        "'microneedling', 'a chemical peel'. Used in phrases such as 'Thinking about …?' and "
        "'What is …?'. Leave empty to use the name in small letters.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences for the treatment list and the home page."
    )
    introduction = models.TextField(
        help_text="The overview text. Markdown: **bold**, lists, links."
    )
    areas = models.TextField(
        blank=True, help_text="Areas that can be treated, one per line (e.g. Face, Neck, Scalp)."
    )
    hero_image = models.ImageField(
        upload_to="treatments/",
        blank=True,
        help_text="A photo for the top of the page. Leave empty to show the clinic's illustration.",
    )
    hero_image_alt = models.CharField(
        max_length=200,
        blank=True,
        help_text="What the photo shows, for patients who use a screen reader. Required with a photo.",
    )
    hero_renditions = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Resized WebP copies of the photo, made once when the photo changes.",
    )
    session_minutes_min = models.PositiveSmallIntegerField(default=30)
    session_minutes_max = models.PositiveSmallIntegerField(default=60)
    session_time_note = models.CharField(
        max_length=120,
        blank=True,
        help_text="Added after the session length on the overview, e.g. 'plus time for "
        "numbing cream'. Leave empty when nothing needs adding.",
    )
    sessions_min = models.PositiveSmallIntegerField(
        default=1, help_text="Usual course: fewest sessions."
    )
    sessions_max = models.PositiveSmallIntegerField(
        default=1, help_text="Usual course: most sessions."
    )
    weeks_between_min = models.PositiveSmallIntegerField(
        default=0,
        help_text="Shortest usual gap between sessions, in weeks (0 if a single session).",
    )
    weeks_between_max = models.PositiveSmallIntegerField(default=0)
    patients_choose_practitioner = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Let patients ask for a named practitioner when they book (otherwise the "
        "first available sees them).",
    )
    downtime = models.CharField(max_length=300, help_text="What recovery usually looks like.")
    results_timeline = models.CharField(
        max_length=300, help_text="When changes may be seen. Never promise a result."
    )
    side_effects = models.TextField(blank=True, help_text="Common and rare side effects. Markdown.")
    preparation = models.TextField(
        blank=True, help_text="What to do before the appointment. Markdown; sent in reminders."
    )
    when_to_call = models.CharField(
        max_length=300,
        blank=True,
        help_text="Ends the sentence 'Call us on <the clinic's phone> …' in the aftercare "
        "email, e.g. 'if the skin blisters or stays painful after two days, or if anything "
        "worries you'. Leave empty for 'if anything worries you'.",
    )
    benefits_heading = _page_heading("Benefits", "What a chemical peel may help with")
    benefits_lead = _page_lead("Benefits")
    benefits_description = _page_description("Benefits")
    process_heading = _page_heading("The treatment", "How a chemical peel session works")
    process_lead = _page_lead(
        "The treatment",
        " It follows the session length, e.g. 'A session usually takes 30 to 45 minutes.'",
    )
    process_description = _page_description("The treatment")
    aftercare_heading = _page_heading("Aftercare", "Aftercare after a chemical peel")
    aftercare_lead = _page_lead("Aftercare")
    aftercare_description = _page_description("Aftercare")
    contraindications_heading = _page_heading(
        "Who it is not for", "Who should not have a chemical peel"
    )
    contraindications_lead = _page_lead("Who it is not for")
    contraindications_description = _page_description("Who it is not for")
    faq_heading = _page_heading("Questions", "Chemical peels: questions and answers")
    faq_lead = _page_lead("Questions")
    faq_description = _page_description("Questions")
    price_from_pkr = models.PositiveIntegerField(
        null=True, blank=True, help_text="Optional starting price per session in PKR."
    )
    is_published = models.BooleanField(
        default=False, help_text="Only published treatments are public."
    )
    order = models.PositiveSmallIntegerField(default=0)
    seo_title = models.CharField(
        max_length=70, blank=True, help_text="Search result title (≤ 70 characters)."
    )
    seo_description = models.CharField(
        max_length=160, blank=True, help_text="Search result description (≤ 160 characters)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_min__gte=1) & Q(sessions_min__lte=F("sessions_max")),
                name="treatment_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(weeks_between_min__lte=F("weeks_between_max")),
                name="treatment_weeks_between_range",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes_min__lte=F("session_minutes_max")),
                name="treatment_session_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("treatments:overview", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.hero_image and not self.hero_image_alt.strip():
            errors["hero_image_alt"] = "Describe the photo for patients who cannot see it."
        if self.sessions_min and self.sessions_max and self.sessions_min > self.sessions_max:
            errors["sessions_max"] = "The most sessions cannot be fewer than the fewest."
        if self.weeks_between_min > self.weeks_between_max:
            errors["weeks_between_max"] = "The longest gap cannot be shorter than the shortest."
        if self.session_minutes_min > self.session_minutes_max:
            errors["session_minutes_max"] = (
                "The longest session cannot be shorter than the shortest."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def in_sentence(self) -> str:
        return self.name_in_sentence or self.name.lower()

    @property
    def area_list(self) -> list[str]:
        return [line.strip() for line in self.areas.splitlines() if line.strip()]

    @property
    def has_course(self) -> bool:
        return self.sessions_max > 1

    @property
    def hero_srcset(self) -> str:
        """`srcset` for the hero photo's WebP renditions ("" before any were made)."""
        from django.core.files.storage import default_storage

        items = self.hero_renditions.get("renditions", []) if self.hero_renditions else []
        return ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in items)

    @property
    def hero_fallback(self) -> dict | None:
        """The middle-sized rendition, as `src` for browsers that ignore srcset."""
        items = self.hero_renditions.get("renditions", []) if self.hero_renditions else []
        if not items:
            return None
        from django.core.files.storage import default_storage

        chosen = next((r for r in items if r["width"] >= 800), items[-1])
        return {**chosen, "url": default_storage.url(chosen["name"])}


class TreatmentPart(models.Model):
    """Fields every ordered part of a treatment page shares."""

    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class Benefit(TreatmentPart):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="benefits")
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True, help_text="Markdown.")

    class Meta(TreatmentPart.Meta):
        pass

    def __str__(self) -> str:
        return self.title


class ProcessStep(TreatmentPart):
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="process_steps")
    title = models.CharField(max_length=120)
    body = models.TextField(help_text="Markdown.")

    class Meta(TreatmentPart.Meta):
        pass

    def __str__(self) -> str:
        return self.title


class AftercareInstruction(TreatmentPart):
    class Period(models.TextChoices):
        FIRST_24_HOURS = "first_24_hours", "First 24 hours"
        FIRST_WEEK = "first_week", "First week"
        ONGOING = "ongoing", "Ongoing"

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="aftercare")
    period = models.CharField(max_length=20, choices=Period.choices)
    text = models.CharField(max_length=300, help_text="The instruction, short and direct.")
    detail = models.TextField(blank=True, help_text="Why it matters, if useful. Markdown.")

    class Meta(TreatmentPart.Meta):
        pass

    def __str__(self) -> str:
        return self.text


class Contraindication(TreatmentPart):
    """A reason the treatment may not suit a patient; also a screening question on booking."""

    class Severity(models.TextChoices):
        RULES_OUT = "rules_out", "Rules the treatment out"
        DISCUSS = "discuss", "Needs a conversation with a clinician"

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="contraindications"
    )
    name = models.CharField(max_length=120, help_text="Short name, e.g. Active skin infection.")
    screening_question = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "Asked on the booking form with a yes/no answer, e.g. 'Do you have eczema?'. "
            "Leave empty when the form already asks it (every patient confirms being 18 or over). "
            "With a look-back period, leave the time out ('Have you had a chemical peel?'): "
            "the form puts the dates in front ('Between 20 November and 4 December 2026, have "
            "you had a chemical peel?')."
        ),
    )
    lookback_amount = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="For a question about the time before the appointment, how far back it "
        "asks (e.g. 6 for six months). Leave empty for a question about now.",
    )
    lookback_unit = models.CharField(
        max_length=10,
        blank=True,
        choices=lookback.Unit.choices,
        help_text="Days, weeks or months, with the number beside it. The period ends on the "
        "day of the appointment; patients who move their appointment are asked again.",
    )
    explanation = models.TextField(
        help_text="Why it matters, in plain words for patients. Markdown."
    )
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.DISCUSS)

    class Meta(TreatmentPart.Meta):
        pass

    def __str__(self) -> str:
        return self.name

    @property
    def has_lookback(self) -> bool:
        return bool(self.lookback_amount and self.lookback_unit)

    def clean(self):
        errors = {}
        if bool(self.lookback_amount) != bool(self.lookback_unit):
            errors["lookback_unit"] = (
                "Give both the number and the unit of the look-back, or neither."
            )
        elif self.has_lookback:
            if not self.screening_question.strip():
                errors["screening_question"] = "A look-back period needs a question to ask."
            elif RELATIVE_TIME.search(self.screening_question):
                errors["screening_question"] = (
                    "The form adds the dates itself: please leave phrases such as 'in the last "
                    "six months' or 'recently' out of the question."
                )
        if errors:
            raise ValidationError(errors)


class QuestionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_published=True).exclude(answer="")


class Question(TreatmentPart):
    """A question and answer on the FAQ page: written by staff or asked by a patient.

    Patient questions stay private until staff write an answer and publish it; the
    asker's email is for staff only and never shown.
    """

    class Source(models.TextChoices):
        STAFF = "staff", "Written by staff"
        PATIENT = "patient", "Asked by a patient"

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(max_length=300)
    answer = models.TextField(blank=True, help_text="Markdown. Required before publishing.")
    is_published = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    asker_name = models.CharField(max_length=100, blank=True)
    asker_email = models.EmailField(blank=True, help_text="Never shown on the site.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta(TreatmentPart.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(is_published=False) | ~Q(answer=""),
                name="question_published_needs_answer",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self):
        if self.is_published and not self.answer.strip():
            raise ValidationError({"answer": "Write an answer before publishing the question."})
