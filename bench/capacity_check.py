# Run by bench/booking.py through `manage.py shell -c`: prints one CAPACITY_JSON line
# (with the outbox's emails counted by status).
# A double booking is a start time holding more active consultations than the clinic's
# practitioners, or two active consultations of one practitioner at one start.
import json

from django.db.models import Count

result = {"checked": False}
try:
    from bookings import availability
    from bookings.models import Consultation, OutboundEmail
except ImportError as error:
    result["reason"] = f"the booking app is not complete yet ({error})"
else:
    rules = availability.load_rules()
    active = Consultation.objects.filter(status__in=Consultation.ACTIVE_STATUSES)
    per_start = active.values("starts_at").annotate(n=Count("pk")).order_by()
    over = [row for row in per_start if row["n"] > rules.capacity]
    same_practitioner = (
        active.values("starts_at", "practitioner").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    result = {
        "checked": True,
        "capacity": rules.capacity,
        "consultations": active.count(),
        "slots": len(per_start),
        "over_capacity": len(over) + same_practitioner,
        "examples": [str(row["starts_at"]) for row in over[:5]],
        "emails": dict(
            OutboundEmail.objects.values_list("status").annotate(n=Count("pk")).order_by()
        ),
    }
print("CAPACITY_JSON " + json.dumps(result))
