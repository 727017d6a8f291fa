"""Who sees the patients: practitioners with their working periods and absences, and
the rooms or devices treatments need. Each save tells availability that the rules
changed, so the free times follow at once; an absence over booked consultations lists
them for reception to rearrange (nothing is moved or cancelled by itself)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html, format_html_join

from bookings import availability
from bookings.admin.settings import consultation_link
from bookings.models import Absence, Consultation, Practitioner, Room, WorkingPeriod


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 1
    fields = ["weekday", "starts", "ends"]
    verbose_name_plural = "Working periods (leave empty: all opening hours)"


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 1
    fields = ["reason", "starts_at", "ends_at"]


def booked_while_away(practitioner: Practitioner):
    """Their pending or confirmed consultations during one of their absences."""
    away = Q()
    for starts_at, ends_at in practitioner.absences.values_list("starts_at", "ends_at"):
        away |= Q(starts_at__lt=ends_at, ends_at__gt=starts_at)
    if not away:
        return Consultation.objects.none()
    return (
        practitioner.consultations.filter(away, status__in=Consultation.ACTIVE_STATUSES)
        .select_related("treatment")
        .order_by("starts_at", "pk")
    )


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "performs", "is_active", "serving_since", "user"]
    list_filter = ["is_active"]
    search_fields = ["display_name"]
    filter_horizontal = ["treatments"]
    inlines = [WorkingPeriodInline, AbsenceInline]
    fields = [
        "display_name",
        "user",
        "treatments",
        "serving_since",
        "is_active",
        "booked_during_absences",
    ]
    readonly_fields = ["booked_during_absences"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("treatments")

    @admin.display(description="Treatments")
    def performs(self, obj):
        names = [treatment.name for treatment in obj.treatments.all()]
        return ", ".join(names) if names else "Every treatment"

    @admin.display(description="Booked during an absence")
    def booked_during_absences(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = list(booked_while_away(obj))
        if not rows:
            return "No consultation falls in an absence."
        return format_html(
            "<p>Nothing was moved: reassign these or agree a new time with the patients."
            "</p><ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((consultation_link(c),) for c in rows)),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        availability.rules_changed()
        clashes = booked_while_away(form.instance).count()
        if clashes:
            self.message_user(
                request,
                f"{clashes} consultation(s) of {form.instance} fall in an absence: they "
                "are listed on this page for you to reassign or move.",
                messages.WARNING,
            )


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "needed_by"]
    filter_horizontal = ["treatments"]
    fields = ["name", "treatments"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("treatments")

    @admin.display(description="Needed by")
    def needed_by(self, obj):
        return ", ".join(t.name for t in obj.treatments.all()) or "No treatment yet"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        availability.rules_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        availability.rules_changed()
