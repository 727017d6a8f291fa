"""Queue reminder emails for confirmed consultations that are coming up.

Safe to run as often as you like and on several servers at once: each consultation gets
exactly one reminder. Cron: */10 * * * * cd /srv/clinic && .venv/bin/python manage.py send_reminders
"""

from django.core.management.base import BaseCommand

from bookings.reminders import send_reminders


class Command(BaseCommand):
    help = "Queue one reminder email per confirmed consultation inside the reminder period."

    def handle(self, *args, **options):
        queued = send_reminders()
        self.stdout.write(f"Queued {queued} reminder(s).")
