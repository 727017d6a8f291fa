"""Add Pakistan's public holidays of the coming months as closures (see bookings.holidays).

Safe to run again, e.g. monthly from cron: nothing is added twice, and a holiday staff
deleted stays deleted.
"""

from django.core.management.base import BaseCommand

from bookings import holidays


class Command(BaseCommand):
    help = "Add Pakistan's public holidays of the coming months as closures."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=holidays.MONTHS_AHEAD)

    def handle(self, *args, months: int, **options):
        result = holidays.holidays_add(months=months)
        for closure in result.added:
            flag = " (estimated: confirm when announced)" if closure.estimated else ""
            self.stdout.write(f"Added {closure}{flag}")
            booked = holidays.consultations_during(closure).count()
            if booked:
                self.stdout.write(f"  {booked} consultations booked then: contact the patients.")
        self.stdout.write(
            f"{len(result.added)} added, {result.already_known} added before and left as they are."
        )
