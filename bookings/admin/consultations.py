"""The consultations back office: the list, one consultation's record with its notes,
history and access trail, and the URLs of the pages beside them.

The status is read-only here; the changes staff make are in ``transitions`` and the
read-only pages (agenda, export, calendar feed) in ``views``.
"""

import datetime as dt
import re
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Min, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed
from django.urls import path, reverse
from django.utils import timezone

from bookings import records, services
from bookings.admin import agenda, phone_booking, reports, transitions, views
from bookings.admin.filters import NextSessionOverdueFilter, WhenFilter
from bookings.admin.forms import NoteForm
from bookings.admin.paginators import EstimatedCountPaginator, is_short
from bookings.admin.record_display import ConsultationRecordDisplay
from bookings.admin.records import ConsultationAccessInline
from bookings.admin.transitions import TRANSITIONS, Transition, bulk_action
from bookings.models import Consultation, ConsultationEvent, ConsultationNote
from bookings.models.consultations import REFERENCE_LENGTH, REFERENCE_PREFIX

# A search term that is a whole reference ("KH-7F3K2Q", any case): found by the unique
# index on the reference instead of the search across names, emails and phones.
REFERENCE_TERM = re.compile(
    rf"\s*({re.escape(REFERENCE_PREFIX)}[A-Z0-9]{{{REFERENCE_LENGTH}}})\s*", re.IGNORECASE
)


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


class DiaryQuerySet(QuerySet):
    """The consultation list's rows, with the date drill-down's years found cheaply.

    Django lists the years to drill into with ``SELECT DISTINCT`` over every row of the
    list, which for the whole diary reads every consultation ever booked. For a long list
    the years from its first to its last consultation are offered instead (two index
    look-ups): a clinic's diary has consultations in every year between. A short list
    (see ``bookings.admin.paginators``) has its years found exactly. Months and days are
    left to Django: they read one year's or one month's rows."""

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind != "year" or is_short(self):
            return super().datetimes(field_name, kind, order, tzinfo)
        tz = tzinfo or timezone.get_current_timezone()
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        first, last = (timezone.localtime(span[k], tz).year for k in ("first", "last"))
        years = [dt.datetime(year, 1, 1, tzinfo=tz) for year in range(first, last + 1)]
        return years if order == "ASC" else years[::-1]


def lists_people(query) -> bool:
    """Whether the list asked for (``request.GET``) is of people to find, a search or the
    overdue patients, rather than a page of the diary. Their rows are nearly all recent:
    anonymised consultations have no name, email or phone left to match, and only
    patients of the retention period can be overdue."""
    return (
        bool(query.get(SEARCH_VAR, "").strip()) or NextSessionOverdueFilter.parameter_name in query
    )


