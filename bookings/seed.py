"""Default booking rules, so a fresh install takes consultation requests at once."""

import datetime as dt

# Monday to Friday 10:00–13:00 and 14:00–19:00, Saturday 10:00–16:00, Sunday closed.
DEFAULT_HOURS: list[tuple[int, dt.time, dt.time]] = [
    *[(day, dt.time(10), dt.time(13)) for day in range(5)],
    *[(day, dt.time(14), dt.time(19)) for day in range(5)],
    (5, dt.time(10), dt.time(16)),
]
DEFAULT_SETTINGS = {
    "consultation_minutes": 30,
    "buffer_minutes": 15,
    "min_notice_hours": 12,
    "max_days_ahead": 60,
}


def ensure_booking_defaults(apps=None) -> None:
    """Create the booking settings and opening hours if there are none (idempotent).

    ``apps`` is the migration state when called from a data migration.
    """
    if apps is None:
        from bookings.models import BookingSettings, OpeningHours
    else:
        BookingSettings = apps.get_model("bookings", "BookingSettings")
        OpeningHours = apps.get_model("bookings", "OpeningHours")
    settings_row, _ = BookingSettings.objects.get_or_create(pk=1, defaults=DEFAULT_SETTINGS)
    if not OpeningHours.objects.exists():
        OpeningHours.objects.bulk_create(
            OpeningHours(settings_id=settings_row.pk, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in DEFAULT_HOURS
        )
    ensure_a_practitioner(apps)


def ensure_a_practitioner(apps=None) -> None:
    """A clinic with no practitioner yet gets one, who performs every treatment in all
    opening hours, so that consultations can be booked before anyone is named."""
    if apps is None:
        from bookings.models import Practitioner
    else:
        try:
            Practitioner = apps.get_model("bookings", "Practitioner")
        except LookupError:  # the migrations before practitioners existed
            return
    if not Practitioner.objects.exists():
        Practitioner.objects.create(display_name="Practitioner 1")
