"""When the clinic sees patients: the booking settings, opening hours, closures, and
the day row that bookings lock."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

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
    holiday = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="The public holiday this closure was added for, if it was added that way.",
    )
    estimated = models.BooleanField(
        default=False,
        help_text="A lunar holiday whose date is not yet announced. When it is, move the "
        "days if they changed and untick this.",
    )

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


class PublicHoliday(models.Model):
    """A public holiday already added to the closures, so adding the holidays again
    never adds it twice, nor brings back a closure staff deleted (the clinic opens that
    day after all)."""

    key = models.CharField(max_length=150, unique=True, help_text="Holiday name and year.")
    name = models.CharField(max_length=100)
    first_day = models.DateField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_day"]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%d %b %Y})"


class BookingDay(models.Model):
    """One row per clinic day that has bookings: the row locked while a time is taken.

    Locking it (an upsert that takes the row lock) serialises bookings for that day, so
    counting the consultations already there and adding one cannot interleave with
    another request.
    """

    date = models.DateField(unique=True)

    def __str__(self) -> str:
        return str(self.date)
