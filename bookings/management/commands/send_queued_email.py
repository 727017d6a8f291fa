"""Send the outbox: once (default) or as a worker polling every few seconds (--loop)."""

from django.core.management.base import BaseCommand

from bookings.emails import send_due
from bookings.management.worker import run_until_stopped


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
        self.stdout.write(f"Sending queued email every {interval:g} s; stop with Ctrl-C.")

        def one_pass() -> bool:
            sent, failed = send_due(limit=batch)
            if sent or failed:
                self.stdout.write(f"Sent {sent}, failed {failed}.")
            return sent + failed >= batch  # a backlog: keep going without waiting

        run_until_stopped(one_pass, interval=interval)
