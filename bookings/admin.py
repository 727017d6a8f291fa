"""A small admin for bookings: rules, consultations (status changed only through the
service functions), and the outbox."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import services
from bookings.emails import send_due
from bookings.models import (
    BookingSettings,
    Closure,
    Consultation,
    ConsultationEvent,
    ConsultationNote,
    OpeningHours,
    OutboundEmail,
)


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
            {"fields": ["consultation_minutes", "buffer_minutes", "capacity"]},
        ),
        ("What patients may book", {"fields": ["min_notice_hours", "max_days_ahead"]}),
    ]

    def has_add_permission(self, request):
        return not BookingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it.
        obj = BookingSettings.load()
        return HttpResponseRedirect(reverse("admin:bookings_bookingsettings_change", args=[obj.pk]))


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "starts_on", "ends_on"]
    date_hierarchy = "starts_on"
    search_fields = ["reason"]


class ConsultationEventInline(admin.TabularInline):
    model = ConsultationEvent
    extra = 0
    can_delete = False
    fields = ["at", "previous_status", "new_status", "actor", "note"]
    readonly_fields = fields
    ordering = ["at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ConsultationNoteInline(admin.StackedInline):
    model = ConsultationNote
    extra = 1
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


def _bulk(service, label, **kwargs):
    def action(modeladmin, request, queryset):
        done = refused = 0
        for consultation in queryset:
            try:
                service(consultation=consultation, actor=request.user, **kwargs)
            except services.BookingError as exc:
                refused += 1
                modeladmin.message_user(
                    request, f"{consultation.reference}: {exc}", level=messages.WARNING
                )
            else:
                done += 1
                modeladmin.log_change(
                    request, consultation, f"{label} (status: {consultation.status})"
                )
        if done:
            modeladmin.message_user(request, f"{label}: {done} consultation(s).")

    action.__name__ = f"action_{service.__name__}"
    return admin.action(description=f"{label} the selected consultations")(action)


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "starts_at",
        "full_name",
        "treatment",
        "status",
        "flagged",
        "contact_preference",
        "created_at",
    ]
    list_filter = ["status", "flagged", "treatment", "contact_preference"]
    search_fields = ["reference", "full_name", "email", "phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["treatment"]
    ordering = ["-starts_at"]
    inlines = [ConsultationNoteInline, ConsultationEventInline]
    actions = [
        _bulk(services.consultation_confirm, "Confirm"),
        _bulk(services.consultation_complete, "Mark completed"),
        _bulk(services.consultation_mark_no_show, "Mark did not attend"),
        _bulk(services.consultation_decline, "Decline"),
        _bulk(
            services.consultation_cancel,
            "Cancel",
            reason="Cancelled by the clinic",
        ),
        _bulk(services.consultation_reinstate, "Reinstate"),
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status",
                    "treatment",
                    "starts_at",
                    "ends_at",
                    "flagged",
                    "screening",
                ]
            },
        ),
        (
            "Patient",
            {"fields": ["full_name", "email", "phone", "contact_preference", "message"]},
        ),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    "consent_version",
                    "consented_at",
                    "cancelled_by",
                    "cancellation_reason",
                    "created_at",
                    "updated_at",
                    "seat",
                ],
            },
        ),
    ]
    readonly_fields = [
        "reference",
        "status",
        "treatment",
        "starts_at",
        "ends_at",
        "flagged",
        "screening",
        "consent_version",
        "consented_at",
        "cancelled_by",
        "cancellation_reason",
        "created_at",
        "updated_at",
        "seat",
    ]

    @admin.display(description="Screening answers")
    def screening(self, obj):
        if not obj.screening_answers:
            return "No screening questions were asked."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong>: {} ({})</li>",
                (
                    (a.get("answer", "").upper(), a.get("question", ""), a.get("name", ""))
                    for a in obj.screening_answers
                ),
            ),
        )

    def has_add_permission(self, request):
        # Requests come from the booking form (or, later, the back office's services).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        if formset.model is ConsultationNote:
            # Notes are only added (never edited), through the service, with the author.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for note_form in formset.forms:
                if note_form.has_changed() and note_form.instance.pk is None:
                    text = note_form.cleaned_data.get("text", "")
                    if text.strip():
                        with transaction.atomic():
                            formset.new_objects.append(
                                services.consultation_add_note(
                                    consultation=form.instance, author=request.user, text=text
                                )
                            )
            return
        super().save_formset(request, form, formset, change)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
        "consultation",
        "body_text",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected emails again now")
    def retry_now(self, request, queryset):
        ids = list(queryset.exclude(status=OutboundEmail.Status.SENT).values_list("pk", flat=True))
        OutboundEmail.objects.filter(pk__in=ids).update(
            status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now()
        )
        sent, failed = send_due(ids=ids)
        self.message_user(request, f"Sent {sent}, still waiting {failed}.")

from bookings import records_admin  # noqa: E402,F401
