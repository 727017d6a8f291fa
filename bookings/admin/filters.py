"""Changelist filters for consultations: by clinic-time period and by overdue course."""

import datetime as dt

from django.contrib import admin
from django.utils import timezone

from bookings import availability, selectors


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


class NextSessionOverdueFilter(admin.SimpleListFilter):
    """The last session of each patient overdue for the next one of their course."""

    title = "next session"
    parameter_name = "next_session"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(selectors.overdue_condition())
        return queryset
