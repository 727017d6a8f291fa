# Sign-in links to a patient's own page of consultations, each use counted.

import bookings.models.patients
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0014_public_holidays'),
    ]

    operations = [
        migrations.CreateModel(
            name='PatientSignIn',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(default=bookings.models.patients.new_sign_in_key, editable=False, max_length=40, unique=True)),
                ('email', models.EmailField(help_text='The address the link signs in as (lower case).', max_length=254)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField(db_index=True)),
                ('uses', models.PositiveSmallIntegerField(default=0)),
                ('max_uses', models.PositiveSmallIntegerField(default=3)),
            ],
            options={
                'verbose_name': 'patient sign-in link',
                'constraints': [models.CheckConstraint(condition=models.Q(('uses__lte', models.F('max_uses'))), name='patient_sign_in_uses_within_limit')],
            },
        ),
    ]
