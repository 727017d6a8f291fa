"""Status changes staff make in the admin: as list actions on the selected consultations
and as buttons and pages on one consultation.

Each change calls its service function, which guards the statuses it may start from
(``Consultation.ALLOWED_FROM``), and is written to the admin history. The status field
itself stays read-only.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from bookings import availability, selectors, services
from bookings.admin.forms import CancelForm, ReassignForm, RescheduleForm
from bookings.models import Consultation


@dataclass(frozen=True)
class Transition:
    """A status change staff can make, the service behind it and who may make it."""

    name: str  # a key of Consultation.ALLOWED_FROM
    service: Callable
    label: str  # the button
    done: str  # the message: "Confirmed: KH-…"
    permission: str  # "change" or "record_attendance" (ModelAdmin.has_<x>_permission)

    @property
    def from_statuses(self) -> tuple[str, ...]:
        return Consultation.ALLOWED_FROM[self.name]


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("confirm", services.consultation_confirm, "Confirm", "Confirmed", "change"),
        Transition("decline", services.consultation_decline, "Decline", "Declined", "change"),
        Transition(
            "complete",
            services.consultation_complete,
            "Mark completed",
            "Marked completed",
            "record_attendance",
        ),
        Transition(
            "no_show",
            services.consultation_mark_no_show,
            "Mark did not attend",
            "Marked did not attend",
            "record_attendance",
        ),
        Transition(
            "reinstate", services.consultation_reinstate, "Reinstate", "Reinstated", "change"
        ),
    ]
}


def can_cancel(consultation: Consultation) -> bool:
    return consultation.status in Consultation.ALLOWED_FROM["cancel"]


def can_reschedule(consultation: Consultation) -> bool:
    return consultation.status in Consultation.ALLOWED_FROM["reschedule"]


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


# --- list actions ------------------------------------------------------------------------


def bulk_action(transition: Transition):
    """The list action for ``transition``, named after its service
    (``action_consultation_confirm``) and offered only to those who may make it."""

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


@admin.action(description="Cancel the selected consultations…", permissions=["change"])
def cancel_selected(modeladmin, request, queryset):
    """First shows a page asking for the reason, then cancels through the service."""
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        apply_to_each(
            modeladmin,
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
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": "Cancel consultations",
            "form": form,
            "consultations": queryset.select_related("treatment"),
            "bulk": True,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="Move the selected consultation to another time…", permissions=["change"])
def reschedule_selected(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(
            request, "Choose exactly one consultation to move.", messages.WARNING
        )
        return None
    return HttpResponseRedirect(
        reverse("admin:bookings_consultation_reschedule", args=[queryset.get().pk])
    )


# --- one consultation's pages --------------------------------------------------------
# Wired in ``ConsultationAdmin.get_urls`` with ``model_admin`` bound.


def consultation_or_404(request, pk, model_admin) -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("treatment"), pk=pk)
    if not model_admin.has_view_permission(request, consultation):
        raise PermissionDenied
    return consultation


def back_to(consultation: Consultation) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("admin:bookings_consultation_change", args=[consultation.pk])
    )


def transition_view(request, pk, name, *, model_admin):
    """A button on the consultation page: POST only, through the service."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise Http404
    consultation = consultation_or_404(request, pk, model_admin)
    if not model_admin.has_transition_permission(request, transition):
        raise PermissionDenied
    apply_to_each(
        model_admin,
        request,
        Consultation.objects.filter(pk=consultation.pk),
        transition.done,
        lambda c: transition.service(consultation=c, actor=request.user),
    )
    return back_to(consultation)


def cancel_view(request, pk, *, model_admin):
    consultation = consultation_or_404(request, pk, model_admin)
    if not model_admin.has_change_permission(request, consultation):
        raise PermissionDenied
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        apply_to_each(
            model_admin,
            request,
            Consultation.objects.filter(pk=consultation.pk),
            "Cancelled",
            lambda c: services.consultation_cancel(
                consultation=c, reason=form.cleaned_data["reason"], actor=request.user
            ),
        )
        return back_to(consultation)
    return TemplateResponse(
        request,
        "admin/bookings/consultation/cancel.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"Cancel {consultation.reference}",
            "form": form,
            "consultations": [consultation],
            "original": consultation,
            "bulk": False,
        },
    )


def reschedule_view(request, pk, *, model_admin):
    consultation = consultation_or_404(request, pk, model_admin)
    if not model_admin.has_change_permission(request, consultation):
        raise PermissionDenied
    choices = selectors.staff_free_times(consultation)
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
            model_admin.log_change(request, moved, message)
            model_admin.message_user(request, f"{moved.reference}: {message}.", messages.SUCCESS)
            return back_to(moved)
    return TemplateResponse(
        request,
        "admin/bookings/consultation/reschedule.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"Move {consultation.reference} to another time",
            "form": form,
            "original": consultation,
            "current": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
            "has_choices": any(times for _, times in choices),
        },
    )


def reassign_view(request, pk, *, model_admin):
    """Give the consultation to another practitioner free at its time (the service
    checks again under the day's lock)."""
    consultation = consultation_or_404(request, pk, model_admin)
    if not model_admin.has_change_permission(request, consultation):
        raise PermissionDenied
    free = selectors.practitioners_free_for(consultation)
    form = ReassignForm(request.POST or None, practitioners=free)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.consultation_reassign(
                consultation=consultation,
                practitioner=form.cleaned_data["practitioner"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except services.BookingError as exc:
            form.add_error("practitioner", str(exc))
        else:
            message = f"Reassigned to {moved.practitioner}"
            model_admin.log_change(request, moved, message)
            model_admin.message_user(request, f"{moved.reference}: {message}.", messages.SUCCESS)
            return back_to(moved)
    return TemplateResponse(
        request,
        "admin/bookings/consultation/reassign.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"Reassign {consultation.reference}",
            "form": form,
            "original": consultation,
            "current": timezone.localtime(consultation.starts_at, availability.clinic_tz()),
            "has_choices": bool(free),
        },
    )
