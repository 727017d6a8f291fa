# Reception enters clinicians' leave and training (the absences' own admin list) and sees
# who works when and which rooms treatments need; clinicians see the practitioners and
# their absences. Only the owner changes practitioners, working periods and rooms.

from django.db import migrations

GRANTS = {
    "Reception": [
        "view_practitioner",
        "view_workingperiod",
        "view_room",
        "view_absence",
        "add_absence",
        "change_absence",
        "delete_absence",
    ],
    "Clinicians": ["view_practitioner", "view_workingperiod", "view_absence"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        wanted = Permission.objects.filter(
            content_type__app_label="bookings", codename__in=codenames
        )
        for group in Group.objects.filter(name=name):
            group.permissions.add(*wanted)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*group.permissions.filter(codename__in=codenames))


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0023_waitlist_practitioner"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
