"""Pass on lapsed waitlist holds and offer free places to waiting patients: once
(default, for cron every few minutes) or as a worker polling every minute (--loop)."""

from django.core.management.base import BaseCommand

from bookings.management.worker import run_until_stopped
from bookings.services import waitlist_process


class Command(BaseCommand):
    help = (
        "Pass on waitlist holds that lapsed, offer free places to waiting patients (hours "
        "added, closures removed) and end entries whose days have passed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running until stopped.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between passes with --loop."
        )

    def handle(self, *args, loop=False, interval=60.0, **options):
        if not loop:
            self.report(waitlist_process())
            return
        self.stdout.write(f"Processing the waitlist every {interval:g} s; stop with Ctrl-C.")

        def one_pass() -> bool:
            counts = waitlist_process()
            if counts["offered"] or counts["expired"]:
                self.report(counts)
            return False

        run_until_stopped(one_pass, interval=interval)

    def report(self, counts: dict[str, int]) -> None:
        self.stdout.write(
            f"Days looked at: {counts['days']}. Times offered: {counts['offered']}. "
            f"Entries ended: {counts['expired']}. Old entries deleted: {counts['deleted']}."
        )
