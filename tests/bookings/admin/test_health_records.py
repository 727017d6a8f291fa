"""Screening answers, the patient's message and clinical notes are health data: only
Clinicians and the owner see them. Reception sees that a request is flagged, in one line."""

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import ConsultationNote

ANSWER = "Are you pregnant?"
MESSAGE = "My eczema flares on the cheeks"
NOTE = "Discussed the eczema history with the patient"
SEE_EVERYTHING = ["superuser", "Clinicians"]


@pytest.fixture
def record(consultation):
    consultation.message = MESSAGE
    consultation.save(update_fields=["message"])
    ConsultationNote.objects.create(consultation=consultation, text=NOTE)
    return consultation


def _pages(client, consultation) -> dict[str, str]:
    day = consultation.starts_at.date().isoformat()
    urls = {
        "list": reverse("admin:bookings_consultation_changelist"),
        "detail": reverse("admin:bookings_consultation_change", args=[consultation.pk]),
        "agenda": reverse("admin:bookings_consultation_agenda") + f"?date={day}&span=week",
        "export": reverse("admin:bookings_consultation_export") + "?when=upcoming",
        "previews": reverse("admin:bookings_outboundemail_previews"),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        if response.status_code == 200:
            pages[name] = (
                b"".join(response).decode() if response.streaming else response.content.decode()
            )
    return pages


@pytest.mark.parametrize("role", SEE_EVERYTHING)
def test_clinicians_and_the_owner_see_the_answers_message_and_notes(as_role, record, role):
    pages = _pages(as_role(role), record)
    detail = pages["detail"]
    assert ANSWER in detail and "YES" in detail
    assert MESSAGE in detail
    assert NOTE in detail


def test_reception_sees_one_line_that_a_clinician_must_review_and_nothing_else(as_role, record):
    pages = _pages(as_role("Reception"), record)
    assert {"list", "detail", "agenda"} <= set(pages)
    detail = pages["detail"]
    assert "Flagged for a clinician: 1 screening answer to review before the visit." in detail
    for name, html in pages.items():
        for secret in (ANSWER, "Pregnancy", MESSAGE, NOTE, "eczema"):
            assert secret not in html, (name, secret)


@pytest.mark.parametrize("role", ["superuser", "Reception", "Clinicians"])
def test_no_list_agenda_export_or_email_preview_shows_answers_or_messages(as_role, record, role):
    pages = _pages(as_role(role), record)
    for name in ("list", "agenda", "export", "previews"):
        if name in pages:
            for secret in (ANSWER, MESSAGE, NOTE):
                assert secret not in pages[name], (role, name, secret)


def test_reception_saving_the_record_keeps_the_message_it_cannot_see(as_role, record):
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_change", args=[record.pk])
    html = client.get(url).content.decode()
    assert 'name="message"' not in html
    response = client.post(
        url,
        {
            "full_name": "Ayesha Khan-Malik",
            "email": record.email,
            "phone": "0300 1234567",
            "contact_preference": "phone",
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record.refresh_from_db()
    assert record.full_name == "Ayesha Khan-Malik"
    assert record.message == MESSAGE


def test_an_unflagged_request_says_there_is_nothing_to_review(as_role, treatment, first_free):
    consultation = services.consultation_request(
        treatment=treatment,
        starts_at=first_free(3),
        full_name="Sana Malik",
        email="sana@example.com",
        phone="+923001234568",
        contact_preference="phone",
        screening_answers=[services.ScreeningAnswer(1, "Pregnancy", ANSWER, "rules_out", False)],
    ).consultation
    client = as_role("Reception")
    html = client.get(
        reverse("admin:bookings_consultation_change", args=[consultation.pk])
    ).content.decode()
    assert "Nothing to review: every screening answer was no." in html
    assert ANSWER not in html
