"""Sign-in links to a patient's own page of consultations (/my/)."""

import secrets

from django.db import models
from django.db.models import F, Q


def new_sign_in_key() -> str:
    return secrets.token_urlsafe(24)


class PatientSignIn(models.Model):
    """One emailed sign-in link. The link carries only this row's random ``key`` (signed);
    the address it signs in as stays here, so neither the link nor a log of it holds
    patient data. Each use is counted here, so a link forwarded or left in an inbox
    stops working after ``max_uses``; rows are deleted a day after they expire."""

    key = models.CharField(max_length=40, unique=True, default=new_sign_in_key, editable=False)
    email = models.EmailField(help_text="The address the link signs in as (lower case).")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    uses = models.PositiveSmallIntegerField(default=0)
    max_uses = models.PositiveSmallIntegerField(default=3)

    class Meta:
        verbose_name = "patient sign-in link"
        constraints = [
            models.CheckConstraint(
                condition=Q(uses__lte=F("max_uses")), name="patient_sign_in_uses_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"Sign-in link {self.pk}"
