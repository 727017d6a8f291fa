# Run by bench/run.py through `manage.py shell -c` when --practitioners or --rooms asks
# for a clinic of several practitioners: the throwaway database gets that many
# practitioners in all (performing every treatment in all opening hours) and that many
# rooms, each needed by every published treatment. Prints one STAFFING_JSON line.
import json
import os

from bookings import availability
from bookings.models import Practitioner, Room
from treatments.models import Treatment

wanted = int(os.environ.get("BENCH_PRACTITIONERS") or 0)
rooms = int(os.environ.get("BENCH_ROOMS") or 0)
for n in range(Practitioner.objects.count(), wanted):
    Practitioner.objects.create(display_name=f"Practitioner {n + 1}")
treatments = list(Treatment.objects.published())
for n in range(Room.objects.count(), rooms):
    Room.objects.create(name=f"Room {n + 1}").treatments.set(treatments)
availability.rules_changed()
print(
    "STAFFING_JSON "
    + json.dumps({"practitioners": Practitioner.objects.count(), "rooms": Room.objects.count()})
)
