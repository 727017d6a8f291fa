"""A diary of many consultations, for the growth benchmark (bench/growth.py) and the tests
that read query plans over a large table. PostgreSQL only; benchmark fixtures only: the
rows are written with one ``INSERT ... SELECT generate_series`` each, never the way the
product writes them (the service functions).

What a diary of years looks like, so the plans the measurements see are the ones a real
clinic's database would give:

- **The past**: ``PER_DAY`` consultations a day going back as far as the size needs,
  most completed, the rest cancelled (by the patient or the clinic, with a reason),
  declined, not attended, or left pending or confirmed by staff who never closed them.
  Patients come back for courses of one to six sessions five weeks apart (one email per
  patient). What is older than the retention period is anonymised, as ``purge_expired``
  run daily leaves it (name "Anonymised", no email, phone or message).
- **References** are the product's kind ("KH-" and six letters or digits), generated
  from the row's number without repeats and never starting with "A", so that a test may
  add rows starting with "A" (``FREE_REFERENCE_START``) that clash with none.
- **The future**: the bookable weeks partly booked on the opening-hours grid (about one
  time in three), plus some cancelled requests. Active consultations never overlap for
  one practitioner (the database's ``consultation_no_overlap_per_practitioner``): future
  ones are the first practitioner's, at distinct times of the grid, and past ones left
  active (by staff who never closed them) have no practitioner recorded.

``fill_to(total)`` tops the table up to ``total`` rows (past rows extend the history
further back), so one database serves 0, 50,000 and 500,000 in turn.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

PER_DAY = 24  # past consultations a day, 20 minutes apart from 10:00 clinic time
FUTURE_BOOKED_EVERY = 3  # one start in three of the bookable weeks is taken
FUTURE_CANCELLED_EVERY = 5  # and one in five has a cancelled request too
SESSION_GAP_DAYS = 35
FUTURE_DOMAIN = "@future.example.com"  # marks the future part, made once
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
FREE_REFERENCE_START = "KH-A"  # no generated past reference starts so
FIRST_NAMES = [
    "Ayesha", "Fatima", "Zainab", "Maryam", "Hira", "Sana", "Amna", "Mahnoor", "Iqra",
    "Noor", "Ali", "Ahmed", "Hamza", "Usman", "Bilal", "Saad", "Omar", "Hassan", "Zara",
    "Alina",
]  # fmt: skip
LAST_NAMES = [
    "Khan", "Ahmed", "Malik", "Hussain", "Qureshi", "Sheikh", "Butt", "Chaudhry", "Raza",
    "Siddiqui", "Iqbal", "Mirza", "Abbasi", "Javed", "Anwar",
]  # fmt: skip
REASONS = [
    "Travelling that week",
    "Feeling unwell",
    "Booked another date by phone",
    "Clinic closed for a public holiday",
    "Changed her mind",
    "Practitioner unavailable",
]

# One row per i: d = days before today, s = the row's place in that day.
PAST_SQL = """
WITH g AS (
    SELECT i, (i - 1) / %(per_day)s + 1 AS d, (i - 1) %% %(per_day)s AS s,
           ((i * 37) %% 100) AS roll
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
), p AS (
    SELECT g.*, 1 + ((d %% %(gap)s) + s) %% 6 AS sessions FROM g
), q AS (
    SELECT p.*,
           (d / (%(gap)s * sessions)) * %(gap)s * %(per_day)s + (d %% %(gap)s) * %(per_day)s + s
               AS patient,
           ((%(today)s::date - d::int) + time '10:00' + s * interval '20 minutes')
               AT TIME ZONE %(tz)s AS starts_at,
           CASE WHEN roll < 68 OR roll >= 94 THEN 'completed'
                WHEN roll < 80 THEN 'cancelled'
                WHEN roll < 86 THEN 'no_show'
                WHEN roll < 90 THEN 'declined'
                WHEN roll < 92 THEN 'pending'
                ELSE 'confirmed' END AS status
    FROM p
), r AS (
    SELECT q.*, starts_at < %(retained_from)s AS anonymised FROM q
)
INSERT INTO bookings_consultation (
    reference, treatment_id, starts_at, ends_at, practitioner_id, status, full_name, email, phone,
    contact_preference, message, screening_answers, flagged, consent_version, consented_at,
    manage_version, reminder_sent_at, cancelled_by, cancellation_reason, created_at,
    updated_at, anonymised_at
)
SELECT
    'KH-' || (
        SELECT substr(%(alphabet)s, 2 + (n / 9765625)::int, 1)
               || string_agg(substr(%(alphabet)s, ((n / (25 ^ k)::bigint) %% 25)::int + 1, 1),
                             '' ORDER BY k DESC)
        FROM (SELECT (i * 7919 + 104729) %% 234375000 AS n) AS x, generate_series(0, 4) AS k
        GROUP BY n
    ),
    %(treatment)s, starts_at, starts_at + interval '30 minutes',
    CASE WHEN status IN ('pending', 'confirmed') THEN NULL ELSE %(practitioner)s END,
    status,
    CASE WHEN anonymised THEN 'Anonymised'
         ELSE (%(first_names)s::text[])[1 + patient %% %(n_first)s] || ' '
              || (%(last_names)s::text[])[1 + (patient / %(n_first)s) %% %(n_last)s] END,
    CASE WHEN anonymised THEN '' ELSE 'patient' || patient || '@example.com' END,
    CASE WHEN anonymised THEN '' ELSE '+92300' || lpad((patient %% 10000000)::text, 7, '0') END,
    (ARRAY['phone', 'whatsapp', 'email'])[1 + i %% 3],
    '', '[]'::jsonb, i %% 13 = 0, '2026-11', starts_at - (1 + i %% 20) * interval '1 day', 0,
    CASE WHEN status = 'completed' THEN starts_at - interval '1 day' END,
    CASE WHEN status = 'cancelled' THEN (ARRAY['patient', 'clinic'])[1 + i %% 2] ELSE '' END,
    CASE WHEN status = 'cancelled' AND NOT anonymised
         THEN (%(reasons)s::text[])[1 + i %% %(n_reasons)s] ELSE '' END,
    starts_at - (1 + i %% 20) * interval '1 day',
    starts_at + interval '2 hours',
    CASE WHEN anonymised THEN starts_at + interval '25 months' END
