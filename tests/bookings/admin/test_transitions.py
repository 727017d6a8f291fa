"""Status changes from the admin: list actions and the buttons and pages on one
consultation, each through its service, logged, and offered only to those allowed."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookings.models import Consultation, OutboundEmail
from tests.bookings.conftest import KARACHI

CHANGELIST = "admin:bookings_consultation_changelist"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _action(client, name, consultations, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": name, "_selected_action": [c.pk for c in consultations], **extra},
        follow=True,
    )


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


def test_a_bulk_action_reports_changed_unchanged_and_refused(as_role, booking):
    first, second = booking(0), booking(1, status="confirmed")
    third = booking(2, status="cancelled")
    client = as_role("Reception")
    response = _action(client, "action_consultation_confirm", [first, second, third])
    text = " ".join(messages_of(response))
    assert f"Confirmed: {first.reference}" in text
    assert f"nothing changed: {second.reference}" in text
    assert f"Refused: {third.reference} (A consultation that is cancelled cannot" in text
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.status == "confirmed" and third.status == "cancelled"
    assert LogEntry.objects.filter(object_id=str(first.pk)).count() == 1
    assert not LogEntry.objects.filter(object_id=str(third.pk)).exists()
    assert OutboundEmail.objects.filter(consultation=first).count() == 1


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("action_consultation_confirm", "pending", "confirmed"),
        ("action_consultation_decline", "pending", "declined"),
        ("action_consultation_complete", "confirmed", "completed"),
        ("action_consultation_mark_no_show", "confirmed", "no_show"),
        ("action_consultation_reinstate", "cancelled", "pending"),
        ("action_consultation_reinstate", "no_show", "confirmed"),
    ],
)
def test_each_action_makes_its_change(as_role, booking, action, before, after):
    consultation = booking(status=before)
    client = as_role("Reception")
    _action(client, action, [consultation])
    consultation.refresh_from_db()
    assert consultation.status == after
    event = consultation.events.get()
    assert event.previous_status == before and event.actor == client.user


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("action_consultation_confirm", "completed"),
        ("action_consultation_decline", "confirmed"),
        ("action_consultation_complete", "pending"),
        ("action_consultation_mark_no_show", "cancelled"),
        ("action_consultation_reinstate", "completed"),
    ],
)
def test_each_action_refuses_what_it_must(as_role, booking, action, status):
    consultation = booking(status=status)
    client = as_role("Reception")
    response = _action(client, action, [consultation])
    consultation.refresh_from_db()
    assert consultation.status == status
    assert any(m.startswith("Refused:") for m in messages_of(response))


def test_bulk_cancel_asks_for_a_reason_first(as_role, booking):
    first, second = booking(0), booking(1, status="confirmed")
    client = as_role("Reception")
    page = _action(client, "cancel_selected", [first, second])
    html = page.content.decode()
    assert 'name="reason"' in html and first.reference in html and second.reference in html
    first.refresh_from_db()
    assert first.status == "pending"
    response = _action(
        client, "cancel_selected", [first, second], apply="1", reason="Doctor unwell"
    )
    for c in (first, second):
        c.refresh_from_db()
        assert c.status == "cancelled" and c.cancellation_reason == "Doctor unwell"
        assert c.cancelled_by == "clinic"
        assert c.emails.filter(subject__startswith="Your consultation is cancelled").exists()
    assert "Cancelled:" in " ".join(messages_of(response))


def test_the_detail_page_buttons_change_status_through_the_services(as_role, booking):
    consultation = booking()
    client = as_role("Reception")
    change_url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = client.get(change_url).content.decode()
    confirm_url = reverse(
        "admin:bookings_consultation_transition", args=[consultation.pk, "confirm"]
    )
    assert confirm_url in html and 'name="status"' not in html
    assert client.get(confirm_url).status_code == 405
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"] == change_url
    consultation.refresh_from_db()
    assert consultation.status == "confirmed"
    assert (
        LogEntry.objects.get(object_id=str(consultation.pk))
        .get_change_message()
        .startswith("Confirmed")
    )
    html = client.get(change_url).content.decode()
    assert (
        reverse("admin:bookings_consultation_transition", args=[consultation.pk, "complete"])
        in html
    )
    assert confirm_url not in html


def test_the_cancel_page_cancels_with_the_reason(as_role, booking):
    consultation = booking(status="confirmed")
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_cancel", args=[consultation.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again
    client.post(url, {"reason": "Patient phoned"})
    consultation.refresh_from_db()
    assert (
        consultation.status == "cancelled" and consultation.cancellation_reason == "Patient phoned"
    )
    assert consultation.events.get().note == "Patient phoned"


def test_moving_lists_free_times_and_emails_the_patient(as_role, booking, first_free):
    consultation = booking(0, status="confirmed")
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_reschedule", args=[consultation.pk])
    target = first_free(1)
    html = client.get(url).content.decode()
    assert f'value="{target.isoformat()}"' in html
    assert f'value="{timezone.localtime(consultation.starts_at, KARACHI).isoformat()}"' not in html
    response = client.post(url, {"starts_at": target.isoformat(), "note": "Asked by phone"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.starts_at == target and consultation.status == "confirmed"
    assert consultation.emails.filter(subject__startswith="Your consultation has moved").exists()
    assert LogEntry.objects.filter(object_id=str(consultation.pk)).exists()


def test_moving_to_a_time_not_offered_is_refused(as_role, booking):
    consultation = booking(0)
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_reschedule", args=[consultation.pk])
    response = client.post(url, {"starts_at": "2020-01-01T10:00:00+05:00"})
    assert response.status_code == 200
    consultation.refresh_from_db()
    assert consultation.starts_at != dt.datetime(2020, 1, 1, 5, tzinfo=dt.UTC)


def test_the_move_action_needs_exactly_one(as_role, booking):
    first, second = booking(0), booking(1)
    client = as_role("Reception")
    response = _action(client, "reschedule_selected", [first, second])
    assert "exactly one" in " ".join(messages_of(response))
    response = client.post(
        reverse(CHANGELIST), {"action": "reschedule_selected", "_selected_action": [first.pk]}
    )
    assert response["Location"] == reverse(
        "admin:bookings_consultation_reschedule", args=[first.pk]
    )


# --- clinicians and content editors ----------------------------------------------------


def test_a_clinician_sees_screening_but_cannot_confirm_or_cancel(as_role, booking):
    consultation = booking(
        flagged=True,
        screening_answers=[
            {"name": "Pregnancy", "question": "Are you pregnant?", "answer": "yes"},
            {"name": "Acne", "question": "Active acne?", "answer": "no"},
        ],
    )
    client = as_role("Clinicians")
    html = client.get(
        reverse("admin:bookings_consultation_change", args=[consultation.pk])
    ).content.decode()
    assert '<li class="screening-yes"><strong>YES</strong>: Are you pregnant?' in html
    assert "transition-confirm" not in html and "Cancel…" not in html
    for name in ("confirm", "decline", "reinstate"):
        url = reverse("admin:bookings_consultation_transition", args=[consultation.pk, name])
        assert client.post(url).status_code == 403
    url = reverse("admin:bookings_consultation_cancel", args=[consultation.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    # Not offered as list actions either, and refused if posted anyway.
    _action(client, "action_consultation_confirm", [consultation])
    consultation.refresh_from_db()
    assert consultation.status == "pending"


def test_a_clinician_records_attendance_and_adds_notes(as_role, booking):
    consultation = booking(status="confirmed")
    client = as_role("Clinicians")
    change_url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = client.get(change_url).content.decode()
    assert "transition-complete" in html and 'id="note-form"' in html
    client.post(
        reverse("admin:bookings_consultation_note", args=[consultation.pk]), {"text": "Skin fine."}
    )
    assert consultation.notes.get().author == client.user
    client.post(
        reverse("admin:bookings_consultation_transition", args=[consultation.pk, "complete"])
    )
    consultation.refresh_from_db()
    assert consultation.status == "completed"


def test_content_editors_cannot_post_to_back_office_urls(as_role, booking):
    consultation = booking()
    client = as_role("Content editors")
    url = reverse("admin:bookings_consultation_transition", args=[consultation.pk, "confirm"])
    assert client.post(url).status_code == 403
    url = reverse("admin:bookings_consultation_note", args=[consultation.pk])
    assert client.post(url, {"text": "x"}).status_code == 403


def test_each_button_follows_the_statuses_the_model_allows(as_role, booking):
    from bookings.admin.transitions import TRANSITIONS

    client = as_role("superuser")
    for status in Consultation.Status.values:
        consultation = booking(list(Consultation.Status.values).index(status), status=status)
        html = client.get(
            reverse("admin:bookings_consultation_change", args=[consultation.pk])
        ).content.decode()
        for name in TRANSITIONS:
            offered = f"transition-{name}" in html
            assert offered == (status in Consultation.ALLOWED_FROM[name]), (status, name)
        for name, link in [("cancel", "Cancel…"), ("reschedule", "Move to another time")]:
            assert (link in html) == (status in Consultation.ALLOWED_FROM[name]), (status, name)
