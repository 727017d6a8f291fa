"""Moving the test database between migrations, and rows written as of one of them."""

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to ``targets``; returns the apps (historical models) as of them."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def consultation(apps, *, treatment_id: int, starts_at: dt.datetime, **fields):
    """A consultation row as the historical model of ``apps`` has it."""
    values = {
        "ends_at": starts_at + dt.timedelta(minutes=30),
        "seat": 1,
        "status": "confirmed",
        "full_name": "Sana Malik",
        "email": "sana@example.com",
        "phone": "+923001234567",
        "consent_version": "2026-11",
        "consented_at": starts_at,
        **fields,
    }
    Consultation = apps.get_model("bookings", "Consultation")
    return Consultation.objects.create(treatment_id=treatment_id, starts_at=starts_at, **values)
