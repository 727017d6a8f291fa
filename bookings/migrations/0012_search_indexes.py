# The back office as the diary grows: indexes for the lists by status and time, for a
# patient's consultations, and (PostgreSQL) trigram indexes for the admin's search.
import bookings.indexes
import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Trigram(TrigramExtension):
    """pg_trgm, for the search indexes (PostgreSQL only; a trusted extension, so the
    database's owner may create it). Reversing leaves it in place: other objects may use
    it, and Django's own reverse would query PostgreSQL's catalogue even on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0011_reception_sends_emails_again'),
    ]

    operations = [
        Trigram(),
        migrations.AddIndex(
            model_name='consultation',
            index=models.Index(fields=['status', 'starts_at'], name='consultation_status_time_idx'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=models.Index(django.db.models.functions.text.Upper('email'), models.F('treatment'), models.F('starts_at'), condition=models.Q(('email', ''), _negated=True), name='consultation_patient_idx'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=bookings.indexes.PostgreSQLGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('reference'), name='gin_trgm_ops'), name='consultation_reference_trgm'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=bookings.indexes.PostgreSQLGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('full_name'), name='gin_trgm_ops'), name='consultation_name_trgm'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=bookings.indexes.PostgreSQLGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('email'), name='gin_trgm_ops'), name='consultation_email_trgm'),
        ),
        migrations.AddIndex(
            model_name='consultation',
            index=bookings.indexes.PostgreSQLGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('phone'), name='gin_trgm_ops'), name='consultation_phone_trgm'),
        ),
    ]
