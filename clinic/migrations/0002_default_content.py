"""The clinic's default details and first privacy notice, so a fresh install looks finished.

Staff replace the contact details in admin (Clinic details > Clinic profile) before launch.
"""

import datetime

from django.db import migrations

PRIVACY_BODY = """\
## Who we are

Khan Aesthetic & Laser Clinic, Islamabad, decides how the information on this site is used.
You can reach us by phone or email at the details on our contact page.

## What we collect, and why

- **When you ask for a consultation:** your name, email, phone number, the treatment, the time
  you chose, how you would like us to contact you, your answers to a few health screening
  questions and anything you write to us. We use these to arrange your consultation and to let
  a clinician check, before you arrive, whether the treatment may suit you.
- **When you ask a question on a treatment page:** your name, email and question. We use them
  to answer you. If we publish the answer, we show the question only, never your name or email.
- **When you browse:** our servers keep short technical logs (address, page, time) to keep the
  site secure. We use no advertising, no analytics cookies and no third-party trackers.

## Health information

Screening answers are health information. Only clinic staff who need them for your care can
see them. They are never sent by email and never shared for marketing.

## How long we keep it

We keep consultation records for 24 months after the last activity on them, then remove your
name, contact details, answers and notes. Anonymous counts remain for planning.

## Your rights

You can ask us for a copy of everything we hold about you, ask us to correct it, or ask us to
erase it. Contact the clinic and we will answer within 30 days.

## Security

The site is served only over an encrypted connection. Staff sign in with two-step
verification, and every view of a consultation record is logged.
"""


def create_defaults(apps, schema_editor):
    ClinicProfile = apps.get_model("clinic", "ClinicProfile")
    PrivacyNotice = apps.get_model("clinic", "PrivacyNotice")
    if not ClinicProfile.objects.exists():
        ClinicProfile.objects.create(
            name="Khan Aesthetic & Laser Clinic",
            tagline=(
                "We explain each treatment plainly, check that it suits you, "
                "and plan it with you."
            ),
            street_address="Office 12, First Floor, Jinnah Avenue, Blue Area",
            locality="Islamabad",
            region="Islamabad Capital Territory",
            postal_code="44000",
            country="PK",
            phone="+92 51 2345678",
            email="info@khanclinic.pk",
            hours_text=(
                "Monday to Friday: 10:00 to 19:00\n"
                "Saturday: 10:00 to 16:00\n"
                "Sunday: closed"
            ),
        )
    PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "effective_from": datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
            "summary": (
                "We collect only what we need to arrange and give your care, keep it safe, "
                "and never sell it or use it for advertising."
            ),
            "body": PRIVACY_BODY,
        },
    )


def remove_defaults(apps, schema_editor):
    apps.get_model("clinic", "PrivacyNotice").objects.filter(version="2026-11").delete()
    apps.get_model("clinic", "ClinicProfile").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
