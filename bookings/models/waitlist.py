"""The waitlist: patients waiting for a time to free up, and the times held for them.

How offers are made, passed on and booked is in ``bookings.services.waitlist``.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from phonenumber_field.modelfields import PhoneNumberField

from bookings.models.consultations import Consultation

# Parts of the clinic day (clinic time) a patient may ask for.
NOON = dt.time(12)
FIVE_PM = dt.time(17)


class WaitlistEntry(models.Model):
    """A patient who would like a consultation for a treatment on some days and at some
    parts of the day, if a time frees up. Entries are served in the order they joined."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a time"
        BOOKED = "booked", "Booked"
        EXPIRED = "expired", "Expired"
        LEFT = "left", "Left the waitlist"

    # Entries that may still receive or hold an offer.
    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    first_day = models.DateField(help_text="The first day that suits (clinic time).")
    last_day = models.DateField(help_text="The last day that suits; the entry expires after it.")
    morning = models.BooleanField(default=False, help_text="Before 12:00.")
    afternoon = models.BooleanField(default=False, help_text="From 12:00 to 17:00.")
    evening = models.BooleanField(default=False, help_text="From 17:00.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    full_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = PhoneNumberField()
    contact_preference = models.CharField(
        max_length=10,
        choices=Consultation.ContactPreference.choices,
        default=Consultation.ContactPreference.PHONE,
    )
    consent_version = models.CharField(
        max_length=20, help_text="The privacy notice version the patient agreed to."
    )
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only this practitioner's times are offered. Empty: anyone's.",
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist"
        ordering = ["joined_at", "pk"]
        indexes = [
            # The entries that may take a freed time, in the order they joined.
            models.Index(
                fields=["status", "first_day", "last_day", "joined_at"],
                name="waitlist_waiting_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="waitlist_last_after_first"
            ),
            models.CheckConstraint(
                condition=Q(morning=True) | Q(afternoon=True) | Q(evening=True),
                name="waitlist_some_part_of_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist place {self.pk}"

    @property
    def days_label(self) -> str:
        """The days as patients read them: "Saturday 5 December 2026", "5 to 12 December
        2026", "28 November to 5 December 2026"."""
        first, last = self.first_day, self.last_day
        if first == last:
            return f"{first:%A} {first.day} {first:%B %Y}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day} to {last.day} {last:%B %Y}"
        start = (
            f"{first.day} {first:%B}" if first.year == last.year else f"{first.day} {first:%B %Y}"
        )
        return f"{start} to {last.day} {last:%B %Y}"

    @property
    def parts_of_day(self) -> list[str]:
        return [
            label
            for wanted, label in (
                (self.morning, "morning"),
                (self.afternoon, "afternoon"),
                (self.evening, "evening"),
            )
            if wanted
        ]

    def suits(self, local: dt.datetime) -> bool:
        """Whether a start (clinic time) is on one of the entry's days and parts of day."""
        if not self.first_day <= local.date() <= self.last_day:
            return False
        moment = local.time()
        if moment < NOON:
            return self.morning
        return self.afternoon if moment < FIVE_PM else self.evening


class WaitlistOffer(models.Model):
    """A time held for one waitlist entry until ``expires_at``. While held it counts as a
    taken place, in the free times and under the day's lock; it never lasts past the
    start of the notice period, so the patient can still book it when they say yes."""

    class Status(models.TextChoices):
        HELD = "held", "Held for the patient"
        ACCEPTED = "accepted", "Booked"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Not answered in time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Whose time is held, as for consultations.",
    )
    room = models.ForeignKey(
        "bookings.Room", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(help_text="The hold ends then if not answered.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The consultation booked from this offer.",
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the site offered the time by itself.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # Holds overlapping a time (free times, the place count) and lapsed holds.
            models.Index(fields=["status", "starts_at"], name="waitlist_offer_held_idx"),
            models.Index(fields=["status", "expires_at"], name="waitlist_offer_expiry_idx"),
        ]
        constraints = [
            # Each entry is offered each time once.
            models.UniqueConstraint(
                fields=["entry", "starts_at"], name="waitlist_offer_once_per_entry"
            ),
            # One held offer per entry at a time.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="held"), name="waitlist_one_held_per_entry"
            ),
            # A practitioner's time is held for one entry at a time.
            models.UniqueConstraint(
                fields=["starts_at", "practitioner"],
                condition=Q(status="held"),
                name="waitlist_one_hold_per_practitioner",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__lte=F("starts_at")), name="waitlist_hold_before_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk}"
