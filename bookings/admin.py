"""A small admin for bookings: rules, consultations (status changed only through the
service functions), and the outbox."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import admin_views, availability, courses, records, services
from bookings.courses import NextSessionOverdueFilter
from bookings.emails import send_due
from bookings.models import (
    BookingSettings,
    Closure,
    Consultation,
    ConsultationEvent,
    ConsultationNote,
    OpeningHours,
    OutboundEmail,
    StaffCalendarFeed,
)
from bookings.records_admin import ConsultationAccessInline


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
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "starts_on", "ends_on"]
    date_hierarchy = "starts_on"
    search_fields = ["reason"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        availability.rules_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        availability.rules_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        availability.rules_changed()


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


# --- Consultations: the back office --------------------------------------------------

Status = Consultation.Status


@dataclass(frozen=True)
class Transition:
    """A status change staff can make, the service behind it and who may make it."""

    name: str
    service: Callable
    label: str  # the button
    done: str  # the message: "Confirmed: KH-…"
    permission: str  # "change" or "record_attendance" (ModelAdmin.has_<x>_permission)
    from_statuses: tuple[str, ...]


TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "confirm",
            services.consultation_confirm,
            "Confirm",
            "Confirmed",
            "change",
            (Status.PENDING,),
        ),
        Transition(
            "decline",
            services.consultation_decline,
            "Decline",
            "Declined",
            "change",
            (Status.PENDING,),
        ),
        Transition(
            "complete",
            services.consultation_complete,
            "Mark completed",
            "Marked completed",
            "record_attendance",
            (Status.CONFIRMED,),
        ),
        Transition(
            "no_show",
            services.consultation_mark_no_show,
            "Mark did not attend",
            "Marked did not attend",
            "record_attendance",
            (Status.CONFIRMED,),
        ),
        Transition(
            "reinstate",
            services.consultation_reinstate,
            "Reinstate",
            "Reinstated",
            "change",
            (Status.CANCELLED, Status.DECLINED, Status.NO_SHOW),
        ),
    ]
}


def apply_to_each(modeladmin, request, queryset, label: str, change) -> None:
    """Run ``change(consultation)`` (a service call) on each selected consultation, log
    each change in the admin history, and report which changed, which were already so,
    and which were refused and why."""
    changed, unchanged, refused = [], [], []
    for consultation in queryset.select_related("treatment").order_by("starts_at", "pk"):
        before = (consultation.status, consultation.starts_at)
        try:
            after = change(consultation)
        except services.BookingError as exc:
            refused.append(f"{consultation.reference} ({exc})")
            continue
        if (after.status, after.starts_at) == before:
            unchanged.append(consultation.reference)
            continue
        changed.append(consultation.reference)
        modeladmin.log_change(
            request, after, f"{label} (status: {after.get_status_display().lower()})"
        )
    if changed:
        modeladmin.message_user(request, f"{label}: {', '.join(changed)}.", messages.SUCCESS)
    if unchanged:
        modeladmin.message_user(
            request, f"Already so, nothing changed: {', '.join(unchanged)}.", messages.INFO
        )
    if refused:
        modeladmin.message_user(request, f"Refused: {'; '.join(refused)}.", messages.WARNING)


def _bulk(transition: Transition):
    def action(modeladmin, request, queryset):
        apply_to_each(
            modeladmin,
            request,
            queryset,
            transition.done,
            lambda c: transition.service(consultation=c, actor=request.user),
        )

    action.__name__ = f"action_{transition.service.__name__}"
    return admin.action(
        description=f"{transition.label} the selected consultations",
        permissions=[transition.permission],
    )(action)


class WhenFilter(admin.SimpleListFilter):
    """When the consultation is, in clinic time."""

    title = "time"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("week", "This week"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        tz = availability.clinic_tz()
        now = timezone.now()
        today = timezone.localdate(now, tz)
        midnight = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
        if self.value() == "today":
            return queryset.filter(
                starts_at__gte=midnight, starts_at__lt=midnight + dt.timedelta(days=1)
            )
        if self.value() == "week":
            monday = midnight - dt.timedelta(days=today.weekday())
            return queryset.filter(
                starts_at__gte=monday, starts_at__lt=monday + dt.timedelta(days=7)
            )
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=now)
        if self.value() == "past":
            return queryset.filter(starts_at__lt=now)
        return queryset


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


def staff_free_times(consultation: Consultation, *, days: int = 28) -> list:
    """Free start times (clinic time) for moving a consultation, grouped by day as
    choices. Staff are not held to the patient's notice period, only to the opening hours,
    closures and capacity (the service checks capacity again under a lock)."""
    now = timezone.now()
    rules = replace(availability.load_rules(), min_notice=dt.timedelta(0))
    tz = availability.clinic_tz()
    first = timezone.localdate(now, tz)
    last = first + dt.timedelta(days=min(days, rules.days_ahead))
    busy = availability.load_busy(
        rules,
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    slots = availability.free_slots(rules, busy, now=now, first_day=first, last_day=last)
    current = timezone.localtime(consultation.starts_at, tz)
    return [
        (
            f"{day:%A %d %B %Y}",
            [(start.isoformat(), f"{start:%H:%M}") for start in times if start != current],
        )
        for day, times in sorted(slots.items())
    ]


class RescheduleForm(forms.Form):
    starts_at = forms.ChoiceField(label="New time (clinic time)")
    note = forms.CharField(max_length=200, required=False, label="Note for the history")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].choices = choices

    def clean_starts_at(self):
        return dt.datetime.fromisoformat(self.cleaned_data["starts_at"])


def status_badge(consultation: Consultation):
    # The label is the text, the colour only repeats it.
    return format_html(
        '<span class="status-badge status-{}">{}</span>',
        consultation.status,
        consultation.get_status_display(),
    )


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "full_name",
        "treatment",
        "time",
        "status_badge",
        "screening_flag",
        "created_at",
    ]
    list_display_links = ["reference", "full_name"]
    list_filter = ["status", "treatment", WhenFilter, "flagged", NextSessionOverdueFilter]
    search_fields = ["reference", "full_name", "email", "phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["treatment"]
    ordering = ["starts_at", "pk"]
    list_per_page = 50

    @admin.display(description="Session")
    def session_of(self, obj):
        return courses.session_of(obj)

    @admin.display(description="Next session due")
    def next_due(self, obj):
        return courses.next_due(obj)

    inlines = [ConsultationNoteInline, ConsultationEventInline, ConsultationAccessInline]
    actions = [
        _bulk(TRANSITIONS["confirm"]),
        "reschedule_selected",
        "cancel_selected",
        _bulk(TRANSITIONS["complete"]),
        _bulk(TRANSITIONS["no_show"]),
        _bulk(TRANSITIONS["decline"]),
        _bulk(TRANSITIONS["reinstate"]),
        "export_selected",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status_badge",
                    "treatment",
                    "starts_at",
                    "ends_at",
                    "session_of",
                    "next_due",
                    "flagged",
                    "screening",
                ]
            },
        ),
        (
            "Patient",
            {"fields": ["full_name", "email", "phone", "contact_preference", "message"]},
        ),
        ("Consent", {"fields": ["consent_version", "consented_at"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
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
        "session_of",
        "next_due",
        "status",
        "status_badge",
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

    # --- display ---------------------------------------------------------------------

    @admin.display(description="Time (clinic)", ordering="starts_at")
    def time(self, obj):
        local = timezone.localtime(obj.starts_at, availability.clinic_tz())
        return f"{local:%a %d %b %Y, %H:%M}"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj)

    @admin.display(description="Screening", ordering="flagged")
    def screening_flag(self, obj):
        if obj.flagged:
            return format_html('<span class="flag-badge">{}</span>', "Review")
        return "—"

    @admin.display(description="Screening answers")
    def screening(self, obj):
        if not obj.screening_answers:
            return "No screening questions were asked."
        return format_html(
            '<ul class="screening-answers">{}</ul>',
            format_html_join(
                "",
                '<li class="{}"><strong>{}</strong>: {} ({})</li>',
                (
                    (
                        "screening-yes" if a.get("answer") == "yes" else "screening-no",
                        a.get("answer", "").upper(),
                        a.get("question", ""),
                        a.get("name", ""),
                    )
                    for a in obj.screening_answers
                ),
            ),
        )

    # --- permissions -----------------------------------------------------------------

    def has_add_permission(self, request):
        # Requests come from the booking form.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_record_attendance_permission(self, request, obj=None):
        return request.user.has_perm("bookings.record_attendance")

    def has_export_permission(self, request, obj=None):
        return request.user.has_perm("bookings.export_consultation")

    def has_transition_permission(self, request, transition: Transition) -> bool:
        return getattr(self, f"has_{transition.permission}_permission")(request)

    # --- actions ---------------------------------------------------------------------

    @admin.action(description="Cancel the selected consultations…", permissions=["change"])
    def cancel_selected(self, request, queryset):
        """First shows a page asking for the reason, then cancels through the service."""
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            apply_to_each(
                self,
                request,
                queryset,
                "Cancelled",
                lambda c: services.consultation_cancel(
                    consultation=c, reason=reason, actor=request.user
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/bookings/consultation/cancel.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Cancel consultations",
                "form": form,
                "consultations": queryset.select_related("treatment"),
                "bulk": True,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(
        description="Move the selected consultation to another time…", permissions=["change"]
    )
    def reschedule_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one consultation to move.", messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:bookings_consultation_reschedule", args=[queryset.get().pk])
        )

    @admin.action(description="Export the selected consultations to CSV", permissions=["export"])
    def export_selected(self, request, queryset):
        return admin_views.export_csv(queryset)

    # --- pages -----------------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, model_admin=self))

        info = "bookings_consultation"
        return [
            path("agenda/", wrap(admin_views.agenda), name=f"{info}_agenda"),
            path("export/", wrap(admin_views.export_view), name=f"{info}_export"),
            path("calendar-feed/", wrap(admin_views.feed_settings), name=f"{info}_calendar_feed"),
            path(
                "<int:pk>/do/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{info}_transition",
            ),
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name=f"{info}_cancel",
            ),
            path(
                "<int:pk>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name=f"{info}_reschedule",
            ),
            path("<int:pk>/note/", self.admin_site.admin_view(self.note_view), name=f"{info}_note"),
            *super().get_urls(),
        ]

    def _consultation(self, request, pk) -> Consultation:
        consultation = get_object_or_404(Consultation.objects.select_related("treatment"), pk=pk)
        if not self.has_view_permission(request, consultation):
            raise PermissionDenied
        return consultation

    def _back(self, consultation):
        return HttpResponseRedirect(
            reverse("admin:bookings_consultation_change", args=[consultation.pk])
        )

    def transition_view(self, request, pk, name):
        """A button on the consultation page: POST only, through the service."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        transition = TRANSITIONS.get(name)
        if transition is None:
            raise Http404
        consultation = self._consultation(request, pk)
        if not self.has_transition_permission(request, transition):
            raise PermissionDenied
        apply_to_each(
            self,
            request,
            Consultation.objects.filter(pk=consultation.pk),
            transition.done,
            lambda c: transition.service(consultation=c, actor=request.user),
        )
        return self._back(consultation)

    def cancel_view(self, request, pk):
        consultation = self._consultation(request, pk)
        if not self.has_change_permission(request, consultation):
            raise PermissionDenied
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            apply_to_each(
                self,
                request,
                Consultation.objects.filter(pk=consultation.pk),
                "Cancelled",
                lambda c: services.consultation_cancel(
                    consultation=c, reason=form.cleaned_data["reason"], actor=request.user
                ),
            )
            return self._back(consultation)
        return TemplateResponse(
            request,
            "admin/bookings/consultation/cancel.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Cancel {consultation.reference}",
                "form": form,
                "consultations": [consultation],
                "original": consultation,
                "bulk": False,
            },
        )

    def reschedule_view(self, request, pk):
        consultation = self._consultation(request, pk)
        if not self.has_change_permission(request, consultation):
            raise PermissionDenied
        choices = staff_free_times(consultation)
        form = RescheduleForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            try:
                moved = services.consultation_reschedule(
                    consultation=consultation,
                    starts_at=form.cleaned_data["starts_at"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except services.BookingError as exc:
                form.add_error("starts_at", str(exc))
            else:
                local = timezone.localtime(moved.starts_at, availability.clinic_tz())
                message = f"Moved to {local:%a %d %b %Y %H:%M}"
                self.log_change(request, moved, message)
                self.message_user(request, f"{moved.reference}: {message}.", messages.SUCCESS)
                return self._back(moved)
        return TemplateResponse(
            request,
            "admin/bookings/consultation/reschedule.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Move {consultation.reference} to another time",
                "form": form,
                "original": consultation,
                "current": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
                "has_choices": any(times for _, times in choices),
            },
        )

    def note_view(self, request, pk):
        """Add an internal note without the change form (clinicians see the record
        read-only but may still write notes)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        consultation = self._consultation(request, pk)
        if not request.user.has_perm("bookings.add_consultationnote"):
            raise PermissionDenied
        form = NoteForm(request.POST)
        if form.is_valid():
            services.consultation_add_note(
                consultation=consultation, author=request.user, text=form.cleaned_data["text"]
            )
            self.log_change(request, consultation, "Added an internal note")
            self.message_user(request, "Note added.", messages.SUCCESS)
        else:
            self.message_user(request, "Write the note first.", messages.WARNING)
        return self._back(consultation)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        consultation = Consultation.objects.filter(pk=object_id).only("status").first()
        if consultation is not None:
            buttons = [
                (reverse("admin:bookings_consultation_transition", args=[object_id, t.name]), t)
                for t in TRANSITIONS.values()
                if consultation.status in t.from_statuses
                and self.has_transition_permission(request, t)
            ]
            active = consultation.status in Consultation.ACTIVE_STATUSES
            can_change = self.has_change_permission(request)
            extra_context.update(
                transition_buttons=buttons,
                can_cancel=active and can_change,
                can_reschedule=active and can_change,
                can_add_note_separately=(
                    not can_change and request.user.has_perm("bookings.add_consultationnote")
                ),
                note_form=NoteForm(),
            )
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            records.record_access(request.user, object_id)  # the access trail (issue 7)
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_export"] = self.has_export_permission(request)
        extra_context["export_query"] = request.GET.urlencode()
        return super().changelist_view(request, extra_context)

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


@admin.register(StaffCalendarFeed)
class StaffCalendarFeedAdmin(admin.ModelAdmin):
    """Who has a calendar address; deleting one revokes it. Tokens are never shown here."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = fields
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
        "template",
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
