"""Default booking rules so a fresh install takes consultation requests at once:
30-minute consultations with 15 minutes between them, one at a time, Monday to Friday
10:00–13:00 and 14:00–19:00, Saturday 10:00–16:00, Sunday closed; at least 12 hours'
notice, up to 60 days ahead. Staff change them in admin (Consultations > Booking settings).
"""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from bookings.seed import ensure_booking_defaults

    ensure_booking_defaults(apps)


def remove_defaults(apps, schema_editor):
    apps.get_model("bookings", "OpeningHours").objects.all().delete()
    apps.get_model("bookings", "BookingSettings").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
