# After the request (issue 6): manage links, reminders, course planner.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_back_office")]

    operations = []
