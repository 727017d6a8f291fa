"""Consultation requests, their append-only history and staff notes."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from bookings.constraints import PostgreSQLExclusionConstraint, TsTzRange
from bookings.indexes import trigram_index

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

    # The statuses each change may start from, written once: the service functions
    # refuse any other, and the admin offers a change's button only where it applies.
    ALLOWED_FROM = {
        "confirm": (Status.PENDING,),
        "decline": (Status.PENDING,),
        "cancel": (Status.PENDING, Status.CONFIRMED),
        "complete": (Status.CONFIRMED,),
        "no_show": (Status.CONFIRMED,),
        "reinstate": (Status.CANCELLED, Status.DECLINED, Status.NO_SHOW),
        "reschedule": (Status.PENDING, Status.CONFIRMED),
        "reassign": (Status.PENDING, Status.CONFIRMED),
    }

    class ContactPreference(models.TextChoices):
        PHONE = "phone", "Phone call"
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "Email"

    class CancelledBy(models.TextChoices):
        PATIENT = "patient", "The patient"
        CLINIC = "clinic", "The clinic"

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone call"
        WHATSAPP = "whatsapp", "WhatsApp"
        WALK_IN = "walk_in", "Walk-in"

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
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        help_text="Who sees the patient. Reception changes it with “Reassign”.",
    )
    practitioner_chosen = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The patient asked for this practitioner (rather than the first available).",
    )
    room = models.ForeignKey(
        "bookings.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        help_text="The room or device the treatment needs, if any.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    full_name = models.CharField(max_length=100)
    email = models.EmailField(
        blank=True,
        help_text="Optional for a booking taken by phone or at the desk: without one, the "
        "patient hears from the clinic on WhatsApp or by phone, never by email.",
    )
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
    screening_pending = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Booked without the screening questions answered: the patient answers "
        "them from their manage link before the visit.",
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
    # The database default too, so rows written without it (raw SQL, bench fixtures) are
    # online requests, as every request before reception could book one was.
    source = models.CharField(
        max_length=10,
        choices=Source.choices,
        default=Source.ONLINE,
        db_default=Source.ONLINE,
        help_text="How the patient asked: the booking form, a phone call, WhatsApp or at the desk.",
    )
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    # Indexed for the owner's reports, which count requests by the week they came in.
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    course_sessions_done = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="On the latest completed session of a patient's course with nothing booked "
        "after it: the sessions completed so far (bookings.services.courses).",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the patient's details were removed (retention period or erasure).",
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            # The lists filtered by status, in time order (and the first and last time of
            # each, for the date drill-down).
            models.Index(fields=["status", "starts_at"], name="consultation_status_time_idx"),
            # A patient's consultations (their email, any case, for one treatment): the
            # course of sessions, the overdue list and the patients' rights search. Rows
            # anonymised under the retention rules have no email and are left out, so
            # these reads stay the size of the retention period, not of the diary.
            models.Index(
                Upper("email"),
                F("treatment"),
                F("starts_at"),
                condition=~Q(email=""),
                name="consultation_patient_idx",
            ),
            # The sessions that wait for the next one of their course: the overdue list.
            models.Index(
                fields=["starts_at"],
                condition=Q(course_sessions_done__isnull=False),
                name="consultation_awaiting_idx",
            ),
            # The admin's search by part of a reference, name, email or phone (PostgreSQL;
            # see bookings.indexes).
            trigram_index("reference", "consultation_reference_trgm"),
            trigram_index("full_name", "consultation_name_trgm"),
            trigram_index("email", "consultation_email_trgm"),
            trigram_index("phone", "consultation_phone_trgm"),
        ]
        permissions = [
            ("export_consultation", "Can export consultations to CSV"),
            ("record_attendance", "Can mark consultations completed or did not attend"),
            ("handle_data_requests", "Can find, export and erase a patient's data"),
            (
                "view_health_record",
                "Can see screening answers, the patient's message and clinical notes",
            ),
            ("view_reports", "Can see the clinic's reports"),
        ]
        constraints = [
            # The backstop against double booking: a practitioner never has two active
            # consultations at the same start time, nor a room.
            models.UniqueConstraint(
                fields=["starts_at", "practitioner"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="consultation_one_active_per_practitioner",
            ),
            models.UniqueConstraint(
                fields=["starts_at", "room"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="consultation_one_active_per_room",
            ),
            # And on PostgreSQL, no two active consultations overlapping for one
            # practitioner or in one room, whatever their start times (see
            # bookings.constraints).
            PostgreSQLExclusionConstraint(
                name="consultation_no_overlap_per_practitioner",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=["pending", "confirmed"]),
            ),
            PostgreSQLExclusionConstraint(
                name="consultation_no_overlap_per_room",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=["pending", "confirmed"]),
            ),
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


class AppendOnlyQuerySet(models.QuerySet):
    """Rows written once: no queryset may change or delete them in bulk either.

    The retention rules are the one exception, and they go through ``blank_for_retention``
    (see ``bookings.records.consultations_anonymise``), so that the only bulk change to
    an append-only table is written, and reviewed, in one place."""

    def update(self, **kwargs):
        raise ValidationError(f"{self.model._meta.verbose_name} rows cannot be changed.")

    def delete(self):
        raise ValidationError(f"{self.model._meta.verbose_name} rows cannot be deleted.")

    def blank_for_retention(self, **blanks) -> int:
        """Empty the model's ``FREE_TEXT`` fields under the retention rules; nothing
        else may be changed."""
        free_text = getattr(self.model, "FREE_TEXT", ())
        if any(name not in free_text or value != "" for name, value in blanks.items()):
            raise ValidationError("Only free text can be blanked, and only to empty.")
        return super().update(**blanks)


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

    objects = AppendOnlyQuerySet.as_manager()
    # What a patient or staff member may have written about the patient.
    FREE_TEXT = ("note",)

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
