"""Every change to a consultation. Nothing else writes a consultation's status.

Each function is keyword-only and runs in one transaction: it locks what it changes,
guards the allowed previous states (``Consultation.ALLOWED_FROM``; else
``TransitionNotAllowed``), saves only the fields it changed, appends a
``ConsultationEvent`` and queues the patient's email in the outbox. The email goes out
after the transaction commits (see ``bookings.emails``). Calling a function for a state
already reached changes nothing and sends nothing.

Taking a place (a request, a move, a reinstatement) follows one path on every database:
lock the clinic day's row, count the places taken with the overlap query the free times
use (``availability.overlapping``), then save through the ORM. The lock makes the count
and the write one step for that day; the database's constraints (one key per request,
and on PostgreSQL no two active consultations overlapping in one place) refuse what a
path that forgot the lock would let through.

- ``requests``: a request (``consultation_request``), made online by the patient or by
  reception for a caller or walk-in (confirmed at once, or with screening left for later).
- ``status``: confirm, decline, cancel, complete, no-show, reinstate, move, notes.
- ``reception``: screening answered later from the manage link, a reminder sent by
  WhatsApp.
- ``waitlist``: joining, offers of freed times under the day's lock, the worker's pass;
  ``waitlist_answers``: booking a held time, letting it go, leaving.
- ``courses``: which session of each patient's course waits for the next one (the
  overdue list), refreshed by the others and once a day.
- ``common``: the errors, the screening answer, the day's lock, the place count, the
  history row, the email (none for a patient without an address).
"""

from bookings.services.common import (
    BookingError,
    LinkUsed,
    ScreeningAnswer,
    SlotUnavailable,
    TransitionNotAllowed,
)
from bookings.services.courses import refresh_all_courses, refresh_course
from bookings.services.reception import consultation_mark_reminded, consultation_record_screening
from bookings.services.requests import RequestResult, consultation_request
from bookings.services.status import (
    consultation_add_note,
    consultation_cancel,
    consultation_complete,
    consultation_confirm,
    consultation_decline,
    consultation_mark_no_show,
    consultation_reassign,
    consultation_reinstate,
    consultation_reschedule,
)
from bookings.services.waitlist import (
    OfferNotHeld,
    waitlist_fill,
    waitlist_join,
    waitlist_offer_by_hand,
    waitlist_process,
)
from bookings.services.waitlist_answers import (
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_offer_decline,
)

__all__ = [
    "BookingError",
    "LinkUsed",
    "OfferNotHeld",
    "RequestResult",
    "ScreeningAnswer",
    "SlotUnavailable",
    "TransitionNotAllowed",
    "consultation_add_note",
    "consultation_cancel",
    "consultation_complete",
    "consultation_confirm",
    "consultation_decline",
    "consultation_mark_no_show",
    "consultation_mark_reminded",
    "consultation_record_screening",
    "consultation_reinstate",
    "consultation_request",
    "consultation_reassign",
    "consultation_reschedule",
    "refresh_all_courses",
    "refresh_course",
    "waitlist_fill",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_accept",
    "waitlist_offer_by_hand",
    "waitlist_offer_decline",
    "waitlist_process",
]
