"""Calendar (ICS) documents for staff feeds.

The patient's own confirmation .ics is built by ``bookings.emails.calendar_attachment``
(one event with the clinic's address). A staff feed is a different document: many
events, each naming only the patient's first name, the treatment and the reference, so a
calendar synced to a phone holds no surname, contact details or health information.
Both use the same UID for a consultation, so the two never clash in one calendar app.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import Consultation

PRODID = "-//Khan Aesthetic & Laser Clinic//Consultations//EN"


def consultation_uid(consultation: Consultation) -> str:
    # The patient's attachment uses the same UID, so both calendars name one event.
    return f"{consultation.reference}@{settings.SITE_URL.split('//')[-1]}"


def first_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else "Patient"


def feed_event(consultation: Consultation, *, stamp=None) -> Event:
    """One consultation for a staff calendar: first name, treatment, reference only."""
    event = Event()
    event.add("uid", consultation_uid(consultation))
    event.add("dtstamp", stamp or timezone.now())
    # Stored in UTC; calendar apps show it in the viewer's zone (clinic time in Islamabad).
    event.add("dtstart", consultation.starts_at)
    event.add("dtend", consultation.ends_at)
    tentative = consultation.status == Consultation.Status.PENDING
    summary = f"{first_name(consultation.full_name)}: {consultation.treatment.name}"
    event.add("summary", f"{summary} (requested)" if tentative else summary)
    event.add("description", f"Reference {consultation.reference}")
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    return event


def staff_feed(consultations: Iterable[Consultation], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval;value=duration", "PT30M")
    stamp = timezone.now()
    for consultation in consultations:
        calendar.add_component(feed_event(consultation, stamp=stamp))
    return calendar.to_ical()
