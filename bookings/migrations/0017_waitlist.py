# The waitlist: entries and the times held for them. Reception, who runs the day, sees
# the waitlist and may offer a free time by hand or take someone off it.

import django.db.models.deletion
import phonenumber_field.modelfields
from django.conf import settings
from django.db import migrations, models


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Permission.objects.filter(
        content_type__app_label="bookings",
        codename__in=["view_waitlistentry", "change_waitlistentry"],
    )
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.add(*wanted)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.remove(
            *reception.permissions.filter(
                codename__in=["view_waitlistentry", "change_waitlistentry"]
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0016_reception_books_callers'),
        ('treatments', '0007_microneedling_wording'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WaitlistEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_day', models.DateField(help_text='The first day that suits (clinic time).')),
                ('last_day', models.DateField(help_text='The last day that suits; the entry expires after it.')),
                ('morning', models.BooleanField(default=False, help_text='Before 12:00.')),
                ('afternoon', models.BooleanField(default=False, help_text='From 12:00 to 17:00.')),
                ('evening', models.BooleanField(default=False, help_text='From 17:00.')),
                ('status', models.CharField(choices=[('waiting', 'Waiting'), ('offered', 'Offered a time'), ('booked', 'Booked'), ('expired', 'Expired'), ('left', 'Left the waitlist')], default='waiting', max_length=10)),
                ('full_name', models.CharField(max_length=100)),
                ('email', models.EmailField(max_length=254)),
                ('phone', phonenumber_field.modelfields.PhoneNumberField(max_length=128, region=None)),
                ('contact_preference', models.CharField(choices=[('phone', 'Phone call'), ('whatsapp', 'WhatsApp'), ('email', 'Email')], default='phone', max_length=10)),
                ('consent_version', models.CharField(help_text='The privacy notice version the patient agreed to.', max_length=20)),
                ('joined_at', models.DateTimeField(auto_now_add=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('treatment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waitlist_entries', to='treatments.treatment')),
            ],
            options={
                'verbose_name': 'waitlist entry',
                'verbose_name_plural': 'waitlist',
                'ordering': ['joined_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='WaitlistOffer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_at', models.DateTimeField()),
                ('ends_at', models.DateTimeField()),
                ('seat', models.PositiveSmallIntegerField(help_text='The place held, as for consultations.')),
                ('expires_at', models.DateTimeField(help_text='The hold ends then if not answered.')),
                ('status', models.CharField(choices=[('held', 'Held for the patient'), ('accepted', 'Booked'), ('declined', 'Declined'), ('expired', 'Not answered in time'), ('withdrawn', 'Withdrawn')], default='held', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('consultation', models.ForeignKey(blank=True, help_text='The consultation booked from this offer.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='bookings.consultation')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='bookings.waitlistentry')),
                ('offered_by', models.ForeignKey(blank=True, help_text='Empty when the site offered the time by itself.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['created_at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='waitlistentry',
            index=models.Index(fields=['status', 'first_day', 'last_day', 'joined_at'], name='waitlist_waiting_idx'),
        ),
        migrations.AddConstraint(
            model_name='waitlistentry',
            constraint=models.CheckConstraint(condition=models.Q(('last_day__gte', models.F('first_day'))), name='waitlist_last_after_first'),
        ),
        migrations.AddConstraint(
            model_name='waitlistentry',
            constraint=models.CheckConstraint(condition=models.Q(('morning', True), ('afternoon', True), ('evening', True), _connector='OR'), name='waitlist_some_part_of_day'),
        ),
        migrations.AddIndex(
            model_name='waitlistoffer',
            index=models.Index(fields=['status', 'starts_at'], name='waitlist_offer_held_idx'),
        ),
        migrations.AddIndex(
            model_name='waitlistoffer',
            index=models.Index(fields=['status', 'expires_at'], name='waitlist_offer_expiry_idx'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.UniqueConstraint(fields=('entry', 'starts_at'), name='waitlist_offer_once_per_entry'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'held')), fields=('entry',), name='waitlist_one_held_per_entry'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'held')), fields=('starts_at', 'seat'), name='waitlist_one_hold_per_seat'),
        ),
        migrations.AddConstraint(
            model_name='waitlistoffer',
            constraint=models.CheckConstraint(condition=models.Q(('expires_at__lte', models.F('starts_at'))), name='waitlist_hold_before_start'),
        ),
        migrations.RunPython(grant, revoke),
    ]
