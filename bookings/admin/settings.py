"""The booking rules staff edit: the one settings row with its opening hours, and
closures. Each save tells availability that the rules changed, so cached free times
are rebuilt."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import availability, holidays
from bookings.models import BookingSettings, Closure, OpeningHours


class RulesChangedOnDelete:
    """For the admins of what decides the free times (closures, absences, rooms):
    deleting rows, one or many, renews the cached free times."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        availability.rules_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        availability.rules_changed()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1
    fields = ["weekday", "opens", "closes"]


@admin.register(BookingSettings)
class BookingSettingsAdmin(admin.ModelAdmin):
    inlines = [OpeningHoursInline]
    fieldsets = [
        (
            "Consultations",
            {"fields": ["consultation_minutes", "buffer_minutes"]},
        ),
        ("What patients may book", {"fields": ["min_notice_hours", "max_days_ahead"]}),
        (
            "After the request",
            {"fields": ["patient_change_notice_hours", "reminder_hours_before"]},
        ),
        ("Health records", {"fields": ["retention_months"]}),
    ]

    def has_add_permission(self, request):
        return not BookingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        availability.rules_changed()

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it.
        obj = BookingSettings.load()
        return HttpResponseRedirect(reverse("admin:bookings_bookingsettings_change", args=[obj.pk]))


@admin.register(Closure)
class ClosureAdmin(RulesChangedOnDelete, admin.ModelAdmin):
    list_display = ["reason", "starts_on", "ends_on", "estimated"]
    list_filter = ["estimated"]
    date_hierarchy = "starts_on"
    search_fields = ["reason"]
    fields = ["reason", "starts_on", "ends_on", "estimated", "holiday", "booked_on_these_days"]
    readonly_fields = ["holiday", "booked_on_these_days"]

    @admin.display(description="Booked on these days")
    def booked_on_these_days(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = list(holidays.consultations_during(obj))
        if not rows:
            return "No consultations are booked on these days."
        return format_html(
            "<p>Nothing was cancelled: contact these patients to move them.</p><ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((consultation_link(c),) for c in rows)),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        availability.rules_changed()
        self.warn_about_bookings(request, [obj])

    def warn_about_bookings(self, request, closures) -> None:
        for closure in closures:
            booked = list(holidays.consultations_during(closure))
            if booked:
                self.message_user(
                    request,
                    format_html(
                        "{} has consultations booked on its days, still in the diary: {}. "
                        "Contact these patients to move them.",
                        closure,
                        format_html_join(", ", "{}", ((consultation_link(c),) for c in booked)),
                    ),
                    messages.WARNING,
                )

    def get_urls(self):
        return [
            path(
                "public-holidays/",
                self.admin_site.admin_view(self.add_public_holidays_view),
                name="bookings_closure_public_holidays",
            ),
            *super().get_urls(),
        ]

    def add_public_holidays_view(self, request):
        """Add Pakistan's public holidays of the coming months as closures (POST)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = holidays.holidays_add()
        for closure in result.added:
            self.log_addition(request, closure, "Added as a public holiday")
        if result.added:
            estimated = sum(c.estimated for c in result.added)
            self.message_user(
                request,
                f"Added {len(result.added)} public holidays as closures"
                + (
                    f", {estimated} of them on estimated lunar dates to confirm."
                    if estimated
                    else "."
                ),
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "No new public holidays to add.", messages.INFO)
        if result.already_known:
            self.message_user(
                request,
                f"{result.already_known} added before were left as they are (including any "
                "that staff deleted).",
                messages.INFO,
            )
        self.warn_about_bookings(request, result.added)
        return HttpResponseRedirect(reverse("admin:bookings_closure_changelist"))


def consultation_link(consultation):
    local = timezone.localtime(consultation.starts_at, availability.clinic_tz())
    return format_html(
        '<a href="{}">{}</a> ({})',
        reverse("admin:bookings_consultation_change", args=[consultation.pk]),
        consultation.reference,
        f"{local:%a %d %b %H:%M}",
    )
