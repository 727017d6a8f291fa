# Back office: roles, calendar feed tokens.
"""The staff calendar feed model, the back-office permissions, and two roles.

Reception runs the day: sees and changes consultations (only through the actions, the
status is read-only), adds notes, records attendance, exports, manages closures, reads
the booking rules and the outbox. Clinicians see consultations with their screening
answers, add notes and record attendance (completed / did not attend), but cannot
confirm, decline, move, cancel or reinstate. "Content editors" (treatments/0004) is left
as it is. Permissions are created here explicitly because post_migrate has not run yet.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import bookings.models

RECEPTION = "Reception"
CLINICIANS = "Clinicians"

ROLES = {
    RECEPTION: [
        "view_consultation",
        "change_consultation",
        "record_attendance",
        "export_consultation",
        "view_consultationevent",
        "view_consultationnote",
        "add_consultationnote",
        "view_closure",
        "add_closure",
        "change_closure",
        "view_bookingsettings",
        "view_openinghours",
        "view_outboundemail",
    ],
    CLINICIANS: [
        "view_consultation",
        "record_attendance",
        "view_consultationevent",
        "view_consultationnote",
        "add_consultationnote",
    ],
}


def create_roles(apps, schema_editor):
    app_config = apps.get_app_config("bookings")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(content_type__app_label="bookings", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Permissions not found for {name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_default_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffCalendarFeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "token",
                    models.CharField(
                        default=bookings.models.new_feed_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feed",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "staff calendar feed",
                "permissions": [
                    ("export_consultation", "Can export consultations to CSV"),
                    ("record_attendance", "Can mark consultations completed or did not attend"),
                ],
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
