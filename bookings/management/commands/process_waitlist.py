"""Pass on lapsed waitlist holds and offer free places to waiting patients: once
(default, for cron every few minutes) or as a worker polling every minute (--loop)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

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
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Processing the waitlist every {interval:g} s; stop with Ctrl-C.")
        while not stopping:
            close_old_connections()
            counts = waitlist_process()
            if counts["offered"] or counts["expired"]:
                self.report(counts)
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
        close_old_connections()

    def report(self, counts: dict[str, int]) -> None:
        self.stdout.write(
            f"Days looked at: {counts['days']}. Times offered: {counts['offered']}. "
            f"Entries ended: {counts['expired']}. Old entries deleted: {counts['deleted']}."
        )
