"""Who sees the patients: practitioners with their working periods and absences, and
the rooms or devices treatments need. Each save tells availability that the rules
changed, so the free times follow at once; an absence over booked consultations lists
them for reception to rearrange (nothing is moved or cancelled by itself).

The owner edits practitioners and rooms. Absences have their own list too, so that
reception can enter a clinician's leave without being able to change who performs
what or when they work."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import availability
from bookings.admin.settings import RulesChangedOnDelete, consultation_link
from bookings.models import Absence, Consultation, Practitioner, Room, WorkingPeriod


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 1
    fields = ["weekday", "starts", "ends"]
    verbose_name_plural = "Working periods (leave empty: all opening hours)"


class DayOrTimeField(forms.SplitDateTimeField):
    """A day with an optional time. Without a time, a start is the beginning of that
    day and an end (``end=True``) the end of it, so leave over whole days is entered as
    its first and last day."""

    def __init__(self, *, end: bool = False, **kwargs):
        kwargs.setdefault("widget", AdminSplitDateTime)
        super().__init__(require_all_fields=False, **kwargs)
        self.fields[1].required = False
        self.end = end

    def compress(self, data_list):
        if data_list and data_list[0] and data_list[1] in self.empty_values:
            day = data_list[0] + dt.timedelta(days=1) if self.end else data_list[0]
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return super().compress(data_list)


class AbsenceForm(forms.ModelForm):
    starts_at = DayOrTimeField(
        label="From",
        help_text="Clinic time. Leave the time empty to start at the beginning of the day.",
    )
    ends_at = DayOrTimeField(
        end=True,
        label="Until",
        help_text="Clinic time. Leave the time empty to include the whole of that day.",
    )

    class Meta:
        model = Absence
        fields = ["practitioner", "reason", "starts_at", "ends_at"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    form = AbsenceForm
    extra = 1
    fields = ["reason", "starts_at", "ends_at"]


def listed_consultations(rows) -> str:
    return format_html(
        "<p>Nothing was moved: reassign these or agree a new time with the patients.</p>"
        "<ul>{}</ul>",
        format_html_join("", "<li>{}</li>", ((consultation_link(c),) for c in rows)),
    )


def booked_while_away(practitioner: Practitioner, spans=None):
    """Their pending or confirmed consultations during one of their absences (or of
    ``spans``, (start, end) pairs)."""
    away = Q()
    if spans is None:
        spans = practitioner.absences.values_list("starts_at", "ends_at")
    for starts_at, ends_at in spans:
        away |= Q(starts_at__lt=ends_at, ends_at__gt=starts_at)
    if not away:
        return Consultation.objects.none()
    return (
        practitioner.consultations.filter(away, status__in=Consultation.ACTIVE_STATUSES)
        .select_related("treatment")
        .order_by("starts_at", "pk")
    )


@admin.register(Practitioner)
class PractitionerAdmin(RulesChangedOnDelete, admin.ModelAdmin):
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
    readonly_fields = ["booked_during_absences", "add_absence"]

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
        return listed_consultations(rows)

    @admin.display(description="Absences")
    def add_absence(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:bookings_absence_add") + f"?practitioner={obj.pk}"
        return format_html('<a class="addlink" href="{}">Add an absence for {}</a>', url, obj)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if request.user.has_perm("bookings.add_absence"):
            fields.append("add_absence")
        return fields

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


def _booked_during():
    """How many active consultations of the absence's practitioner fall in it."""
    return Subquery(
        Consultation.objects.filter(
            practitioner=OuterRef("practitioner"),
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
            status__in=Consultation.ACTIVE_STATUSES,
        )
        .order_by()
        .values("practitioner")
        .annotate(n=Count("pk"))
        .values("n")
    )


@admin.register(Absence)
class AbsenceAdmin(RulesChangedOnDelete, admin.ModelAdmin):
    """Leave and training, entered by reception or the owner, with the consultations
    they fall over listed for rearranging."""

    form = AbsenceForm
    list_display = ["practitioner", "reason", "when", "booked"]
    list_filter = ["practitioner", "reason"]
    list_select_related = ["practitioner"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "pk"]
    fields = ["practitioner", "reason", "starts_at", "ends_at", "booked_during_it"]
    readonly_fields = ["booked_during_it"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(booked_count=_booked_during())

    @admin.display(description="When", ordering="starts_at")
    def when(self, obj):
        return obj.span_label

    @admin.display(description="Booked", ordering="booked_count")
    def booked(self, obj):
        return obj.booked_count or 0

    @admin.display(description="Booked during it")
    def booked_during_it(self, obj):
        if obj is None or obj.pk is None:
            return "Saved absences list the consultations that fall in them."
        rows = list(booked_while_away(obj.practitioner, [(obj.starts_at, obj.ends_at)]))
        return listed_consultations(rows) if rows else "No consultation falls in it."

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        availability.rules_changed()
        clashes = booked_while_away(obj.practitioner, [(obj.starts_at, obj.ends_at)]).count()
        if clashes:
            self.message_user(
                request,
                f"{clashes} consultation(s) of {obj.practitioner} fall in this "
                "absence: they are listed on its page for you to reassign or move.",
                messages.WARNING,
            )


@admin.register(Room)
class RoomAdmin(RulesChangedOnDelete, admin.ModelAdmin):
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
