import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from clinic.page_cache import CONTENT_VERSION, bump_content_version, shared_value, versions

PROFILE_SLOT = "clinic:profile"


class ClinicProfile(models.Model):
    """The clinic's contact details: one row, edited by staff, shown across the site."""

    name = models.CharField(max_length=120, default="Khan Aesthetic & Laser Clinic")
    tagline = models.CharField(
        max_length=200, blank=True, help_text="A short line under the clinic name on the home page."
    )
    street_address = models.CharField(max_length=200)
    locality = models.CharField(max_length=100, default="Islamabad")
    region = models.CharField(max_length=100, default="Islamabad Capital Territory")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="PK", help_text="Two-letter country code.")
    phone = models.CharField(
        max_length=30, help_text="In international form, e.g. +92 51 1234567; used for tap-to-call."
    )
    whatsapp = models.CharField(max_length=30, blank=True, help_text="Optional WhatsApp number.")
    email = models.EmailField()
    hours_text = models.TextField(
        help_text="Opening hours as patients should read them, one line per day or range."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"

    def __str__(self) -> str:
        return self.name

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    @property
    def hours_lines(self) -> list[str]:
        return [line.strip() for line in self.hours_text.splitlines() if line.strip()]

    @property
    def address_lines(self) -> list[str]:
        tail = " ".join(part for part in (self.locality, self.postal_code) if part)
        return [line for line in (self.street_address, tail) if line]

    @classmethod
    def current(cls) -> "ClinicProfile":
        """The profile, cached under the content version (a saved profile bumps it); a
        default one when staff have not saved any."""
        (version,) = versions(CONTENT_VERSION)

        def build() -> "ClinicProfile":
            return cls.objects.order_by("pk").first() or cls(
                street_address="Islamabad",
                phone="+92 51 0000000",
                email="info@example.com",
                hours_text="",
            )

        return shared_value(PROFILE_SLOT, f"{PROFILE_SLOT}:{version}", build, 60 * 60)


# How long a process may keep the notice in force without asking the shared cache.
NOTICE_TIMEOUT = 60


@dataclass(frozen=True)
class NoticeInForce:
    """The notice in force from its start until ``until`` (the next notice's start)."""

    notice: "PrivacyNotice | None"
    until: dt.datetime | None

    def covers(self, moment: dt.datetime) -> bool:
        started = self.notice is None or self.notice.effective_from <= moment
        return started and (self.until is None or moment < self.until)


class PrivacyNotice(models.Model):
    """A version of the privacy notice. Versions are never edited once patients agreed."""

    version = models.CharField(max_length=20, unique=True, help_text="For example 2026-11.")
    effective_from = models.DateTimeField(default=timezone.now)
    summary = models.TextField(help_text="Two or three sentences shown above the notice.")
    body = models.TextField(help_text="The full notice in Markdown (headings, lists, links).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"Privacy notice {self.version}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The notice is cached with the public pages (see ``current``).
        transaction.on_commit(bump_content_version)

    @classmethod
    def current(
        cls, *, now: dt.datetime | None = None, version: int | None = None
    ) -> "PrivacyNotice | None":
        """The notice in force at ``now``, the one a patient agrees to when booking.

        Cached under the content version, which every saved notice bumps, together with
        the span it is in force for: a notice scheduled for later takes over at its
        start without anyone saving anything. ``version``: the content version, if the
        caller has read it already."""
        now = now or timezone.now()
        if version is None:
            (version,) = versions(CONTENT_VERSION)
        entry = shared_value(
            "clinic:privacy-notice",
            f"clinic:privacy-notice:{version}",
            lambda: cls._in_force_at(now),
            NOTICE_TIMEOUT,
            valid=lambda entry: entry.covers(now),
        )
        return entry.notice

    @classmethod
    def _in_force_at(cls, now: dt.datetime) -> NoticeInForce:
        # One query over every version: a clinic has a handful.
        notice, following = None, None
        for candidate in cls.objects.order_by("effective_from", "pk"):
            if candidate.effective_from <= now:
                notice = candidate
            elif following is None:
                following = candidate.effective_from
        return NoticeInForce(notice, following)
