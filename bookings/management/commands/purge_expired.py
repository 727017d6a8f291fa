"""Anonymise consultation requests past the retention period, then check every course's
next-session mark (``bookings.services.courses``). Run it daily (cron)."""

from django.core.management.base import BaseCommand

from bookings.models import BookingSettings
from bookings.records import purge_expired
from bookings.services import refresh_all_courses


class Command(BaseCommand):
    help = (
        "Remove patients' details from requests whose last activity is older than the "
        "retention period in booking settings. Safe to run again: done rows are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only say how many requests (and which references) would be anonymised.",
        )

    def handle(self, *args, dry_run: bool = False, **options):
        months = BookingSettings.load().retention_months
        result = purge_expired(dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Would anonymise {result.count} request(s) older than {months} months."
            )
        else:
            self.stdout.write(f"Anonymised {result.count} request(s) older than {months} months.")
            waiting = refresh_all_courses()
            self.stdout.write(f"{waiting} patient(s) between sessions of a course.")
        for reference in result.references:
            self.stdout.write(f"  {reference}")
