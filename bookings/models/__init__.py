"""Consultation requests and the rules that say when the clinic can see patients.

Times are stored in UTC and shown in clinic time (Asia/Karachi). Statuses change only
through the functions in ``bookings.services``.
"""

from bookings.models.calendar_feeds import StaffCalendarFeed, new_feed_token
from bookings.models.consultations import (
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    REFERENCE_PREFIX,
    AppendOnlyQuerySet,
    Consultation,
    ConsultationEvent,
    ConsultationNote,
    new_reference,
)
from bookings.models.outbox import OutboundEmail
from bookings.models.patients import PatientSignIn
from bookings.models.practitioners import Absence, Practitioner, Room, WorkingPeriod
from bookings.models.records import AppendOnlyModel, ConsultationAccess, ErasureLog
from bookings.models.rules import (
    MAX_CONSULTATION_MINUTES,
    BookingDay,
    BookingSettings,
    Closure,
    OpeningHours,
    PublicHoliday,
    Weekday,
)
from bookings.models.waitlist import WaitlistEntry, WaitlistOffer

__all__ = [
    "Absence",
    "Practitioner",
    "Room",
    "WorkingPeriod",
    "MAX_CONSULTATION_MINUTES",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "REFERENCE_PREFIX",
    "AppendOnlyModel",
    "AppendOnlyQuerySet",
    "BookingDay",
    "BookingSettings",
    "Closure",
    "Consultation",
    "ConsultationAccess",
    "ConsultationEvent",
    "ConsultationNote",
    "ErasureLog",
    "OpeningHours",
    "OutboundEmail",
    "PatientSignIn",
    "PublicHoliday",
    "StaffCalendarFeed",
    "WaitlistEntry",
    "WaitlistOffer",
    "Weekday",
    "new_feed_token",
    "new_reference",
]
