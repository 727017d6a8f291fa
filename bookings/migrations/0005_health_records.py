# Health data: retention, access audit, erasure log.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_after_the_request"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingsettings",
            name="retention_months",
            field=models.PositiveSmallIntegerField(
                default=24,
                help_text="Months after a request's last activity before purge_expired anonymises it (name, contact details, answers and notes removed; statistics kept).",
            ),
        ),
        migrations.AddField(
            model_name="consultation",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the patient's details were removed (retention period or erasure).",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="ConsultationAccess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                (
                    "consultation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="accesses",
                        to="bookings.consultation",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "record access",
                "verbose_name_plural": "record access trail",
                "ordering": ["-at", "-pk"],
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="ErasureLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("consultations", models.PositiveIntegerField(default=0)),
                ("emails", models.PositiveIntegerField(default=0)),
                ("questions", models.PositiveIntegerField(default=0)),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "erasure log entry",
                "verbose_name_plural": "erasure log",
                "ordering": ["-at", "-pk"],
                "permissions": [
                    ("handle_data_requests", "Can find, export and erase a patient's data")
                ],
                "default_permissions": ("view",),
            },
        ),
    ]