class DiaryChangeList(ChangeList):
    """The consultation list. Lists of people (``lists_people``) come without the date
    drill-down: its first and last dates would be looked for by walking the time index
    from the diary's first day, PostgreSQL expecting matches all along the years."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if lists_people(request.GET):
            self.date_hierarchy = None

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if NextSessionOverdueFilter.parameter_name in self.params:
            # Overdue patients are found by their email, so every one has one: saying
            # so lets PostgreSQL read the consultations that still have an email (the
            # retention period's) rather than every row when it picks them out.
            queryset = queryset.exclude(email="")
        return queryset


@admin.register(Consultation)
class ConsultationAdmin(ConsultationRecordDisplay, admin.ModelAdmin):
    list_display = [
        "reference",
        "full_name",
        "treatment",
        "time",
        "practitioner",
        "status_badge",
        "screening_flag",
        "created_at",
    ]
    list_display_links = ["reference", "full_name"]
    list_filter = [
        "status",
        "treatment",
        "practitioner",
        WhenFilter,
        "flagged",
        NextSessionOverdueFilter,
    ]
    search_fields = ["reference", "full_name", "email", "phone"]
    date_hierarchy = "starts_at"
    list_select_related = ["treatment", "practitioner"]
    ordering = ["starts_at", "pk"]
    list_per_page = 50
    # Years of consultations: the list is never counted in full (bookings.admin.paginators).
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    inlines = [ConsultationNoteInline, ConsultationEventInline, ConsultationAccessInline]
    actions = [
        bulk_action(TRANSITIONS["confirm"]),
        transitions.reschedule_selected,
        transitions.cancel_selected,
        bulk_action(TRANSITIONS["complete"]),
        bulk_action(TRANSITIONS["no_show"]),
        bulk_action(TRANSITIONS["decline"]),
        bulk_action(TRANSITIONS["reinstate"]),
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
                    "practitioner",
                    "room",
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
        "practitioner",
        "room",
    ]

    # --- the list --------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return DiaryChangeList

    def get_ordering(self, request):
        """Lists of people (``lists_people``) in time order, sorted from their rows.
        ``Coalesce(starts_at, ends_at)`` is the start time (never empty) in a form no
        index is ordered by: in index order, PostgreSQL would walk the diary from its
        first day looking for the page's rows, which are nearly all recent."""
        if lists_people(request.GET):
            return [Coalesce("starts_at", "ends_at"), "pk"]
        return super().get_ordering(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return DiaryQuerySet(model=queryset.model, query=queryset.query, using=queryset.db)

    def get_search_results(self, request, queryset, search_term):
        """A whole reference finds its one consultation by the unique index; any other
        term is looked for in every reference, name, email and phone (trigram indexes on
        PostgreSQL, see ``bookings.indexes``)."""
        match = REFERENCE_TERM.fullmatch(search_term)
        if match:
            return queryset.filter(reference=match[1].upper()), False
        return super().get_search_results(request, queryset, search_term)

    # --- permissions -----------------------------------------------------------------

    def has_add_permission(self, request):
        # Patients book online; reception books callers and walk-ins (phone_booking).
        return request.user.has_perm("bookings.add_consultation")

    def add_view(self, request, form_url="", extra_context=None):
        return phone_booking.add_view(request, model_admin=self)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_record_attendance_permission(self, request, obj=None):
        return request.user.has_perm("bookings.record_attendance")

    def has_export_permission(self, request, obj=None):
        return request.user.has_perm("bookings.export_consultation")

    def has_transition_permission(self, request, transition: Transition) -> bool:
        return getattr(self, f"has_{transition.permission}_permission")(request)

    @admin.action(description="Export the selected consultations to CSV", permissions=["export"])
    def export_selected(self, request, queryset):
        return views.export_csv(queryset)

    # --- pages -----------------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, model_admin=self))

        info = "bookings_consultation"
        return [
            path("agenda/", wrap(agenda.agenda), name=f"{info}_agenda"),
            path("export/", wrap(views.export_view), name=f"{info}_export"),
            path("calendar-feed/", wrap(views.feed_settings), name=f"{info}_calendar_feed"),
            path("reports/", wrap(reports.reports_view), name=f"{info}_reports"),
            path(
                "<int:pk>/do/<str:name>/",
                wrap(transitions.transition_view),
                name=f"{info}_transition",
            ),
            path("<int:pk>/cancel/", wrap(transitions.cancel_view), name=f"{info}_cancel"),
            path("<int:pk>/reminded/", wrap(views.mark_reminded), name=f"{info}_reminded"),
            path(
                "<int:pk>/reschedule/",
                wrap(transitions.reschedule_view),
                name=f"{info}_reschedule",
            ),
            path(
                "<int:pk>/reassign/",
                wrap(transitions.reassign_view),
                name=f"{info}_reassign",
            ),
            path("<int:pk>/note/", self.admin_site.admin_view(self.note_view), name=f"{info}_note"),
            *super().get_urls(),
        ]

    def note_view(self, request, pk):
        """Add an internal note without the change form (clinicians see the record
        read-only but may still write notes)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        consultation = transitions.consultation_or_404(request, pk, self)
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
        return transitions.back_to(consultation)

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
            can_change = self.has_change_permission(request)
            extra_context.update(
                transition_buttons=buttons,
                can_cancel=transitions.can_cancel(consultation) and can_change,
                can_reschedule=transitions.can_reschedule(consultation) and can_change,
                can_add_note_separately=(
                    not can_change and request.user.has_perm("bookings.add_consultationnote")
                ),
                note_form=NoteForm(),
                **views.whatsapp_context(request, object_id, model_admin=self),
            )
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and request.method == "GET":
            # Only a page actually shown counts as opening the record on its access trail.
            records.record_access(request.user, object_id)
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_export"] = self.has_export_permission(request)
        extra_context["export_query"] = request.GET.urlencode()
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            # The session leaves the course of its old address and joins that of the new.
            services.refresh_course(form.initial.get("email", ""), obj.treatment_id)
            services.refresh_course(obj.email, obj.treatment_id)

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