FROM r
ON CONFLICT DO NOTHING
"""


def spare_reference(series: str, n: int) -> str:
    """The ``n``-th reference of a ``series`` (one letter of the alphabet) that clashes
    with no generated past one: "KH-A", the series, ``n`` in four letters."""
    digits = []
    for _ in range(4):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[digit])
    return FREE_REFERENCE_START + series + "".join(reversed(digits))


def _practitioner_id() -> int:
    """The clinic's first practitioner, who saw the past and is booked in the future."""
    from bookings.models import Practitioner

    return Practitioner.objects.order_by("serving_since", "pk").values_list("pk", flat=True)[0]


def _treatment_id() -> int:
    from treatments.models import Treatment

    treatment = Treatment.objects.filter(slug="microneedling").first() or Treatment.objects.first()
    if treatment is None:
        raise SystemExit("No treatment to book: migrate first (it seeds microneedling).")
    return treatment.pk


def _today_midnight() -> dt.datetime:
    from bookings import availability

    tz = availability.clinic_tz()
    return dt.datetime.combine(timezone.localdate(timezone.now(), tz), dt.time.min, tzinfo=tz)


def _next_past_row(past, midnight: dt.datetime) -> int:
    """The ``i`` after the oldest past row's: rows are numbered back from yesterday."""
    from bookings import availability

    tz = availability.clinic_tz()
    oldest = past.order_by("starts_at").values_list("starts_at", flat=True).first()
    if oldest is None:
        return 1
    day = dt.datetime.combine(timezone.localdate(oldest, tz), dt.time.min, tzinfo=tz)
    # The oldest day was filled from its first place up to its latest row.
    latest = timezone.localtime(
        past.filter(starts_at__lt=day + dt.timedelta(days=1)).latest("starts_at").starts_at, tz
    )
    days = (midnight.date() - day.date()).days
    place = (latest.hour * 60 + latest.minute - 10 * 60) // 20
    return (days - 1) * PER_DAY + place + 2


