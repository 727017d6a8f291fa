"""Trigram indexes for searching consultations by part of a name, email, phone or reference.

The admin's search compiles ``icontains`` to ``UPPER(column::text) LIKE UPPER('%term%')``
on PostgreSQL, which a B-tree cannot serve: without a trigram (``pg_trgm``) GIN index over
exactly that expression, each search reads the whole table. The index expression is
``UPPER(column)`` with the ``gin_trgm_ops`` operator class, the planner's match for the
lookup (verified with EXPLAIN in tests/bookings/admin/test_scale.py).

SQLite, the embedded database for local work, has neither GIN nor trigrams: there the
index is left out of the schema (its statement is a comment), as the exclusion constraint
in ``bookings.constraints`` is, and a search reads the table as before.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.backends.ddl_references import Statement
from django.db.models.functions import Upper


class PostgreSQLGinIndex(GinIndex):
    """A GIN index that other databases skip (see the module docstring)."""

    @staticmethod
    def _enforced(connection) -> bool:
        return connection.vendor == "postgresql"

    def _skipped(self) -> Statement:
        # The schema editor runs every index statement it is given, so other databases
        # get one that does nothing rather than none.
        return Statement("-- %(name)s: a PostgreSQL index, not made here", name=self.name)

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if self._enforced(schema_editor.connection):
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return self._skipped()

    def remove_sql(self, model, schema_editor, **kwargs):
        if self._enforced(schema_editor.connection):
            return super().remove_sql(model, schema_editor, **kwargs)
        return self._skipped()


def trigram_index(field: str, name: str) -> PostgreSQLGinIndex:
    """A trigram index serving ``<field>__icontains`` on PostgreSQL."""
    return PostgreSQLGinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
