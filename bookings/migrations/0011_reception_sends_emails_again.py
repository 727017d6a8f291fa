# Sending stuck emails again is a change to the outbox: Reception, who runs the day,
# holds that permission; staff who may only read the outbox no longer can.
from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    change = Permission.objects.get(
        content_type__app_label="bookings", codename="change_outboundemail"
    )
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.add(change)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for reception in Group.objects.filter(name="Reception"):
        reception.permissions.remove(
            *reception.permissions.filter(codename="change_outboundemail")
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0010_clinicians_read_health_records")]

    operations = [migrations.RunPython(grant, revoke)]
