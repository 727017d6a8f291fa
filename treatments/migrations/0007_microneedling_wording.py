"""Microneedling's wording in the fields 0006 added, so its pages and emails read as they
did when the wording lived in templates, and its medicines question asks about the six
months before the appointment.

The wording lives in treatments/seed/microneedling_wording.py so tests on a flushed
database can restore it. A medicines question staff have reworded is left alone. Reversing
puts the question back as it was and empties the seeded wording (reversing 0006 then
removes the fields). Both directions forget the cached pages, which showed the old wording.
"""

from django.db import migrations

from treatments.seed import unwrite_microneedling_wording, write_microneedling_wording


def _forget_cached_pages():
    from clinic.page_cache import bump_content_version

    bump_content_version()


def forwards(apps, schema_editor):
    write_microneedling_wording(apps)
    _forget_cached_pages()


def backwards(apps, schema_editor):
    unwrite_microneedling_wording(apps)
    _forget_cached_pages()


class Migration(migrations.Migration):

    dependencies = [
        ("treatments", "0006_treatment_wording_and_lookback"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
