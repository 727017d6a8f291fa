# Back office (issue 5): roles, calendar feed tokens.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_default_rules")]

    operations = []
