"""Every admin page opens for those allowed and is refused to the others: each registered
model's changelist, add and change page, and the back-office pages beside them, for a
superuser and each staff role."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from bookings.models import (
    Absence,
    BookingSettings,
    Closure,
    Consultation,
    ErasureLog,
    OutboundEmail,
    Room,
    StaffCalendarFeed,
)
from bookings.records import record_access
from bookings.services import waitlist_join
from clinic.models import ClinicProfile
from tests.bookings.admin.roles import ROLES, role_group
from tests.factories import QuestionFactory

CHANGELIST = "admin:bookings_consultation_changelist"

EVERY_MODEL = {
    "auth.Group",
    "auth.User",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "clinic.ClinicProfile",
    "clinic.PrivacyNotice",
    "treatments.Treatment",
    "treatments.Question",
    "bookings.BookingSettings",
    "bookings.Closure",
    "bookings.Consultation",
    "bookings.OutboundEmail",
    "bookings.StaffCalendarFeed",
    "bookings.ConsultationAccess",
    "bookings.ErasureLog",
    "bookings.WaitlistEntry",
    "bookings.Practitioner",
    "bookings.Absence",
    "bookings.Room",
}

# What each role may open (changelist and change page) and add; everything else is 403.
MAY_SEE = {
    "superuser": EVERY_MODEL,
    "Reception": {
        "bookings.Consultation",
        "bookings.OutboundEmail",
        "bookings.BookingSettings",
        "bookings.Closure",
        "bookings.WaitlistEntry",
        "bookings.Practitioner",
        "bookings.Absence",
        "bookings.Room",
    },
    "Clinicians": {
        "bookings.Consultation",
        "bookings.ConsultationAccess",
        "bookings.Practitioner",
        "bookings.Absence",
    },
    "Content editors": {"treatments.Treatment", "treatments.Question"},
}
MAY_ADD = {
    # Consultations come from the booking form or from reception (a caller or walk-in),
    # settings are one row, logs are appended by the site itself, and the clinic
    # profile is one row made by a migration.
    "superuser": {
        "bookings.Consultation",
        "auth.Group",
        "auth.User",
        "otp_totp.TOTPDevice",
        "otp_static.StaticDevice",
        "clinic.PrivacyNotice",
        "treatments.Treatment",
        "treatments.Question",
        "bookings.Closure",
        "bookings.Practitioner",
        "bookings.Absence",
        "bookings.Room",
    },
    "Reception": {"bookings.Closure", "bookings.Consultation", "bookings.Absence"},
    "Clinicians": set(),
    "Content editors": {"treatments.Treatment", "treatments.Question"},
}


@pytest.fixture
def one_of_each(consultation, treatment, privacy_notice, admin_client):
    """At least one row of every model registered in the admin."""
    owner = admin_client.user
    Closure.objects.create(starts_on="2026-12-25", ends_on="2026-12-25", reason="Holiday")
    StaticDevice.objects.create(user=owner, name="Recovery codes")
    seen = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "x", "path_info": "/"}
    AccessAttempt.objects.create(
        **seen, http_accept="*/*", get_data="", post_data="", failures_since_start=1
    )
    AccessLog.objects.create(**seen, http_accept="*/*")
    AccessFailureLog.objects.create(**seen, http_accept="*/*")
    if not ClinicProfile.objects.exists():  # made by a migration, unless a test flushed it
        ClinicProfile.current().save()
    QuestionFactory(treatment=treatment)
    record_access(owner, consultation)
    ErasureLog(actor=owner, consultations=1).save()
    StaffCalendarFeed.objects.create(user=owner)
    Room.objects.create(name="Laser room").treatments.set([treatment])
    Absence.objects.create(
        practitioner=consultation.practitioner,
        starts_at=consultation.starts_at,
        ends_at=consultation.ends_at,
    )
    waitlist_join(
        treatment=treatment,
        first_day=consultation.starts_at.date(),
        last_day=consultation.starts_at.date(),
        parts=["morning"],
        full_name="Sana Malik",
        email="sana@example.com",
        phone="+923001234568",
        contact_preference="phone",
    )
    admin_client.logout()
    for name in ("Reception", "Clinicians", "Content editors"):
        role_group(name)


def _pages(model):
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model._meta.label} to open"
    return {
        "changelist": reverse(f"{info}_changelist"),
        "add": reverse(f"{info}_add"),
        "change": reverse(f"{info}_change", args=[obj.pk]),
    }


def test_the_table_names_every_registered_model():
    assert {model._meta.label for model in admin.site._registry} == EVERY_MODEL


@pytest.mark.parametrize("role", ROLES)
def test_every_model_page_opens_for_those_allowed_and_is_refused_to_others(
    one_of_each, as_role, role
):
    client = as_role(role)
    wrong = []
    for model in admin.site._registry:
        label = model._meta.label
        for page, url in _pages(model).items():
            allowed = label in (MAY_ADD if page == "add" else MAY_SEE)[role]
            # The settings list is one row: it goes straight to that row's page.
            response = client.get(url, follow=page == "changelist")
            expected = 200 if allowed else 403
            if response.status_code != expected:
                wrong.append((label, page, response.status_code, expected))
    assert wrong == []


# --- the bookings pages, each with one of its own --------------------------------------


@pytest.mark.parametrize(
    "model", [Consultation, Closure, OutboundEmail, BookingSettings], ids=lambda m: m.__name__
)
def test_every_changelist_loads(admin_client, consultation, model):
    url = reverse(f"admin:bookings_{model._meta.model_name}_changelist")
    response = admin_client.get(url, follow=True)
    assert response.status_code == 200


def test_change_and_add_pages_load(admin_client, consultation):
    Closure.objects.create(starts_on="2026-12-25", ends_on="2026-12-25", reason="Holiday")
    for model, obj in [
        (Consultation, consultation),
        (Closure, Closure.objects.get()),
        (OutboundEmail, OutboundEmail.objects.first()),
        (BookingSettings, BookingSettings.load()),
    ]:
        name = model._meta.model_name
        assert (
            admin_client.get(reverse(f"admin:bookings_{name}_change", args=[obj.pk])).status_code
            == 200
        )
    assert admin_client.get(reverse("admin:bookings_closure_add")).status_code == 200
    assert admin_client.get(reverse("admin:bookings_consultation_add")).status_code == 200


# --- roles and the back-office pages ----------------------------------------------------


def test_the_roles_exist_once(db):
    for name in ("Reception", "Clinicians", "Content editors"):
        role_group(name)
    assert Group.objects.filter(name="Reception").count() == 1
    assert Group.objects.filter(name="Clinicians").count() == 1
    assert Group.objects.filter(name="Content editors").count() == 1


PAGES = {
    # name: (url builder, {role: expected status})
    "changelist": (lambda c: reverse(CHANGELIST), {"Content editors": 403}),
    "change": (
        lambda c: reverse("admin:bookings_consultation_change", args=[c.pk]),
        {"Content editors": 403},
    ),
    "add": (
        lambda c: reverse("admin:bookings_consultation_add"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "agenda": (lambda c: reverse("admin:bookings_consultation_agenda"), {"Content editors": 403}),
    "agenda-week": (
        lambda c: reverse("admin:bookings_consultation_agenda") + "?span=week&date=2026-12-02",
        {"Content editors": 403},
    ),
    "feed-settings": (
        lambda c: reverse("admin:bookings_consultation_calendar_feed"),
        {"Content editors": 403},
    ),
    "export": (
        lambda c: reverse("admin:bookings_consultation_export"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "cancel": (
        lambda c: reverse("admin:bookings_consultation_cancel", args=[c.pk]),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "reschedule": (
        lambda c: reverse("admin:bookings_consultation_reschedule", args=[c.pk]),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "feeds-changelist": (
        lambda c: reverse("admin:bookings_staffcalendarfeed_changelist"),
        {"Reception": 403, "Clinicians": 403, "Content editors": 403},
    ),
    "closures": (
        lambda c: reverse("admin:bookings_closure_changelist"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "closure-add": (
        lambda c: reverse("admin:bookings_closure_add"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "outbox": (
        lambda c: reverse("admin:bookings_outboundemail_changelist"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "email-previews": (
        lambda c: reverse("admin:bookings_outboundemail_previews"),
        {"Content editors": 403},
    ),
    "email-preview": (
        lambda c: reverse("admin:bookings_outboundemail_preview", args=["consultation_confirmed"]),
        {"Content editors": 403},
    ),
    "patient-rights": (
        lambda c: reverse("admin:bookings_patient_rights"),
        {"Reception": 403, "Clinicians": 403, "Content editors": 403},
    ),
    "reports": (
        lambda c: reverse("admin:bookings_consultation_reports"),
        {"Reception": 403, "Clinicians": 403, "Content editors": 403},
    ),
    "treatments": (
        lambda c: reverse("admin:treatments_treatment_changelist"),
        {"Reception": 403, "Clinicians": 403},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_loads_or_is_refused_for_each_role(as_role, booking, role, page):
    consultation = booking()
    url, refused = PAGES[page]
    client = as_role(role)
    response = client.get(url(consultation))
    assert response.status_code == refused.get(role, 200), (role, page)
