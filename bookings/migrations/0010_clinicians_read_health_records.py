# Screening answers, the patient's message and clinical notes: Clinicians (and the owner,
# a superuser) see them; Reception sees only that a request is flagged, and no longer
# reads or writes clinical notes.
from django.db import migrations


NOTES = ["view_consultationnote", "add_consultationnote"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    bookings = Permission.objects.filter(content_type__app_label="bookings")
    clinicians = Group.objects.get_or_create(name="Clinicians")[0]
    clinicians.permissions.add(bookings.get(codename="view_health_record"))
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.remove(*bookings.filter(codename__in=NOTES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    bookings = Permission.objects.filter(content_type__app_label="bookings")
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.add(*bookings.filter(codename__in=NOTES))
    bookings.filter(codename="view_health_record").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0009_permissions_on_consultation'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='consultation',
            options={'ordering': ['starts_at', 'pk'], 'permissions': [('export_consultation', 'Can export consultations to CSV'), ('record_attendance', 'Can mark consultations completed or did not attend'), ('handle_data_requests', "Can find, export and erase a patient's data"), ('view_health_record', "Can see screening answers, the patient's message and clinical notes")]},
        ),
        migrations.RunPython(grant, revoke),
    ]
