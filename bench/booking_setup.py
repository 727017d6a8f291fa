# Run by bench/booking.py through `manage.py shell -c`: prints one BOOKING_JSON line with
# what a valid POST /book/ needs: the treatment, every free time, the screening fields.
# With BENCH_DAYS_AHEAD set (throwaway database only) it first lets patients book that
# many days ahead, so a 10-second run has enough distinct free times.
import json
import os

from django.utils import timezone

result = {"ready": False}
try:
    from bookings import availability
    from bookings.forms import slot_value
    from bookings.models import BookingSettings
    from bookings.selectors import load_treatments
except ImportError as error:
    result["reason"] = f"the booking app is not complete yet ({error})"
else:
    days = os.environ.get("BENCH_DAYS_AHEAD")
    if days:
        BookingSettings.objects.filter(pk=BookingSettings.load().pk).update(
            max_days_ahead=int(days)
        )
        availability.rules_changed()
    treatments = load_treatments()
    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(rules, now=timezone.now())
    if not treatments:
        result["reason"] = "no published treatment to book"
    else:
        treatment = treatments.get("microneedling") or next(iter(treatments.values()))
        values = [slot_value(start) for day in sorted(slots) for start in slots[day]]
        result = {
            "ready": bool(values),
            "reason": "" if values else "no free times",
            "treatment": treatment.slug,
            "screening": [f"screen_{q.pk}" for q in treatment.questions],
            "first_day": min(slots).isoformat() if slots else "",
            "slots": values,
            "capacity": rules.capacity,
            "days_ahead": rules.days_ahead,
        }
print("BOOKING_JSON " + json.dumps(result))