def add_past(count: int, *, first: int = 1) -> None:
    """``count`` past consultations, the ``first``-th row counted back from yesterday.
    A generated reference that a booking already holds (one chance in hundreds of
    millions per pair) is skipped with its row (ON CONFLICT DO NOTHING)."""
    if count <= 0:
        return
    from bookings import availability
    from bookings.models import BookingSettings
    from bookings.records import months_before

    settings_row = BookingSettings.load()
    today = timezone.localdate(timezone.now(), availability.clinic_tz())
    params = {
        "first": first,
        "last": first + count - 1,
        "per_day": PER_DAY,
        "gap": SESSION_GAP_DAYS,
        "today": today.isoformat(),
        "tz": str(availability.clinic_tz()),
        "retained_from": months_before(timezone.now(), settings_row.retention_months),
        "alphabet": REFERENCE_ALPHABET,
        "treatment": _treatment_id(),
        "practitioner": _practitioner_id(),
        "first_names": FIRST_NAMES,
        "last_names": LAST_NAMES,
        "n_first": len(FIRST_NAMES),
        "n_last": len(LAST_NAMES),
        "reasons": REASONS,
        "n_reasons": len(REASONS),
    }
    with connection.cursor() as cursor:
        cursor.execute(PAST_SQL, params)


def add_future() -> int:
    """The bookable weeks partly booked, on the grid, one practitioner; returns the rows added.
    Their emails end in ``FUTURE_DOMAIN``, so ``fill_to`` makes them once."""
    from bookings import availability
    from bookings.models import Consultation

    rules = availability.load_rules()
    now = timezone.now()
    first, last = availability.first_and_last_day(rules, now)
    treatment = _treatment_id()
    practitioner = _practitioner_id()
    # Times already held (the benchmark books some before the diary is filled) are left
    # as they are, so no two active consultations share a place.
    held = set(
        Consultation.objects.filter(
            status__in=Consultation.ACTIVE_STATUSES, starts_at__gte=now
        ).values_list("starts_at", flat=True)
    )
    starts = [
        start
        for offset in range((last - first).days + 1)
        for start in availability.day_starts(rules, first + dt.timedelta(days=offset))
        if start > now + rules.min_notice and start not in held
    ]
    rows = []
    for n, start in enumerate(starts):
        patient = 900_000_000 + n
        common = {
            "treatment_id": treatment,
            "starts_at": start,
            "reference": spare_reference("A", 2 * n),
            "ends_at": start + rules.length,
            "full_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
            "email": f"patient{patient}{FUTURE_DOMAIN}",
            "phone": f"+92301{patient % 10_000_000:07d}",
            "consent_version": "2026-11",
            "consented_at": now,
        }
        if n % FUTURE_BOOKED_EVERY == 0:
            status = Consultation.Status.CONFIRMED if n % 2 else Consultation.Status.PENDING
            rows.append(Consultation(status=status, practitioner_id=practitioner, **common))
        if n % FUTURE_CANCELLED_EVERY == 0:
            rows.append(
                Consultation(
                    status=Consultation.Status.CANCELLED,
                    cancelled_by=Consultation.CancelledBy.PATIENT,
                    cancellation_reason=REASONS[n % len(REASONS)],
                    practitioner_id=practitioner,
                    **{**common, "reference": spare_reference("A", 2 * n + 1)},
                )
            )
    Consultation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def fill_to(total: int) -> dict:
    """Top the diary up to ``total`` consultations; returns what it holds afterwards.
    The future part comes first (it is bounded by the grid), the past makes up the rest."""
    from bookings.models import Consultation

    midnight = _today_midnight()
    if total > 0 and not Consultation.objects.filter(email__endswith=FUTURE_DOMAIN).exists():
        add_future()
    past = Consultation.objects.filter(starts_at__lt=midnight)
    future = Consultation.objects.filter(starts_at__gte=midnight).count()
    add_past(total - past.count() - future, first=_next_past_row(past, midnight))
    # The rows were written in bulk, not through the services: each course's waiting
    # session is marked as the services and the daily pass would have left it.
    from bookings.services import refresh_all_courses

    waiting = refresh_all_courses()
    with connection.cursor() as cursor:
        # VACUUM (the visibility map, for index-only scans) cannot run in a transaction,
        # as in a test; there the statistics alone are brought up to date.
        vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{vacuum} bookings_consultation")
    return {
        "consultations": Consultation.objects.count(),
        "past": Consultation.objects.filter(starts_at__lt=midnight).count(),
        "future": Consultation.objects.filter(starts_at__gte=midnight).count(),
        "anonymised": Consultation.objects.filter(anonymised_at__isnull=False).count(),
        "active": Consultation.objects.filter(status__in=Consultation.ACTIVE_STATUSES).count(),
        "between_sessions": waiting,
    }
