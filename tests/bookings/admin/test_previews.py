"""Staff preview every email with sample data, from the outbox in the admin; patients
and unverified staff cannot."""

import pytest
from django.urls import reverse

from bookings.admin.previews import PREVIEWS
from tests.auth import login_staff
from tests.factories import TreatmentFactory, UserFactory

PREVIEW_LIST = "/admin/bookings/outboundemail/previews/"


pytestmark = pytest.mark.django_db


def test_staff_with_second_factor_see_every_email(client, admin_user):
    TreatmentFactory(name="Microneedling")
    login_staff(client, admin_user)
    assert client.get(PREVIEW_LIST).status_code == 200
    for name in PREVIEWS:
        page = client.get(f"{PREVIEW_LIST}{name}/")
        assert page.status_code == 200, name
        assert "Sample Patient" not in page.content.decode() or name == "staff_new_request"
    html = client.get(f"{PREVIEW_LIST}consultation_reminder/?part=html")
    assert "#0f4c45" in html.content.decode()
    assert client.get(f"{PREVIEW_LIST}nope/").status_code == 404


def test_anonymous_and_unverified_staff_are_turned_away(client, admin_user):
    assert client.get(PREVIEW_LIST).status_code == 302
    client.force_login(admin_user)  # password only, no second factor
    response = client.get(PREVIEW_LIST)
    assert response.status_code == 302 and "two-factor" in response["Location"]
    editor = UserFactory(username="editor")
    client.force_login(editor)
    assert client.get(PREVIEW_LIST).status_code == 403


def test_the_html_version_opens_only_in_the_preview_frame_without_scripts(client, admin_user):
    login_staff(client, admin_user)
    response = client.get(f"{PREVIEW_LIST}consultation_confirmed/?part=html")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(f"{PREVIEW_LIST}consultation_confirmed/")
    assert page["X-Frame-Options"] == "DENY"  # the page itself is never framed
    assert "?part=html" in page.content.decode()


def test_clinicians_who_cannot_see_the_outbox_still_see_the_previews(as_role):
    client = as_role("Clinicians")
    assert client.get(reverse("admin:bookings_outboundemail_changelist")).status_code == 403
    assert client.get(PREVIEW_LIST).status_code == 200


def test_the_previews_are_no_longer_outside_the_admin(client, admin_user):
    login_staff(client, admin_user)
    assert client.get("/staff/emails/").status_code == 404
