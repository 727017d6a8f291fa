# Public holidays as closures: which were added, and which are on estimated lunar dates.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0013_consultation_source_and_reports'),
    ]

    operations = [
        migrations.CreateModel(
            name='PublicHoliday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(help_text='Holiday name and year.', max_length=150, unique=True)),
                ('name', models.CharField(max_length=100)),
                ('first_day', models.DateField()),
                ('added_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['first_day'],
            },
        ),
        migrations.AddField(
            model_name='closure',
            name='estimated',
            field=models.BooleanField(default=False, help_text='A lunar holiday whose date is not yet announced. When it is, move the days if they changed and untick this.'),
        ),
        migrations.AddField(
            model_name='closure',
            name='holiday',
            field=models.CharField(blank=True, editable=False, help_text='The public holiday this closure was added for, if it was added that way.', max_length=100),
        ),
    ]
