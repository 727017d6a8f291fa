"""Patients' rights page, access trail and erasure log in the back office."""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from bookings.admin.records import ConsultationAccessInline
from bookings.models import Consultation, ConsultationAccess, ErasureLog
from bookings.records import record_access
from tests.auth import login_staff
from tests.bookings.admin.roles import staff_with
from tests.factories import UserFactory

PATIENT = "ayesha@example.com"
RIGHTS = "/admin/bookings/erasurelog/rights/"


@pytest.fixture
def officer(client, db):
    user = staff_with("handle_data_requests", "view_consultation", "view_erasurelog")
    login_staff(client, user)
    client.user = user
    return client


def test_the_rights_page_finds_a_patient_by_email_sent_in_the_body(officer, consultation):
    assert officer.get(reverse("admin:bookings_patient_rights")).status_code == 200
    response = officer.post(RIGHTS, {"email": PATIENT, "action": "find"})
    html = response.content.decode()
    assert response.status_code == 200
    assert consultation.reference in html
    assert "1 consultation request(s)" in html
    title = html.split("<title>")[1].split("</title>")[0]
    assert PATIENT not in title and "Ayesha" not in title
    # looking is recorded like opening the record
    assert ConsultationAccess.objects.filter(consultation=consultation, user=officer.user).exists()


