"""Every email patients and staff receive, rendered with made-up sample details, so staff
can read what goes out before it does. Wired in ``OutboundEmailAdmin.get_urls`` under
``admin_site.admin_view``: sign-in and the second factor as on every admin page, then the
same permission as seeing consultations (the emails describe them)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone

from bookings import availability
from bookings.emails import consultation_context
from bookings.models import Consultation, Practitioner
from treatments.models import Treatment

Status = Consultation.Status

PERMISSION = "bookings.view_consultation"

PREVIEWS = {
    "consultation_requested": ("Request received", Status.PENDING),
    "consultation_confirmed": ("Confirmed", Status.CONFIRMED),
    "consultation_reminder": ("Reminder with preparation advice", Status.CONFIRMED),
    "consultation_rescheduled": ("Moved to another time", Status.CONFIRMED),
    "consultation_reassigned": ("Another practitioner than the one asked for", Status.CONFIRMED),
    "consultation_cancelled": ("Cancelled", Status.CANCELLED),
    "consultation_declined": ("Declined", Status.DECLINED),
    "consultation_reinstated": ("Back in the diary", Status.PENDING),
    "consultation_completed": ("Aftercare and next session", Status.COMPLETED),
    "staff_new_request": ("Staff: new request", Status.PENDING),
}


def sample_consultation(status: str) -> Consultation:
    """An unsaved consultation with made-up details: no real patient is shown."""
    treatment = (
        Treatment.objects.filter(sessions_max__gt=1).order_by("order", "pk").first()
        or Treatment.objects.order_by("order", "pk").first()
        or Treatment(name="Microneedling", slug="microneedling", sessions_max=3)
    )
    tz = availability.clinic_tz()
    start = timezone.localtime(timezone.now(), tz).replace(
        hour=11, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=3 if status != Status.COMPLETED else 0)
    return Consultation(
        pk=0,
        reference="KH-SAMPLE",
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
        full_name="Sample Patient",
        email="sample.patient@example.com",
        phone="+923000000000",
        contact_preference=Consultation.ContactPreference.WHATSAPP,
        consent_version="sample",
        consented_at=start,
        practitioner=Practitioner(display_name="Dr Sample Instead"),
    )


def render_preview(name: str) -> tuple[str, str]:
    """The text and HTML bodies of email ``name`` for a sample consultation ('' when
    the email is text only)."""
    if name not in PREVIEWS:
        raise Http404("No such email")
    consultation = sample_consultation(PREVIEWS[name][1])
    context = {
        **consultation_context(consultation),
        # Made-up names, as for the patient: no real practitioner is shown either.
        "previous_practitioner": Practitioner(display_name="Dr Sample Asked-For"),
    }
    text = render_to_string(f"emails/{name}.txt", context)
    try:
        html = render_to_string(f"emails/{name}.html", context)
    except Exception:  # a text-only email
        html = ""
    return text, html


def _page(request, model_admin, **extra) -> TemplateResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Email previews",
        "items": [(name, label) for name, (label, _status) in PREVIEWS.items()],
        **extra,
    }
    return TemplateResponse(request, "admin/bookings/outboundemail/previews.html", context)


def email_previews(request, *, model_admin):
    return _page(request, model_admin)


def email_preview(request, name: str, *, model_admin):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    text, html = render_preview(name)
    if request.GET.get("part") == "html" and html:
        response = HttpResponse(html)
        # The email's own HTML runs no script or form; only this site's preview page
        # may frame it (the site's default refuses every frame).
        response["Content-Security-Policy"] = "sandbox"
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response
    return _page(
        request,
        model_admin,
        name=name,
        label=PREVIEWS[name][0],
        subtitle=PREVIEWS[name][0],
        text=text,
        has_html=bool(html),
    )
