"""The database's own refusal of overlapping consultations.

The day's lock in ``bookings.services`` already keeps two bookings from taking the same
place; the exclusion constraint below makes the database refuse it too, so that a code
path that forgets the lock fails loudly instead of double-booking a patient.

PostgreSQL enforces it (GiST index over the consultation's time range and its place, with
``btree_gist`` for the place's equality). SQLite, the embedded database for local work,
has no exclusion constraints: there the constraint is left out of the schema and out of
model validation, and the lock alone holds (SQLite serialises writers anyway).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import connections
from django.db.models import Func


class TsTzRange(Func):
    """``tstzrange(lower, upper)``: a half-open range, so back-to-back times never overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgreSQLExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that other databases skip (see the module docstring)."""

    @staticmethod
    def _enforced(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if self._enforced(schema_editor.connection):
            return super().constraint_sql(model, schema_editor)
        return None

    def create_sql(self, model, schema_editor):
        if self._enforced(schema_editor.connection):
            return super().create_sql(model, schema_editor)
        return None

    def remove_sql(self, model, schema_editor):
        if self._enforced(schema_editor.connection):
            return super().remove_sql(model, schema_editor)
        return None

    def validate(self, model, instance, exclude=None, using="default"):
        if self._enforced(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)
