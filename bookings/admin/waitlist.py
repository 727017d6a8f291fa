"""The waitlist in the back office: who is waiting for which days, the times offered to
each, and reception's two changes, both through ``bookings.services``: offering a free
time by hand, and taking someone off the waitlist (as the patient can). The status
stays read-only."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from bookings import availability, services
from bookings import waitlist as links
from bookings.forms import parse_slot, slot_value
from bookings.models import WaitlistEntry, WaitlistOffer


class CoversDayFilter(admin.SimpleListFilter):
    """Entries whose days include a given day (the agenda links here with ?covers=)."""

    title = "days wanted"
    parameter_name = "covers"

    def lookups(self, request, model_admin):
        today = timezone.localdate(timezone.now(), availability.clinic_tz())
        return [
            (today.isoformat(), "Today"),
            ((today + dt.timedelta(days=1)).isoformat(), "Tomorrow"),
            ("week", "The next 7 days"),
            ("month", "The next 30 days"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        today = timezone.localdate(timezone.now(), availability.clinic_tz())
        spans = {"week": 7, "month": 30}
        if value in spans:
            last = today + dt.timedelta(days=spans[value] - 1)
            return queryset.filter(first_day__lte=last, last_day__gte=today)
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(first_day__lte=day, last_day__gte=day)


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    extra = 0
    can_delete = False
    fields = [
        "starts_at",
        "practitioner",
        "status",
        "expires_at",
        "consultation",
        "offered_by",
        "created_at",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OfferForm(forms.Form):
    starts_at = forms.ChoiceField(label="Free time to hold for the patient")


def free_time_choices(entry: WaitlistEntry) -> list:
    """Free times (clinic time) in the entry's days, those at the parts of day it asked
    for first; any time bookable online may be offered."""
    rules = availability.load_rules()
    now = timezone.now()
    slots = availability.current_free_slots(
        rules,
        now=now,
        treatment_id=entry.treatment_id,
        practitioner_id=links.practitioner_waited_for(rules, entry),
    )
    tz = availability.clinic_tz()
    suits, others = [], []
    for day in sorted(slots):
        if entry.first_day <= day <= entry.last_day:
            for start in slots[day]:
                local = timezone.localtime(start, tz)
                choice = (slot_value(start), f"{local:%a %d %b, %H:%M}")
                (suits if entry.suits(local) else others).append(choice)
    groups = []
    if suits:
        groups.append(("At the times they asked for", suits))
    if others:
        groups.append(("Other times on their days", others))
    return groups


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [
        "joined_at",
        "full_name",
        "treatment",
        "first_day",
        "last_day",
        "times",
        "with_whom",
        "status",
    ]
    list_filter = ["status", "treatment", "practitioner", CoversDayFilter]
    list_select_related = ["treatment", "practitioner"]
    search_fields = ["full_name", "email", "phone"]
    date_hierarchy = "first_day"
    ordering = ["joined_at", "pk"]
    inlines = [WaitlistOfferInline]
    fields = [
        "status",
        "treatment",
        "first_day",
        "last_day",
        "morning",
        "afternoon",
        "evening",
        "practitioner",
        "full_name",
        "email",
        "phone",
        "contact_preference",
        "joined_at",
        "ended_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/bookings/waitlistentry/change_form.html"

    @admin.display(description="Times")
    def times(self, entry: WaitlistEntry) -> str:
        return ", ".join(entry.parts_of_day)

    @admin.display(description="With", ordering="practitioner__display_name")
    def with_whom(self, entry: WaitlistEntry) -> str:
        return entry.practitioner.display_name if entry.practitioner else "Anyone"

    def has_add_permission(self, request):
        return False  # patients join from the site

    def has_delete_permission(self, request, obj=None):
        return False  # taking someone off the waitlist passes their held time on

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        info = "bookings_waitlistentry"
        return [
            path("<int:pk>/offer/", wrap(self.offer_view), name=f"{info}_offer"),
            path("<int:pk>/remove/", wrap(self.remove_view), name=f"{info}_remove"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_change": self.has_change_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def offer_view(self, request, pk: int):
        """Hold a free time for this entry by hand and email them the offer."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(WaitlistEntry.objects.select_related("treatment"), pk=pk)
        change_url = reverse("admin:bookings_waitlistentry_change", args=[entry.pk])
        form = OfferForm(request.POST or None)
        form.fields["starts_at"].choices = free_time_choices(entry)
        if request.method == "POST" and form.is_valid():
            start = parse_slot(form.cleaned_data["starts_at"])
            try:
                offer = services.waitlist_offer_by_hand(
                    entry=entry, starts_at=start, actor=request.user
                )
            except services.BookingError as exc:
                form.add_error("starts_at", str(exc))
            else:
                local = timezone.localtime(offer.starts_at, availability.clinic_tz())
                self.log_change(request, entry, f"Offered {local:%a %d %b %Y %H:%M} by hand")
                self.message_user(
                    request,
                    f"Held {local:%a %d %b, %H:%M} for {entry.full_name} until "
                    f"{timezone.localtime(offer.expires_at, availability.clinic_tz()):%H:%M}; "
                    "they have been emailed.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": entry,
            "title": f"Offer a time to {entry.full_name}",
            "form": form,
            "has_choices": bool(form.fields["starts_at"].choices),
            "hold": links.hold_label(),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/bookings/waitlistentry/offer.html", context)

    def remove_view(self, request, pk: int):
        """Take the entry off the waitlist for the patient (a held time is passed on)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(WaitlistEntry, pk=pk)
        services.waitlist_leave(entry=entry)
        self.log_change(request, entry, "Taken off the waitlist")
        self.message_user(request, f"{entry.full_name} is off the waitlist.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:bookings_waitlistentry_change", args=[pk]))
