from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clinic.two_factor import reset_two_factor


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app and recovery codes (lost or replaced "
        "phone). At their next sign-in they set up a new app."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        removed = reset_two_factor(user)
        self.stdout.write(
            f"Removed {removed} device(s) of {username}; they will set up a new app at next sign-in."
        )
