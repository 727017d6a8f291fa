from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class TreatmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Treatment(models.Model):
    """A treatment the clinic offers, with the facts patients read before booking."""

    name = models.CharField(max_length=100)
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
    downtime = models.CharField(max_length=300, help_text="What recovery usually looks like.")
    results_timeline = models.CharField(
        max_length=300, help_text="When changes may be seen. Never promise a result."
    )
    side_effects = models.TextField(blank=True, help_text="Common and rare side effects. Markdown.")
    preparation = models.TextField(
        blank=True, help_text="What to do before the appointment. Markdown; sent in reminders."
    )
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
            "Leave empty when the form already asks it (every patient confirms being 18 or over)."
        ),
    )
    explanation = models.TextField(
        help_text="Why it matters, in plain words for patients. Markdown."
    )
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.DISCUSS)

    class Meta(TreatmentPart.Meta):
        pass

    def __str__(self) -> str:
        return self.name


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
