import bookings.constraints
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

ACTIVE = ["pending", "confirmed"]


class BtreeGist(BtreeGistExtension):
    """Reversing leaves the extension in place: other objects may use it, and Django's
    own reverse would query PostgreSQL's catalogue even on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def separate_overlaps(apps, schema_editor):
    """Before the database refuses overlaps in one place, give any active consultation
    that overlaps an earlier one in its place the lowest place free at its time, so the
    constraint can be added to a diary that already holds consultations. Bookings made
    through the day's lock never overlap; this only mends rows written some other way."""
    Consultation = apps.get_model("bookings", "Consultation")
    active = Consultation.objects.using(schema_editor.connection.alias).filter(status__in=ACTIVE)
    placed = []  # (ends_at, seat) of earlier consultations that may still overlap
    for consultation in active.order_by("starts_at", "pk").iterator():
        placed = [(ends, seat) for ends, seat in placed if ends > consultation.starts_at]
        taken = {seat for _, seat in placed}
        if consultation.seat in taken:
            consultation.seat = next(seat for seat in range(1, len(taken) + 2) if seat not in taken)
            consultation.save(update_fields=["seat"])
        placed.append((consultation.ends_at, consultation.seat))


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0007_leaner_writes"),
    ]

    operations = [
        # The place's equality inside a GiST index (PostgreSQL only; a trusted extension,
        # so the database's owner may create it).
        BtreeGist(),
        migrations.RunPython(separate_overlaps, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=bookings.constraints.PostgreSQLExclusionConstraint(
                condition=models.Q(("status__in", ACTIVE)),
                expressions=[
                    (bookings.constraints.TsTzRange("starts_at", "ends_at"), "&&"),
                    ("seat", "="),
                ],
                name="consultation_no_overlap_in_a_seat",
            ),
        ),
    ]
