# Clinicians (and the owner, a superuser) read who opened which record.
from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    trail = Permission.objects.get(
        content_type__app_label="bookings", codename="view_consultationaccess"
    )
    Group.objects.get_or_create(name="Clinicians")[0].permissions.add(trail)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Clinicians"):
        group.permissions.remove(
            *group.permissions.filter(codename="view_consultationaccess")
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0005_health_records")]

    operations = [migrations.RunPython(grant, revoke)]
