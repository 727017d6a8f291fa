import pytest
from django.urls import reverse

from bookings import services
from bookings.models import (
    BookingSettings,
    Closure,
    Consultation,
    ConsultationEvent,
    ConsultationNote,
    OutboundEmail,
)
from tests.auth import login_staff
from tests.factories import ConsultationFactory, UserFactory


@pytest.fixture
def admin_client(client, booking_rules):
    user = UserFactory(is_superuser=True)
    login_staff(client, user)
    client.user = user
    return client


@pytest.fixture
def consultation(treatment, privacy_notice, first_free):
    return services.consultation_request(
        treatment=treatment,
        starts_at=first_free(),
        full_name="Ayesha Khan",
        email="ayesha@example.com",
        phone="+923001234567",
        contact_preference="phone",
        screening_answers=[
            services.ScreeningAnswer(1, "Pregnancy", "Are you pregnant?", "rules_out", True)
        ],
    ).consultation


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
    assert admin_client.get(reverse("admin:bookings_consultation_add")).status_code == 403


def test_the_consultation_page_shows_screening_but_status_is_read_only(admin_client, consultation):
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = admin_client.get(url).content.decode()
    assert "YES" in html and "Are you pregnant?" in html
    assert 'name="status"' not in html


def test_filters_by_flag_and_status(admin_client, consultation):
    url = reverse("admin:bookings_consultation_changelist")
    response = admin_client.get(url, {"flagged__exact": "1", "status__exact": "pending"})
    assert consultation.reference in response.content.decode()


def test_actions_go_through_the_services_and_log(admin_client, consultation):
    url = reverse("admin:bookings_consultation_changelist")
    admin_client.post(
        url,
        {"action": "action_consultation_confirm", "_selected_action": [consultation.pk]},
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CONFIRMED
    event = consultation.events.last()
    assert event.actor == admin_client.user and event.previous_status == "pending"
    # Refused transitions are reported, not applied.
    admin_client.post(
        url,
        {"action": "action_consultation_decline", "_selected_action": [consultation.pk]},
    )
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CONFIRMED


def test_staff_add_internal_notes(admin_client, consultation):
    url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    response = admin_client.post(
        url,
        {
            "full_name": consultation.full_name,
            "email": consultation.email,
            "phone": "0300 1234567",
            "contact_preference": "phone",
            "message": "",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
            "notes-0-text": "Called, left a message.",
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
            "accesses-TOTAL_FORMS": "0",
            "accesses-INITIAL_FORMS": "0",
            "accesses-MIN_NUM_FORMS": "0",
            "accesses-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    note = ConsultationNote.objects.get()
    assert note.author == admin_client.user and note.text == "Called, left a message."
    assert ConsultationEvent.objects.count() == 1


def test_settings_cannot_be_added_twice_or_deleted(admin_client):
    assert admin_client.get(reverse("admin:bookings_bookingsettings_add")).status_code == 403


def test_factory_makes_a_consultation(db):
    assert ConsultationFactory().status == "pending"
