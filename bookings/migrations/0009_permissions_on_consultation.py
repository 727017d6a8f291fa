"""The back-office permissions move to the model they protect, Consultation:
``export_consultation`` and ``record_attendance`` (were on StaffCalendarFeed) and
``handle_data_requests`` (was on ErasureLog).

The existing permission rows are moved to Consultation's content type rather than
created anew, so every group and user that holds one keeps it, and the codenames
(``bookings.export_consultation`` ...) stay the same. Reversing moves them back.
"""

from django.db import migrations

MOVED = {
    "export_consultation": "staffcalendarfeed",
    "record_attendance": "staffcalendarfeed",
    "handle_data_requests": "erasurelog",
}
TARGET = "consultation"


def _move(apps, schema_editor, *, backwards: bool) -> None:
    using = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")

    def content_type(model: str):
        return ContentType.objects.using(using).get_or_create(app_label="bookings", model=model)[0]

    for codename, former in MOVED.items():
        source, target = (TARGET, former) if backwards else (former, TARGET)
        old = (
            Permission.objects.using(using)
            .filter(content_type=content_type(source), codename=codename)
            .first()
        )
        if old is None:
            continue  # never created here; post_migrate creates it on the model that has it
        new = (
            Permission.objects.using(using)
            .filter(content_type=content_type(target), codename=codename)
            .first()
        )
        if new is None:
            old.content_type = content_type(target)
            old.save(update_fields=["content_type"])
            continue
        # Both rows exist (post_migrate ran with the other Meta): keep the target's row
        # and give it every grant the old one had.
        for group in old.group_set.all():
            group.permissions.add(new)
        for user in old.user_set.all():
            user.user_permissions.add(new)
        old.delete()


def forwards(apps, schema_editor):
    _move(apps, schema_editor, backwards=False)


def backwards(apps, schema_editor):
    _move(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_no_overlapping_consultations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="consultation",
            options={
                "ordering": ["starts_at", "pk"],
                "permissions": [
                    ("export_consultation", "Can export consultations to CSV"),
                    ("record_attendance", "Can mark consultations completed or did not attend"),
                    ("handle_data_requests", "Can find, export and erase a patient's data"),
                ],
            },
        ),
        migrations.AlterModelOptions(
            name="erasurelog",
            options={
                "default_permissions": ("view",),
                "ordering": ["-at", "-pk"],
                "verbose_name": "erasure log entry",
                "verbose_name_plural": "erasure log",
            },
        ),
        migrations.AlterModelOptions(
            name="staffcalendarfeed",
            options={"verbose_name": "staff calendar feed"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
