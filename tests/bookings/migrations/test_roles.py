"""The roles come from the data migration, not from test set-up."""

import pytest
from django.contrib.auth.models import Group


@pytest.mark.django_db
def test_a_fresh_database_has_the_three_staff_roles_with_their_permissions():
    roles = {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }
    assert {"Reception", "Clinicians", "Content editors"} <= set(roles)
    assert "bookings.change_consultation" in roles["Reception"]
    assert not any(perm.startswith("treatments.") for perm in roles["Reception"])
    assert "bookings.view_consultation" in roles["Clinicians"]
    assert "bookings.change_consultation" not in roles["Clinicians"]
    assert not any(perm.startswith("bookings.") for perm in roles["Content editors"])


@pytest.mark.django_db
def test_clinicians_may_read_the_access_trail_and_reception_may_not():
    clinicians = Group.objects.get(name="Clinicians")
    reception = Group.objects.get(name="Reception")
    assert clinicians.permissions.filter(codename="view_consultationaccess").exists()
    assert not reception.permissions.filter(codename="view_consultationaccess").exists()


@pytest.mark.django_db
def test_only_clinicians_read_health_records_and_clinical_notes():
    clinicians = Group.objects.get(name="Clinicians")
    reception = Group.objects.get(name="Reception")
    for codename in ("view_health_record", "view_consultationnote", "add_consultationnote"):
        assert clinicians.permissions.filter(codename=codename).exists(), codename
        assert not reception.permissions.filter(codename=codename).exists(), codename
