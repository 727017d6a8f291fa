"""Who sees the patients, when, and the rooms or devices a treatment needs.

A consultation is booked with one practitioner (and, for a treatment that needs one, one
room): the free times are those at which a practitioner who performs the treatment is
working, not away and not already with someone (with the buffer after each
consultation), inside the clinic's opening hours and outside its closures. A
practitioner who lists no treatments performs every one; one with no working periods
works whenever the clinic is open. So a clinic that never fills these in keeps
booking as before: one patient at a time per practitioner.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bookings.models.rules import Weekday


class Practitioner(models.Model):
    """A clinician or therapist with their own diary."""

    display_name = models.CharField(
        max_length=100, help_text="As patients and staff see it, e.g. Dr Sana Khan."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        help_text="Their staff login, if they have one: the agenda shows them their own "
        "diary first.",
    )
    treatments = models.ManyToManyField(
        "treatments.Treatment",
        blank=True,
        related_name="practitioners",
        help_text="The treatments they perform. Leave empty: every treatment.",
    )
    serving_since = models.DateField(
        default=timezone.localdate,
        help_text="When they joined the clinic: of two equally free, the longer serving is "
        "booked first.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Untick when they leave: no new bookings; their past consultations stay.",
    )

    class Meta:
        ordering = ["serving_since", "pk"]

    def __str__(self) -> str:
        return self.display_name


class WorkingPeriod(models.Model):
    """A period on a weekday when a practitioner works (several a day are fine)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_periods"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField(help_text="Clinic time, e.g. 14:00.")
    ends = models.TimeField(help_text="Clinic time. Their last consultation ends by then.")

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")), name="working_period_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self):
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": "The period must end after it starts."})


class Absence(models.Model):
    """Leave, training or anything else that keeps a practitioner away."""

    class Reason(models.TextChoices):
        LEAVE = "leave", "Leave"
        TRAINING = "training", "Training"
        OTHER = "other", "Other"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="absences"
    )
    starts_at = models.DateTimeField(help_text="Clinic time.")
    ends_at = models.DateTimeField(help_text="Clinic time.")
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.LEAVE)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["ends_at"], name="absence_ends_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} of {self.practitioner}, {self.span_label}"

    @property
    def span_label(self) -> str:
        """When, as reception reads it: "4 – 7 Dec 2026 (whole days)", "4 Dec 2026 (all
        day)" or "4 Dec 2026 09:00 – 13:00" (clinic time)."""
        tz = timezone.get_default_timezone()
        start, end = (timezone.localtime(t, tz) for t in (self.starts_at, self.ends_at))
        if start.time() == end.time() == dt.time.min:
            last = end.date() - dt.timedelta(days=1)
            if last == start.date():
                return f"{start:%-d %b %Y} (all day)"
            return f"{start:%-d %b} – {last:%-d %b %Y} (whole days)"
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%-d %b %Y %H:%M}"
        return f"{start:%-d %b %Y %H:%M} – {until}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The absence must end after it starts."})

    @classmethod
    def whole_days(cls, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The span of the clinic days ``first`` to ``last``, for a day-range absence."""
        tz = timezone.get_default_timezone()
        return (
            dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )


class Room(models.Model):
    """A treatment room or device that holds one patient at a time."""

    name = models.CharField(max_length=100, help_text="e.g. Laser room, or the Dermapen.")
    treatments = models.ManyToManyField(
        "treatments.Treatment",
        blank=True,
        related_name="rooms",
        help_text="The treatments that need this room or device. A treatment listed on "
        "several rooms needs any one of them free.",
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
