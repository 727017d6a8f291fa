# Run by bench/growth.py through `manage.py shell -c`, in the benchmark's environment.
# Prints one PROBE_JSON line. GROWTH_PROBE says what for:
#   "reads": times the reads that no page isolates (median of GROWTH_REPEAT calls, ms):
#            the free-time computation (uncached), the overdue selectors and the
#            patients' rights search; and picks what the pages will ask for (a
#            reference, a patient's name, email and phone, days for the agenda, the
#            export and the booking page); and the owner's reports.
#   "move":  a consultation the benchmark booked and two free times to move it between.
#   "staff": a superuser with a confirmed authenticator device (its key, for the code).
import datetime as dt
import json
import os
import statistics
import time

from django.db import connection
from django.utils import timezone

from bookings import availability, records, selectors
from bookings.models import Consultation
from bookings.reports import build_report

mode = os.environ.get("GROWTH_PROBE", "reads")
repeat = int(os.environ.get("GROWTH_REPEAT", "15"))
tz = availability.clinic_tz()
now = timezone.now()
today = timezone.localdate(now, tz)


def median_ms(call) -> float:
    call()  # warm: the first call pays for imports and connection set-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def reads() -> dict:
    rules = availability.load_rules()
    # The patient searched for: the latest past consultation that still has an email
    # (at every size but 0 there is one; at 0 the searches find nothing, as they should).
    patient = (
        Consultation.objects.filter(starts_at__lt=now).exclude(email="").order_by("-starts_at")
    ).first()
    email = patient.email if patient else "nobody@example.com"
    slots = availability.upcoming_free_slots(rules, now=now)
    book_day = next((day for day in sorted(slots) if len(slots[day]) >= 3), min(slots))
    timings = {
        "free_times": median_ms(lambda: availability.upcoming_free_slots(rules, now=now)),
        "overdue_patients": median_ms(selectors.overdue_patients),
        "overdue_consultations": median_ms(
            lambda: list(selectors.overdue_consultations().values_list("pk", flat=True))
        ),
        "subject_records": median_ms(lambda: records.subject_records(email)),
        # The owner's reports for the default 12 weeks, every figure aggregated.
        "owner_reports": median_ms(build_report),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    return {
        "timings": timings,
        "overdue": len(selectors.overdue_patients()),
        "terms": {
            "reference": patient.reference if patient else "KH-AAAAAA",
            "name": patient.full_name if patient else "Ayesha Khan",
            "email": email,
            "phone": str(patient.phone)[3:] if patient else "3001234567",  # without +92
        },
        "agenda_day": (today + dt.timedelta(days=2)).isoformat(),
        "export_day": (today - dt.timedelta(days=1)).isoformat(),
        "book_day": book_day.isoformat(),
        "postgres": version,
    }


def move() -> dict:
    target = (
        Consultation.objects.filter(
            status__in=Consultation.ACTIVE_STATUSES, email__startswith="bench", starts_at__gt=now
        )
        .order_by("-pk")
        .first()
    )
    if target is None:
        return {"ready": False, "reason": "no consultation booked by the benchmark to move"}
    times = [value for _, group in selectors.staff_free_times(target) for value, _ in group]
    if len(times) < 2:
        return {"ready": False, "reason": "fewer than two free times to move between"}
    return {"ready": True, "pk": target.pk, "times": times[-2:]}


def staff() -> dict:
    import secrets

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.create_superuser(
        "growth-bench", "growth-bench@example.com", password
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return {"username": user.username, "password": password, "key": device.key}


result = {"reads": reads, "move": move, "staff": staff}[mode]()
print("PROBE_JSON " + json.dumps(result))
