"""Staff members' private calendar feeds."""

import secrets

from django.conf import settings
from django.db import models


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class StaffCalendarFeed(models.Model):
    """A staff member's secret calendar (ICS) address. The token is the only key to the
    feed, so it is long and random; revoking deletes the row, regenerating replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only this practitioner's consultations; empty: the whole clinic's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "staff calendar feed"

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
