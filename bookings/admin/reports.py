"""The owner's reports page: how the clinic is doing, week by week, in pictures with
their tables, and each table as CSV (``?format=csv&section=<table>``).

Wired as ``admin:bookings_consultation_reports`` in ``ConsultationAdmin.get_urls``, under
``admin_site.admin_view`` (sign-in, second factor, never cached). Open to the owner (a
superuser) and to staff given "Can see the clinic's reports" (``view_reports``), which
no role has by default. The page holds counts and rates only, small ones hidden
(``bookings.reports.numbers``): no patient is named, linked or counted out, so it needs
no health-record permission and writes nothing to the access trail.
"""

import csv
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.admin.filters import NextSessionOverdueFilter
from bookings.reports import MAX_WEEKS, build_report
from bookings.reports.sections import TABLES, build_sections, find_table
from clinic.spreadsheet import csv_safe
from treatments.models import Treatment

PERMISSION = "bookings.view_reports"


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates only."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ReportForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput)
    end = forms.DateField(label="To", required=False, widget=DateInput)
    treatment = forms.ModelChoiceField(
        queryset=Treatment.objects.only("pk", "name").order_by("name", "pk"),
        required=False,
        empty_label="All treatments",
    )


def can_view_reports(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(PERMISSION)


def chosen(request) -> tuple[ReportForm, dict]:
    """The form as filled in, and ``build_report``'s arguments from it: a date left out
    or not understood leaves the default range (DEFAULT_WEEKS weeks to this one)."""
    form = ReportForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    treatment = data.get("treatment")
    return form, {
        "first": data.get("start"),
        "last": data.get("end"),
        "treatment_id": treatment.pk if treatment else None,
    }


def reports_view(request, model_admin):
    if not can_view_reports(request.user):
        raise PermissionDenied
    form, arguments = chosen(request)
    if request.GET.get("format") == "csv":
        return csv_download(request.GET.get("section", ""), arguments)
    report = build_report(**arguments)
    period = report.period
    query = urlencode(
        {
            "start": period.first.isoformat(),
            "end": period.last.isoformat(),
            **({"treatment": period.treatment_id} if period.treatment_id else {}),
        }
    )
    overdue_url = ""
    if request.user.has_perm("bookings.view_consultation"):
        overdue_url = (
            reverse("admin:bookings_consultation_changelist")
            + f"?{NextSessionOverdueFilter.parameter_name}=overdue"
        )
    treatment = form.cleaned_data.get("treatment") if form.is_valid() else None
    if form.is_valid():
        # Shown with the weeks actually reported (whole weeks, the default range).
        form = ReportForm(
            initial={"start": period.first, "end": period.last, "treatment": treatment}
        )
    asked = arguments["first"] and arguments["last"]
    clipped = bool(asked) and period.first > min(arguments["first"], arguments["last"])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Reports",
        "form": form,
        "period": period,
        "weeks": len(period.weeks),
        "treatment": treatment,
        "clipped": clipped,
        "max_weeks": MAX_WEEKS,
        "sections": build_sections(report, overdue_url=overdue_url),
        "query": query,
        "today": report.today,
        "now": timezone.localtime(timezone.now(), availability.clinic_tz()),
    }
    return TemplateResponse(request, "admin/bookings/reports/index.html", context)


def csv_download(slug: str, arguments: dict) -> HttpResponse:
    """One table of the page as CSV, exactly as shown (small counts hidden), with the
    period in its name; UTF-8 with a byte-order mark for Excel, every cell safe from
    being run as a formula (cancellation reasons are words staff and patients typed)."""
    if slug not in TABLES:
        raise Http404("No such table.")
    report = build_report(**arguments, sections=(TABLES[slug],))
    table = find_table(build_sections(report), slug)
    if table is None:
        raise Http404("No such table.")
    period = report.period
    name = f"clinic-{slug}-{period.first:%Y-%m-%d}-to-{period.last:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in (table.columns, *table.rows, *([table.footer] if table.footer else [])):
        writer.writerow(csv_safe(cell) for cell in row)
    return response
