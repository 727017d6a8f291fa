"""Health records in the back office: who opened which record, the erasure log, and
the patients' rights page.

``ConsultationAccess`` and ``ErasureLog`` are append-only, so their admins only read.
The rights page (find, export, erase by email address) lives under the erasure log for
staff holding ``bookings.handle_data_requests``. The email address travels in POST
bodies only, never in a URL, and is never logged.

``ConsultationAdmin.change_view`` calls ``records.record_access`` for each opening of a
consultation's page; ``ConsultationAccessInline`` shows that trail on the page to staff
with ``bookings.view_consultationaccess``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from bookings import records
from bookings.admin.forms import EmailForm
from bookings.models import ConsultationAccess, ErasureLog

RIGHTS_PERMISSION = "bookings.handle_data_requests"
TRAIL_PERMISSION = "bookings.view_consultationaccess"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody adds, changes or deletes in admin."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsultationAccess)
class ConsultationAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "consultation", "user"]
    list_filter = ["user"]
    date_hierarchy = "at"
    list_select_related = ["consultation", "user"]
    search_fields = ["consultation__reference"]
    readonly_fields = ["consultation", "user", "at"]


class ConsultationAccessInline(admin.TabularInline):
    """The access trail on a consultation's page, newest first, for those allowed to see it."""

    model = ConsultationAccess
    fields = ["at", "user"]
    readonly_fields = fields
    ordering = ["-at", "-pk"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Who opened this record"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(TRAIL_PERMISSION)


@admin.register(ErasureLog)
class ErasureLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "consultations", "emails", "questions"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "consultations", "emails", "questions"]
    change_list_template = "admin/records/erasurelog_change_list.html"

    def has_module_permission(self, request):
        return super().has_module_permission(request) or request.user.has_perm(RIGHTS_PERMISSION)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm(RIGHTS_PERMISSION)

    def get_urls(self):
        view = self.admin_site.admin_view(self.rights_view)
        return [path("rights/", view, name="bookings_patient_rights"), *super().get_urls()]

    def rights_view(self, request):
        """Find, export and erase what is held about one email address (POST only)."""
        if not request.user.has_perm(RIGHTS_PERMISSION):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Patient data requests",
            "form": EmailForm(),
        }
        if request.method != "POST":
            return TemplateResponse(request, "admin/records/rights.html", context)
        form = EmailForm(request.POST)
        context["form"] = form
        if not form.is_valid():
            return TemplateResponse(request, "admin/records/rights.html", context, status=400)
        email = form.cleaned_data["email"]
        action = request.POST.get("action", "find")
        found = records.subject_records(email)
        if action in ("json", "csv"):
            for consultation in found.consultations:
                records.record_access(request.user, consultation)
            stamp = timezone.localdate().strftime("%Y%m%d")
            if action == "json":
                response = HttpResponse(
                    records.subject_access_json(email), content_type="application/json"
                )
            else:
                response = HttpResponse(
                    records.subject_access_csv(email), content_type="text/csv; charset=utf-8"
                )
            response["Content-Disposition"] = (
                f'attachment; filename="patient-data-{stamp}.{action}"'
            )
            response["Cache-Control"] = "no-store"
            return response
        if action == "confirm_erase" and request.POST.get("confirm") == "yes":
            entry = records.subject_erase(email=email, actor=request.user)
            self.message_user(
                request,
                f"Erased: {entry.consultations} consultation(s), {entry.emails} email(s), "
                f"{entry.questions} question(s).",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:bookings_erasurelog_changelist"))
        for consultation in found.consultations:
            records.record_access(request.user, consultation)
        context.update(
            found=found,
            counts=found.counts,
            email=email,
            confirming=action == "erase",
        )
        template = "admin/records/erase_confirm.html" if action == "erase" else None
        return TemplateResponse(request, template or "admin/records/rights.html", context)
