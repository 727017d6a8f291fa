"""Staff preview every email with sample data; patients and unverified staff cannot."""

import pytest

from bookings.manage_views import PREVIEWS
from tests.auth import login_staff
from tests.factories import TreatmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_with_second_factor_see_every_email(client, admin_user):
    TreatmentFactory(name="Microneedling")
    login_staff(client, admin_user)
    assert client.get("/staff/emails/").status_code == 200
    for name in PREVIEWS:
        page = client.get(f"/staff/emails/{name}/")
        assert page.status_code == 200, name
        assert "Sample Patient" not in page.content.decode() or name == "staff_new_request"
    html = client.get("/staff/emails/consultation_reminder/?part=html")
    assert "#0f4c45" in html.content.decode()
    assert client.get("/staff/emails/nope/").status_code == 404


def test_anonymous_and_unverified_staff_are_turned_away(client, admin_user):
    assert client.get("/staff/emails/").status_code == 302
    client.force_login(admin_user)  # password only, no second factor
    response = client.get("/staff/emails/")
    assert response.status_code == 302 and "two-factor" in response["Location"]
    editor = UserFactory(username="editor")
    client.force_login(editor)
    assert client.get("/staff/emails/").status_code == 403
