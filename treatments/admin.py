"""Admin for content editors: a treatment with all its ordered parts on one page.

Every save, delete or publish here clears the cached public pages (through the
service functions), and a changed photo gets its renditions made once, on save.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html

from treatments.forms import TreatmentAdminForm
from treatments.models import (
    AftercareInstruction,
    Benefit,
    Contraindication,
    ProcessStep,
    Question,
    Treatment,
)
from treatments.services import (
    question_publish,
    question_unpublish,
    treatment_content_changed,
    treatment_hero_renditions_update,
)


class OrderedInline(admin.StackedInline):
    extra = 0
    ordering = ["order", "pk"]
    classes = ["collapse"]


class BenefitInline(OrderedInline):
    model = Benefit
    fields = ["order", "title", "body"]


class ProcessStepInline(OrderedInline):
    model = ProcessStep
    fields = ["order", "title", "body"]


class AftercareInline(OrderedInline):
    model = AftercareInstruction
    fields = ["order", "period", "text", "detail"]
    verbose_name_plural = "aftercare (grouped on the page: first 24 hours, first week, ongoing)"


class ContraindicationInline(OrderedInline):
    model = Contraindication
    fields = [
        "order",
        "name",
        "severity",
        "screening_question",
        ("lookback_amount", "lookback_unit"),
        "explanation",
    ]
    verbose_name_plural = (
        "contraindications (each is also a screening question on the booking form)"
    )


class QuestionInline(OrderedInline):
    model = Question
    fields = ["order", "question", "answer", "is_published", "source"]
    readonly_fields = ["source"]
    verbose_name_plural = "questions and answers (FAQ page)"


# Each sub-page's heading, lead paragraph and search description, one group per page;
# open, since the heading and lead are required.
PAGE_FIELDSETS = [
    (
        f"Page: {label}",
        {
            "fields": [f"{key}_heading", f"{key}_lead", f"{key}_description"],
            "description": f"The top of the page “{label}”, written for this treatment alone.",
        },
    )
    for key, label in [
        ("benefits", "Benefits"),
        ("process", "The treatment"),
        ("aftercare", "Aftercare"),
        ("contraindications", "Who it is not for"),
        ("faq", "Questions"),
    ]
]


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    form = TreatmentAdminForm
    list_display = ["name", "is_published", "order", "sessions_range", "updated_at"]
    list_editable = ["order"]
    list_filter = ["is_published"]
    search_fields = ["name", "summary", "introduction"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["hero_preview", "created_at", "updated_at"]
    date_hierarchy = "updated_at"
    inlines = [
        BenefitInline,
        ProcessStepInline,
        AftercareInline,
        ContraindicationInline,
        QuestionInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "name_in_sentence",
                    "slug",
                    "is_published",
                    "order",
                    "summary",
                    "introduction",
                ]
            },
        ),
        ("Photo", {"fields": ["hero_image", "hero_image_alt", "hero_preview"]}),
        ("Booking", {"fields": ["patients_choose_practitioner"]}),
        (
            "Facts shown on the overview",
            {
                "fields": [
                    "areas",
                    ("session_minutes_min", "session_minutes_max"),
                    "session_time_note",
                    ("sessions_min", "sessions_max"),
                    ("weeks_between_min", "weeks_between_max"),
                    "downtime",
                    "results_timeline",
                    "price_from_pkr",
                ]
            },
        ),
        (
            "Preparation, side effects and when to call",
            {"fields": ["preparation", "side_effects", "when_to_call"]},
        ),
        *PAGE_FIELDSETS,
        ("Search engines", {"fields": ["seo_title", "seo_description"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="course")
    def sessions_range(self, obj):
        return f"{obj.sessions_min}–{obj.sessions_max} sessions"

    @admin.display(description="preview")
    def hero_preview(self, obj):
        fallback = obj.hero_fallback if obj and obj.pk else None
        if fallback:
            return format_html(
                '<img src="{}" alt="{}" width="240" height="{}">',
                fallback["url"],
                obj.hero_image_alt,
                round(240 * fallback["height"] / fallback["width"]),
            )
        if obj and obj.hero_image:
            return format_html(
                '<img src="{}" alt="{}" width="240">', obj.hero_image.url, obj.hero_image_alt
            )
        return "No photo: the page shows the clinic's illustration."

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "hero_image" in form.changed_data:
            treatment_hero_renditions_update(treatment=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        treatment_content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        treatment_content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        treatment_content_changed()


class AwaitingAnswerFilter(admin.SimpleListFilter):
    title = "answer"
    parameter_name = "answer"

    def lookups(self, request, model_admin):
        return [("awaiting", "Awaiting answer"), ("answered", "Answered")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(Q(answer="") | Q(is_published=False))
        if self.value() == "answered":
            return queryset.exclude(answer="")
        return queryset


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["question", "treatment", "source", "is_answered", "is_published", "created_at"]
    list_filter = [AwaitingAnswerFilter, "is_published", "source", "treatment"]
    list_select_related = ["treatment"]
    search_fields = ["question", "answer", "asker_name", "asker_email"]
    date_hierarchy = "created_at"
    readonly_fields = ["source", "asker_name", "asker_email", "created_at"]
    fields = [
        "treatment",
        "question",
        "answer",
        "is_published",
        "order",
        "source",
        "asker_name",
        "asker_email",
        "created_at",
    ]
    actions = ["publish", "unpublish"]

    @admin.display(boolean=True, description="answered")
    def is_answered(self, obj):
        return bool(obj.answer.strip())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        treatment_content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        treatment_content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        treatment_content_changed()

    @admin.action(description="Publish selected questions (answered ones only)")
    def publish(self, request, queryset):
        published, skipped = 0, 0
        for question in queryset:
            try:
                question_publish(question=question)
            except ValidationError:
                skipped += 1
                continue
            self.log_change(request, question, "Published")
            published += 1
        self.message_user(request, f"Published {published} question(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} question(s) have no answer yet and were left unpublished.",
                messages.WARNING,
            )

    @admin.action(description="Unpublish selected questions")
    def unpublish(self, request, queryset):
        for question in queryset:
            question_unpublish(question=question)
            self.log_change(request, question, "Unpublished")
        self.message_user(request, "Unpublished the selected questions.", messages.SUCCESS)
