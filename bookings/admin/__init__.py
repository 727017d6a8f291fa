"""The bookings back office, one module per area:

- ``consultations``: the consultation list and record (``transitions``: the status
  changes staff make there, all through the service functions; ``filters``, ``forms``)
- ``views``: the agenda, the CSV export and the staff calendar feed
- ``settings``: booking settings with opening hours, and closures
- ``practitioners``: practitioners with their working periods, absences (their own list
  too, for reception) and rooms
- ``outbox``: sent and queued emails, with ``previews`` of each email
- ``calendar_feeds``: who has a calendar address
- ``records``: the record access trail, the erasure log and the patients' rights page
- ``reports``: the owner's reports (counts and rates, in pictures, with CSV)
- ``waitlist``: who waits for which days, the times offered, offering one by hand

Importing the modules registers their admins.
"""

from bookings.admin import (
    calendar_feeds,
    consultations,
    outbox,
    practitioners,
    records,
    reports,
    settings,
    waitlist,
)

__all__ = [
    "calendar_feeds",
    "consultations",
    "outbox",
    "practitioners",
    "records",
    "reports",
    "settings",
    "waitlist",
]
