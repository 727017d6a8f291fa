"""The outbox of emails to patients and staff."""

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from bookings.models.consultations import Consultation


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
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            # A patient's emails by their address in any case (the patients' rights
            # search), without reading years of outbox.
            models.Index(Upper("to"), name="outbox_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.subject
