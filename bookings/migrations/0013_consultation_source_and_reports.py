# The owner's reports: how each request came in (existing rows, and rows written without
# it, are online requests: the database default says so too), the permission to see the
# reports, which no role is given by default (the owner is a superuser), and an index on
# when each request came in, which the reports count by.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0012_search_indexes'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='consultation',
            options={'ordering': ['starts_at', 'pk'], 'permissions': [('export_consultation', 'Can export consultations to CSV'), ('record_attendance', 'Can mark consultations completed or did not attend'), ('handle_data_requests', "Can find, export and erase a patient's data"), ('view_health_record', "Can see screening answers, the patient's message and clinical notes"), ('view_reports', "Can see the clinic's reports")]},
        ),
        migrations.AddField(
            model_name='consultation',
            name='source',
            field=models.CharField(choices=[('online', 'Online'), ('phone', 'Phone call'), ('whatsapp', 'WhatsApp'), ('walk_in', 'Walk-in')], db_default='online', default='online', help_text='How the patient asked: the booking form, a phone call, WhatsApp or at the desk.', max_length=10),
        ),
        migrations.AlterField(
            model_name='consultation',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, db_index=True),
        ),
    ]
