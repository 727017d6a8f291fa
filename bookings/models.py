"""Consultation requests and the rules that say when the clinic can see patients.

Times are stored in UTC and shown in clinic time (Asia/Karachi). Statuses change only
through the functions in ``bookings/services.py``.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

# Letters and digits nobody confuses when reading a reference over the phone
# (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 6
REFERENCE_PREFIX = "KH-"


def new_reference() -> str:
    """A short, random, non-sequential reference such as KH-7F3K2Q."""
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


# Bounds how far back a consultation overlapping a given time can start, so that lookups
# by time use a narrow index range however many bookings the diary holds.
MAX_CONSULTATION_MINUTES = 8 * 60


class BookingSettings(models.Model):
    """How consultations are booked: one row, edited by staff in admin."""

    SINGLETON_PK = 1

    consultation_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="How long a consultation lasts."
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=15,
        help_text="Time kept free after each consultation for notes and cleaning the room.",
    )
    capacity = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many consultations can run at the same time (clinicians and rooms free).",
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        default=12, help_text="Patients cannot book a time sooner than this many hours ahead."
    )
    patient_change_notice_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Patients can cancel or move a consultation online until this many hours "
        "before it; after that the page asks them to call.",
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        default=24,
        help_text="How many hours before a confirmed consultation the reminder email "
        "(with the preparation advice) is sent.",
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        default=60, help_text="Patients can book at most this many days ahead."
    )
    retention_months = models.PositiveSmallIntegerField(
        default=24,
        help_text=(
            "Months after a request's last activity before purge_expired anonymises it "
            "(name, contact details, answers and notes removed; statistics kept)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "booking settings"
        verbose_name_plural = "booking settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(consultation_minutes__gte=5), name="booking_settings_length_min"
            ),
            models.CheckConstraint(
                condition=Q(consultation_minutes__lte=MAX_CONSULTATION_MINUTES),
                name="booking_settings_length_max",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="booking_settings_capacity"),
            models.CheckConstraint(
                condition=Q(max_days_ahead__gte=1), name="booking_settings_days_ahead"
            ),
        ]

    def __str__(self) -> str:
        return "Booking settings"

    def clean(self):
        errors = {}
        if self.consultation_minutes is not None and self.consultation_minutes < 5:
            errors["consultation_minutes"] = "A consultation needs at least 5 minutes."
        if (
            self.consultation_minutes is not None
            and self.consultation_minutes > MAX_CONSULTATION_MINUTES
        ):
            errors["consultation_minutes"] = (
                f"A consultation can last at most {MAX_CONSULTATION_MINUTES // 60} hours."
            )
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = "At least one consultation must be possible at a time."
        if self.max_days_ahead is not None and self.max_days_ahead < 1:
            errors["max_days_ahead"] = "Allow booking at least one day ahead."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "BookingSettings":
        obj, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return obj


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """A period on a weekday when consultations can be booked. A day may have several."""

    settings = models.ForeignKey(
        BookingSettings, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField(help_text="Clinic time, e.g. 10:00.")
    closes = models.TimeField(
        help_text="Clinic time. The last consultation ends by this time, e.g. 13:00."
    )

    class Meta:
        verbose_name = "opening hours"
        verbose_name_plural = "opening hours"
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_hours_closes_after_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})


class Closure(models.Model):
    """Days the clinic takes no consultations: holidays, training, Eid."""

    starts_on = models.DateField(help_text="First closed day (clinic time).")
    ends_on = models.DateField(help_text="Last closed day; the same as the first for one day.")
    reason = models.CharField(max_length=200, help_text="For staff, e.g. Eid ul-Fitr.")

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="closure_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%d %b %Y}: {self.reason}"
        return f"{self.starts_on:%d %b %Y} to {self.ends_on:%d %b %Y}: {self.reason}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The last closed day cannot be before the first."})


class BookingDay(models.Model):
    """One row per clinic day that has bookings: the row locked while a time is taken.

    Locking it (an upsert that takes the row lock) serialises bookings for that day, so
    counting the consultations already there and adding one cannot interleave with
    another request.
    """

    date = models.DateField(unique=True)

    def __str__(self) -> str:
        return str(self.date)


class Consultation(models.Model):
    """A patient's request for a consultation, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Requested, awaiting confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        DECLINED = "declined", "Declined by the clinic"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "Did not attend"

    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED)

    class ContactPreference(models.TextChoices):
        PHONE = "phone", "Phone call"
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "Email"

    class CancelledBy(models.TextChoices):
        PATIENT = "patient", "The patient"
        CLINIC = "clinic", "The clinic"

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    idempotency_key = models.UUIDField(
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="From the booking form, so a repeated submission creates nothing new.",
    )
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="consultations"
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    seat = models.PositiveSmallIntegerField(
        default=1, editable=False, help_text="Which of the parallel places this one takes."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    full_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = PhoneNumberField()
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.PHONE
    )
    message = models.TextField(blank=True, help_text="What the patient wrote about their skin.")
    screening_answers = models.JSONField(
        default=list,
        blank=True,
        help_text="The screening questions as asked, with the patient's answers.",
    )
    flagged = models.BooleanField(
        default=False,
        help_text=(
            "Set when the patient answered yes to a screening question: a clinician reviews it."
        ),
    )
    consent_version = models.CharField(
        max_length=20, help_text="The privacy notice version the patient agreed to."
    )
    consented_at = models.DateTimeField()
    manage_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Goes up after each change the patient makes online, so a used manage "
        "link stops working.",
    )
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the reminder email was queued."
    )
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the patient's details were removed (retention period or erasure).",
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            # The backstop against double booking: two active consultations never hold
            # the same place at the same start time.
            models.UniqueConstraint(
                fields=["starts_at", "seat"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="consultation_one_active_per_seat",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="consultation_seat_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="consultation_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def flagged_answers(self) -> list[dict]:
        return [a for a in self.screening_answers if a.get("answer") == "yes"]


class ConsultationEvent(models.Model):
    """An append-only record of each change to a consultation: who, when, from what."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient or the system made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    previous_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.previous_status or 'new'} → {self.new_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Consultation events cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Consultation events cannot be deleted.")


class ConsultationNote(models.Model):
    """An internal note by staff; never shown to the patient."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note {self.created_at:%d %b %Y %H:%M}"


class OutboundEmail(models.Model):
    """The outbox: each email is written here in the same transaction as the change it
    reports, then sent after commit and retried until delivered."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up after many attempts"

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    template = models.CharField(
        max_length=60,
        blank=True,
        help_text="Set when the bodies are rendered from the consultation at sending time.",
    )
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(
        default=list, blank=True, help_text="Files as {filename, mimetype, content (base64)}."
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )
    # The worker's lookup (status, next_attempt_at) has its own index below.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="The kind of failure only; never patient data."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outbound email"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return self.subject


# --- Health records (issue 7) ----------------------------------------------------------


class AppendOnlyModel(models.Model):
    """A record written once: saving again or deleting raises."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{self._meta.verbose_name} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._meta.verbose_name} rows cannot be deleted.")


class ConsultationAccess(AppendOnlyModel):
    """Who opened a consultation's record in the back office, and when. Append-only."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="accesses"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "record access"
        verbose_name_plural = "record access trail"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.consultation_id} viewed {self.at:%d %b %Y %H:%M}"


class ErasureLog(AppendOnlyModel):
    """That an erasure request was carried out: who, when, how much. Nothing about the
    patient (no email, no hash of it, no reference) is kept here."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    consultations = models.PositiveIntegerField(default=0)
    emails = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "erasure log entry"
        verbose_name_plural = "erasure log"
        default_permissions = ("view",)
        # Lives here rather than on Consultation: ``bookings.handle_data_requests``.
        permissions = [
            ("handle_data_requests", "Can find, export and erase a patient's data"),
        ]

    def __str__(self) -> str:
        return f"Erasure {self.at:%d %b %Y %H:%M}"


# --- Back office (issue 5) -------------------------------------------------------------


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class StaffCalendarFeed(models.Model):
    """A staff member's secret calendar (ICS) address. The token is the only key to the
    feed, so it is long and random; revoking deletes the row, regenerating replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "staff calendar feed"
        # Back-office permissions live here rather than on Consultation (whose Meta other
        # issues also change): ``bookings.export_consultation``, ``bookings.record_attendance``.
        permissions = [
            ("export_consultation", "Can export consultations to CSV"),
            ("record_attendance", "Can mark consultations completed or did not attend"),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
