"""Send the outbox: once (default) or as a worker polling every few seconds (--loop)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from bookings.emails import send_due


class Command(BaseCommand):
    help = "Send queued emails that are due. With --loop, keep running as a worker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep polling until stopped.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between polls with --loop."
        )
        parser.add_argument("--batch", type=int, default=100, help="Most emails per poll.")

    def handle(self, *args, loop=False, interval=2.0, batch=100, **options):
        if not loop:
            sent, failed = send_due(limit=batch)
            self.stdout.write(f"Sent {sent}, failed {failed}.")
            return
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Sending queued email every {interval:g} s; stop with Ctrl-C.")
        while not stopping:
            close_old_connections()
            sent, failed = send_due(limit=batch)
            if sent or failed:
                self.stdout.write(f"Sent {sent}, failed {failed}.")
            if sent + failed >= batch:
                continue  # a backlog: keep going without waiting
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
        close_old_connections()