def test_exports_download_json_and_csv_without_the_address_in_the_file_name(officer, consultation):
    response = officer.post(RIGHTS, {"email": PATIENT, "action": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "ayesha" not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["consultations"][0]["reference"] == consultation.reference
    assert data["consultations"][0]["screening_answers"][0]["answer"] == "yes"
    response = officer.post(RIGHTS, {"email": PATIENT, "action": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert consultation.reference in response.content.decode()


def test_erasure_asks_for_confirmation_then_erases_and_logs(officer, consultation):
    response = officer.post(RIGHTS, {"email": PATIENT, "action": "erase"})
    assert response.status_code == 200
    assert "Yes, erase it" in response.content.decode()
    consultation.refresh_from_db()
    assert consultation.anonymised_at is None  # nothing happens before confirming

    response = officer.post(RIGHTS, {"email": PATIENT, "action": "confirm_erase", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bookings_erasurelog_changelist")
    consultation.refresh_from_db()
    assert consultation.full_name == "Anonymised" and consultation.email == ""
    entry = ErasureLog.objects.get()
    assert entry.actor == officer.user and entry.consultations == 1
    changelist = officer.get(reverse("admin:bookings_erasurelog_changelist"))
    assert changelist.status_code == 200
    assert "Erased: 1 consultation(s)" in changelist.content.decode()
    assert PATIENT not in changelist.content.decode()


def test_a_receptionist_without_the_permission_cannot_open_or_use_the_rights_page(
    client, consultation
):
    receptionist = staff_with("view_consultation", "change_consultation")
    login_staff(client, receptionist)
    assert client.get(RIGHTS).status_code == 403
    for action in ("find", "json", "csv", "confirm_erase"):
        response = client.post(RIGHTS, {"email": PATIENT, "action": action, "confirm": "yes"})
        assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.anonymised_at is None
    assert not ErasureLog.objects.exists()
    assert client.get(reverse("admin:bookings_erasurelog_changelist")).status_code == 403


def test_a_bad_address_is_refused_politely(officer, db):
    response = officer.post(RIGHTS, {"email": "not-an-address", "action": "find"})
    assert response.status_code == 400


# --- access trail ---------------------------------------------------------------------


@pytest.fixture
def access(consultation):
    viewer = UserFactory()
    record_access(viewer, consultation)
    return ConsultationAccess.objects.get()


def test_the_trail_is_read_only_in_admin_even_for_a_superuser(client, access):
    owner = staff_with(superuser=True)
    login_staff(client, owner)
    changelist = reverse("admin:bookings_consultationaccess_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:bookings_consultationaccess_add")).status_code == 403
    change = reverse("admin:bookings_consultationaccess_change", args=[access.pk])
    assert client.get(change).status_code == 200  # a read-only view
    assert client.post(change, {"user": owner.pk}).status_code == 403
    delete = reverse("admin:bookings_consultationaccess_delete", args=[access.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [access.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)  # no actions: nothing to run
    assert ConsultationAccess.objects.filter(pk=access.pk).exists()


def test_the_erasure_log_is_read_only_in_admin_even_for_a_superuser(client, db):
    owner = staff_with(superuser=True)
    login_staff(client, owner)
    entry = ErasureLog(actor=owner, consultations=1)
    entry.save()
    assert client.get(reverse("admin:bookings_erasurelog_add")).status_code == 403
    change = reverse("admin:bookings_erasurelog_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"consultations": 0}).status_code == 403
    delete = reverse("admin:bookings_erasurelog_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ErasureLog.objects.get().consultations == 1


def test_clinicians_with_the_view_permission_read_the_trail_and_others_cannot(client, access):
    clinician = staff_with("view_consultation", "view_consultationaccess")
    login_staff(client, clinician)
    url = reverse("admin:bookings_consultationaccess_changelist")
    assert client.get(url).status_code == 200
    client.logout()
    receptionist = staff_with("view_consultation")
    login_staff(client, receptionist)
    assert client.get(url).status_code == 403


def test_a_password_only_sign_in_cannot_open_a_record_and_leaves_no_trail(client, consultation):
    clinician = staff_with("view_consultation")
    client.force_login(clinician)  # password only: no second factor proved
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "two-factor" in response["Location"]
    assert not ConsultationAccess.objects.exists()


def test_opening_a_record_appends_who_and_when(client, consultation):
    clinician = staff_with("view_consultation", "view_consultationaccess")
    login_staff(client, clinician)
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    assert client.get(url).status_code == 200
    first = ConsultationAccess.objects.get()
    assert (first.consultation, first.user) == (consultation, clinician)
    assert client.get(url).status_code == 200
    assert ConsultationAccess.objects.count() == 2
    trail = client.get(reverse("admin:bookings_consultationaccess_changelist"))
    assert consultation.reference in trail.content.decode()


def test_a_missing_record_writes_no_trail(client, db):
    clinician = staff_with("view_consultation")
    login_staff(client, clinician)
    response = client.get(reverse("admin:bookings_consultation_change", args=[999999]))
    assert response.status_code == 302
    assert not ConsultationAccess.objects.exists()


def _open_with_trail_inline(rf, user, consultation):
    base = type(admin.site._registry[Consultation])
    with_inline = type(
        "WithTrail", (base,), {"inlines": [*base.inlines, ConsultationAccessInline]}
    )(Consultation, admin.site)
    request = rf.get(reverse("admin:bookings_consultation_change", args=[consultation.pk]))
    request.user = user
    request.session = {}
    response = with_inline.change_view(request, str(consultation.pk))
    response.render()
    return response


def test_the_trail_inline_shows_only_to_those_allowed_to_read_it(rf, consultation):
    clinician = staff_with("view_consultation", "view_consultationaccess")
    _open_with_trail_inline(rf, clinician, consultation)
    response = _open_with_trail_inline(rf, clinician, consultation)
    assert response.status_code == 200
    assert "Who opened this record" in response.content.decode()
    receptionist = staff_with("view_consultation")
    response = _open_with_trail_inline(rf, receptionist, consultation)
    assert "Who opened this record" not in response.content.decode()
    assert ConsultationAccess.objects.filter(user=receptionist).count() == 1


def test_an_anonymised_record_still_opens_in_the_back_office(client, consultation):
    from bookings.records import consultations_anonymise

    consultations_anonymise(ids=[consultation.pk])
    owner = staff_with(superuser=True)
    login_staff(client, owner)
    response = client.get(reverse("admin:bookings_consultation_change", args=[consultation.pk]))
    assert response.status_code == 200
    assert "Anonymised" in response.content.decode()
    for name in ("changelist", "agenda", "export"):
        assert client.get(reverse(f"admin:bookings_consultation_{name}")).status_code == 200
    from bookings.admin import views as admin_views

    exported = admin_views.export_csv(Consultation.objects.all()).content.decode()
    assert "Anonymised" in exported and "ayesha" not in exported.lower()
