"""Health records: who opened a patient's record, and erasures carried out."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from bookings.models.consultations import AppendOnlyQuerySet, Consultation


class AppendOnlyModel(models.Model):
    """A record written once: saving again or deleting raises, one by one or in bulk."""

    objects = AppendOnlyQuerySet.as_manager()

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

    def __str__(self) -> str:
        return f"Erasure {self.at:%d %b %Y %H:%M}"
