"""The patient's signed manage links (/manage/<token>/).

A link carries only a signed {consultation id, version}: no name, email or reference.
The version goes up after each change the patient makes online, so a used link is
recognised; it expires 30 days after the consultation (or, for a course, 30 days after
the next session falls due).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from bookings.models import Consultation

MANAGE_SALT = "bookings.manage.v1"
MANAGE_DAYS_AFTER = 30


def manage_token(consultation: Consultation) -> str:
    return signing.dumps({"c": consultation.pk, "v": consultation.manage_version}, salt=MANAGE_SALT)


def manage_url(consultation: Consultation) -> str:
    return settings.SITE_URL + reverse("bookings:manage", args=[manage_token(consultation)])


def manage_expires_at(consultation: Consultation) -> dt.datetime:
    expires = consultation.starts_at + dt.timedelta(days=MANAGE_DAYS_AFTER)
    treatment = consultation.treatment
    if consultation.status == Consultation.Status.COMPLETED and treatment.has_course:
        expires += dt.timedelta(weeks=treatment.weeks_between_max)
    return expires


class ManageLinkError(Exception):
    """Why a manage link cannot be used: ``reason`` is invalid, expired or used."""

    def __init__(self, reason: str, consultation: Consultation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.consultation = consultation


def consultation_for_token(token: str, *, now: dt.datetime | None = None) -> Consultation:
    """The consultation a manage link is for; ManageLinkError when tampered with,
    expired or already used."""
    try:
        data = signing.loads(token, salt=MANAGE_SALT)
        pk, version = int(data["c"]), int(data["v"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ManageLinkError("invalid") from exc
    consultation = Consultation.objects.select_related("treatment").filter(pk=pk).first()
    if consultation is None or consultation.anonymised_at is not None:
        raise ManageLinkError("invalid")
    if (now or timezone.now()) > manage_expires_at(consultation):
        raise ManageLinkError("expired", consultation)
    if version != consultation.manage_version:
        raise ManageLinkError("used", consultation)
    return consultation
