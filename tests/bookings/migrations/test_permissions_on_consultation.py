"""The back-office permissions live on Consultation, and moving them there (or back)
keeps every grant: the same rows change model, none is created anew."""

import pytest
from django.contrib.auth.models import Group, Permission

from tests.bookings.migrations import state
from tests.factories import UserFactory

BEFORE = [("bookings", "0008_no_overlapping_consultations")]
AFTER = [("bookings", "0009_permissions_on_consultation")]
FORMER = {
    "export_consultation": "staffcalendarfeed",
    "record_attendance": "staffcalendarfeed",
    "handle_data_requests": "erasurelog",
}


def _where() -> dict[str, list[tuple[int, str]]]:
    return {
        codename: sorted(
            Permission.objects.filter(
                content_type__app_label="bookings", codename=codename
            ).values_list("pk", "content_type__model")
        )
        for codename in FORMER
    }


@pytest.mark.django_db
def test_the_back_office_permissions_are_on_consultation_and_the_roles_hold_them():
    assert {codename: [model for _pk, model in rows] for codename, rows in _where().items()} == {
        codename: ["consultation"] for codename in FORMER
    }
    reception = Group.objects.get(name="Reception")
    clinicians = Group.objects.get(name="Clinicians")
    for codename in ("export_consultation", "record_attendance"):
        assert reception.permissions.filter(codename=codename).exists()
    assert clinicians.permissions.filter(codename="record_attendance").exists()


@pytest.mark.django_db(transaction=True)
def test_moving_the_permissions_back_and_forth_keeps_every_grant():
    from tests.bookings.admin.roles import role_group

    reception = role_group("Reception")
    officer = UserFactory()
    officer.user_permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="handle_data_requests")
    )
    rows = {codename: pk for codename, [(pk, _model)] in _where().items()}
    try:
        state.migrate(BEFORE)
        assert _where() == {codename: [(rows[codename], FORMER[codename])] for codename in FORMER}
        assert reception.permissions.filter(pk=rows["export_consultation"]).exists()
        state.migrate(AFTER)
    finally:
        state.migrate_to_latest()
    assert _where() == {codename: [(rows[codename], "consultation")] for codename in FORMER}
    assert reception.permissions.filter(pk=rows["export_consultation"]).exists()
    officer = type(officer).objects.get(pk=officer.pk)  # no cached permissions
    assert officer.has_perm("bookings.handle_data_requests")


@pytest.mark.django_db(transaction=True)
def test_a_permission_already_on_consultation_takes_over_the_grants_of_the_old_one():
    from django.contrib.contenttypes.models import ContentType

    from tests.bookings.admin.roles import role_group

    try:
        state.migrate(BEFORE)
        reception = role_group("Reception")
        # As if post_migrate had already created the row on Consultation.
        early = Permission.objects.create(
            content_type=ContentType.objects.get(app_label="bookings", model="consultation"),
            codename="export_consultation",
            name="Can export consultations to CSV",
        )
        accountants = Group.objects.create(name="Accountants")
        accountants.permissions.add(early)
        state.migrate(AFTER)
    finally:
        state.migrate_to_latest()
    assert _where()["export_consultation"] == [(early.pk, "consultation")]
    assert reception.permissions.filter(pk=early.pk).exists()
    assert accountants.permissions.filter(pk=early.pk).exists()
