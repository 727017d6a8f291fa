"""Microneedling content, so a fresh install shows a finished treatment page.

The content lives in treatments/seed.py so tests on a flushed database can restore it.
Reversing removes the seeded treatment and its parts.
"""

from django.db import migrations

from treatments.seed import seed_microneedling, unseed_microneedling


def forwards(apps, schema_editor):
    seed_microneedling(apps)


def backwards(apps, schema_editor):
    unseed_microneedling(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("treatments", "0002_hero_renditions"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
