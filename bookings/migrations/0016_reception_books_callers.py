# Reception books callers and walk-ins: a patient's email becomes optional (those without
# one hear from the clinic on WhatsApp or by phone), a consultation can be booked with its
# screening questions left for the patient to answer from their link, and Reception holds
# the permission to add a consultation.

from django.db import migrations, models


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    add = Permission.objects.get(content_type__app_label="bookings", codename="add_consultation")
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.add(add)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.remove(*reception.permissions.filter(codename="add_consultation"))


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0015_patient_sign_in_links'),
    ]

    operations = [
        migrations.AddField(
            model_name='consultation',
            name='screening_pending',
            field=models.BooleanField(db_default=False, default=False, help_text='Booked without the screening questions answered: the patient answers them from their manage link before the visit.'),
        ),
        migrations.AlterField(
            model_name='consultation',
            name='email',
            field=models.EmailField(blank=True, help_text='Optional for a booking taken by phone or at the desk: without one, the patient hears from the clinic on WhatsApp or by phone, never by email.', max_length=254),
        ),
        migrations.RunPython(grant, revoke),
    ]
