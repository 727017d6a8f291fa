# After the request: manage links, reminders, course planner.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_back_office")]

    operations = [
        migrations.AddField(
            model_name="bookingsettings",
            name="patient_change_notice_hours",
            field=models.PositiveSmallIntegerField(
                default=24,
                help_text="Patients can cancel or move a consultation online until this many "
                "hours before it; after that the page asks them to call.",
            ),
        ),
        migrations.AddField(
            model_name="bookingsettings",
            name="reminder_hours_before",
            field=models.PositiveSmallIntegerField(
                default=24,
                help_text="How many hours before a confirmed consultation the reminder email "
                "(with the preparation advice) is sent.",
            ),
        ),
        migrations.AddField(
            model_name="consultation",
            name="manage_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Goes up after each change the patient makes online, so a used "
                "manage link stops working.",
            ),
        ),
        migrations.AddField(
            model_name="consultation",
            name="reminder_sent_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the reminder email was queued.",
                null=True,
            ),
        ),
    ]
