import base64
import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings import services
from bookings.emails import send_due
from bookings.models import Consultation, ConsultationEvent, OutboundEmail
from bookings.services import ScreeningAnswer, SlotUnavailable, TransitionNotAllowed
from tests.factories import PractitionerFactory, UserFactory, first_practitioner

Status = Consultation.Status


@pytest.fixture
def request_consultation(treatment, privacy_notice, first_free):
    def make(index: int = 0, **overrides) -> Consultation:
        values = {
            "treatment": treatment,
            "starts_at": first_free(index),
            "full_name": "Ayesha Khan",
            "email": "ayesha@example.com",
            "phone": "+923001234567",
            "contact_preference": "phone",
            "screening_answers": [
                ScreeningAnswer(1, "Pregnancy", "Are you pregnant?", "rules_out", False)
            ],
            "message": "Acne scars.",
        }
        values.update(overrides)
        return services.consultation_request(**values).consultation

    return make


def test_a_request_holds_the_time_logs_it_and_queues_two_emails(request_consultation):
    consultation = request_consultation()
    assert consultation.status == Status.PENDING
    assert consultation.reference.startswith("KH-") and len(consultation.reference) == 9
    assert consultation.consent_version == "2026-11"
    assert consultation.flagged is False
    assert consultation.screening_answers[0]["answer"] == "no"
    event = consultation.events.get()
    assert (event.previous_status, event.new_status) == ("", Status.PENDING)
    emails = OutboundEmail.objects.order_by("to")
    assert [e.to for e in emails] == ["ayesha@example.com", "reception@khanclinic.example"]
    # Rendered from the consultation when sent, not inside the patient's request.
    assert {(e.status, e.body_text) for e in emails} == {("queued", "")}
    assert send_due() == (2, 0)
    emails = OutboundEmail.objects.order_by("to")
    staff = emails[1]
    assert "https://khanclinic.example/admin/bookings/consultation/" in staff.body_text
    for email in emails:
        assert "Pregnan" not in email.body_text + email.body_html + email.subject
        assert "Acne scars" not in email.body_text + email.body_html


def test_the_rows_written_are_the_request_returned(request_consultation, settings):
    """On PostgreSQL one statement writes the request, its event and its emails: every
    column must land where the returned objects say it did."""
    settings.EMAIL_SENT_BY_WORKER = True
    consultation = request_consultation(message="Acne scars on both cheeks.")
    stored = Consultation.objects.get(pk=consultation.pk)
    for field in Consultation._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(consultation, field.attname), field.name
    event = ConsultationEvent.objects.get()
    assert (event.consultation_id, event.note) == (consultation.pk, "Requested online.")
    assert (event.previous_status, event.new_status, event.actor_id) == ("", Status.PENDING, None)
    assert abs(event.at - consultation.created_at) < dt.timedelta(seconds=5)
    emails = list(OutboundEmail.objects.order_by("pk"))
    assert [(e.to, e.template, e.consultation_id, e.status) for e in emails] == [
        ("ayesha@example.com", "consultation_requested", consultation.pk, "queued"),
        ("reception@khanclinic.example", "staff_new_request", consultation.pk, "queued"),
    ]
    assert emails[0].subject == f"We have your consultation request ({consultation.reference})"
    assert [(e.attempts, e.body_text, e.attachments) for e in emails] == [(0, "", [])] * 2
    assert all(e.next_attempt_at <= e.created_at + dt.timedelta(seconds=1) for e in emails)


def test_the_returned_objects_are_saved_ones(request_consultation):
    consultation = request_consultation()
    assert not consultation._state.adding
    consultation.refresh_from_db()
    consultation.full_clean()
    assert consultation.events.count() == 1 and consultation.emails.count() == 2


def test_a_yes_answer_flags_the_request(request_consultation):
    consultation = request_consultation(
        screening_answers=[ScreeningAnswer(1, "Pregnancy", "Are you pregnant?", "rules_out", True)]
    )
    assert consultation.flagged is True
    assert consultation.flagged_answers[0]["name"] == "Pregnancy"


def test_a_full_time_is_refused(request_consultation):
    first = request_consultation()
    with pytest.raises(SlotUnavailable):
        request_consultation(starts_at=first.starts_at, email="other@example.com")
    assert Consultation.objects.filter(starts_at=first.starts_at).count() == 1


def test_two_practitioners_give_two_places_then_refuse(request_consultation):
    second = PractitionerFactory()
    one = request_consultation()
    two = request_consultation(starts_at=one.starts_at)
    assert {one.practitioner, two.practitioner} == {first_practitioner(), second}
    with pytest.raises(SlotUnavailable):
        request_consultation(starts_at=one.starts_at)


def test_the_same_idempotency_key_returns_the_first_request(treatment, privacy_notice, first_free):
    key = uuid.uuid4()
    values = {
        "treatment": treatment,
        "starts_at": first_free(),
        "full_name": "Ayesha Khan",
        "email": "ayesha@example.com",
        "phone": "+923001234567",
        "contact_preference": "phone",
        "idempotency_key": key,
    }
    first = services.consultation_request(**values)
    again = services.consultation_request(**values)
    assert first.created and not again.created
    assert again.consultation.pk == first.consultation.pk
    assert Consultation.objects.count() == 1
    assert OutboundEmail.objects.count() == 2


def test_a_past_or_off_grid_time_is_refused(request_consultation, first_free):
    with pytest.raises(SlotUnavailable):
        request_consultation(starts_at=first_free() + dt.timedelta(minutes=7))
    with pytest.raises(SlotUnavailable):
        request_consultation(starts_at=first_free() - dt.timedelta(days=30))


def test_the_database_refuses_two_active_consultations_for_one_practitioner(
    request_consultation,
):
    first = request_consultation()
    clone = Consultation(
        treatment=first.treatment,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        practitioner=first.practitioner,
        full_name="Someone",
        email="x@example.com",
        phone="+923001234568",
        consent_version="2026-11",
        consented_at=first.consented_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_confirm_then_complete(request_consultation):
    staff = UserFactory()
    consultation = request_consultation()
    services.consultation_confirm(consultation=consultation, actor=staff)
    assert consultation.status == Status.CONFIRMED
    services.consultation_complete(consultation=consultation, actor=staff)
    consultation.refresh_from_db()
    assert consultation.status == Status.COMPLETED
    events = list(consultation.events.values_list("previous_status", "new_status", "actor"))
    assert events == [
        ("", "pending", None),
        ("pending", "confirmed", staff.pk),
        ("confirmed", "completed", staff.pk),
    ]
    confirmed = OutboundEmail.objects.get(subject__startswith="Your consultation is confirmed")
    assert confirmed.attachments[0]["filename"] == "consultation.ics"
    ics = base64.b64decode(confirmed.attachments[0]["content"]).decode()
    assert "BEGIN:VEVENT" in ics and consultation.reference in ics
    assert f"DTSTART:{consultation.starts_at:%Y%m%dT%H%M%S}Z" in ics


def test_repeated_calls_change_nothing(request_consultation):
    consultation = request_consultation()
    services.consultation_confirm(consultation=consultation)
    emails = OutboundEmail.objects.count()
    events = ConsultationEvent.objects.count()
    services.consultation_confirm(consultation=consultation)
    services.consultation_cancel(consultation=consultation, reason="Patient called")
    services.consultation_cancel(consultation=consultation, reason="Again")
    services.consultation_reinstate(consultation=consultation)
    services.consultation_reinstate(consultation=consultation)
    assert ConsultationEvent.objects.count() == events + 2
    assert OutboundEmail.objects.count() == emails + 2


@pytest.mark.parametrize(
    ("start", "service"),
    [
        (Status.PENDING, services.consultation_complete),
        (Status.PENDING, services.consultation_mark_no_show),
        (Status.CANCELLED, services.consultation_confirm),
        (Status.COMPLETED, services.consultation_confirm),
        (Status.COMPLETED, services.consultation_decline),
        (Status.NO_SHOW, services.consultation_complete),
        (Status.DECLINED, services.consultation_confirm),
    ],
)
def test_refused_transitions(request_consultation, start, service):
    consultation = request_consultation()
    Consultation.objects.filter(pk=consultation.pk).update(status=start)
    with pytest.raises(TransitionNotAllowed):
        service(consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.status == start


def test_cancel_records_who_and_why_and_frees_the_time(request_consultation):
    consultation = request_consultation()
    services.consultation_cancel(
        consultation=consultation, reason="Travelling", by=Consultation.CancelledBy.PATIENT
    )
    consultation.refresh_from_db()
    assert consultation.status == Status.CANCELLED
    assert consultation.cancelled_by == "patient"
    assert consultation.cancellation_reason == "Travelling"
    again = request_consultation(starts_at=consultation.starts_at, email="next@example.com")
    assert again.starts_at == consultation.starts_at


def test_reinstate_needs_the_time_to_be_free(request_consultation):
    consultation = request_consultation()
    services.consultation_cancel(consultation=consultation, reason="Patient called")
    request_consultation(starts_at=consultation.starts_at, email="someone@example.com")
    with pytest.raises(SlotUnavailable):
        services.consultation_reinstate(consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.status == Status.CANCELLED


def test_no_show_and_decline_can_be_undone(request_consultation):
    one = request_consultation()
    services.consultation_confirm(consultation=one)
    services.consultation_mark_no_show(consultation=one)
    emails = OutboundEmail.objects.count()
    services.consultation_reinstate(consultation=one)
    assert one.status == Status.CONFIRMED
    assert OutboundEmail.objects.count() == emails  # a correction: no email
    two = request_consultation(1)
    services.consultation_decline(consultation=two)
    services.consultation_reinstate(consultation=two)
    assert two.status == Status.PENDING


def test_reschedule_moves_within_capacity_and_logs_it(request_consultation, first_free):
    consultation = request_consultation()
    other = request_consultation(1)
    with pytest.raises(SlotUnavailable):
        services.consultation_reschedule(consultation=consultation, starts_at=other.starts_at)
    target = first_free(0)  # the first free time now (the two taken are skipped)
    services.consultation_reschedule(consultation=consultation, starts_at=target)
    consultation.refresh_from_db()
    assert consultation.starts_at == target
    assert consultation.ends_at == target + dt.timedelta(minutes=30)
    assert "Moved from" in consultation.events.last().note
    count = ConsultationEvent.objects.count()
    services.consultation_reschedule(consultation=consultation, starts_at=target)
    assert ConsultationEvent.objects.count() == count


def test_reschedule_refuses_ended_consultations(request_consultation, first_free):
    consultation = request_consultation()
    services.consultation_cancel(consultation=consultation, reason="x")
    with pytest.raises(TransitionNotAllowed):
        services.consultation_reschedule(consultation=consultation, starts_at=first_free(1))


def test_events_are_append_only(request_consultation):
    event = request_consultation().events.get()
    event.note = "changed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_the_history_and_the_access_trail_refuse_bulk_changes_too(request_consultation):
    from bookings.models import ConsultationAccess

    consultation = request_consultation()
    ConsultationAccess(consultation=consultation, user=UserFactory()).save()
    for rows in (consultation.events.all(), ConsultationAccess.objects.all()):
        with pytest.raises(ValidationError):
            rows.update(at=consultation.starts_at)
        with pytest.raises(ValidationError):
            rows.delete()
    assert consultation.events.count() == 1 and ConsultationAccess.objects.count() == 1
    # The retention rules may blank the history's free text, and nothing more.
    with pytest.raises(ValidationError):
        consultation.events.all().blank_for_retention(new_status="")
    assert consultation.events.all().blank_for_retention(note="") == 1
    assert consultation.events.get().note == ""


def test_staff_notes(request_consultation):
    staff = UserFactory()
    consultation = request_consultation()
    note = services.consultation_add_note(consultation=consultation, author=staff, text=" Call ")
    assert note.text == "Call" and note.author == staff
    with pytest.raises(ValueError):
        services.consultation_add_note(consultation=consultation, author=staff, text="  ")


def test_the_confirmation_email_carries_the_calendar_file(
    request_consultation, django_capture_on_commit_callbacks
):
    from django.core import mail

    consultation = request_consultation()
    with django_capture_on_commit_callbacks(execute=True):
        services.consultation_confirm(consultation=consultation)
    (message,) = mail.outbox
    assert message.to == ["ayesha@example.com"]
    filename, content, mimetype = message.attachments[0]
    assert (filename, mimetype) == ("consultation.ics", "text/calendar")
    assert consultation.reference in (content if isinstance(content, str) else content.decode())


def test_times_are_stored_in_utc(treatment, privacy_notice, booking_rules):
    from django.db import connection
    from django.utils import timezone

    from bookings import availability

    rules = availability.load_rules()
    slots = availability.upcoming_free_slots(rules, now=timezone.now())
    ten = next(
        start
        for day in sorted(slots)
        for start in slots[day]
        if timezone.localtime(start).strftime("%H:%M") == "10:00"
    )
    services.consultation_request(
        treatment=treatment,
        starts_at=ten,
        full_name="Ayesha Khan",
        email="ayesha@example.com",
        phone="+923001234567",
        contact_preference="phone",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT starts_at FROM bookings_consultation")
        (raw,) = cursor.fetchone()
    raw = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))
    assert (raw.hour, raw.minute) == (5, 0)  # 10:00 in Islamabad is 05:00 UTC


def test_a_practitioner_who_left_keeps_their_patients_and_takes_no_more(
    request_consultation, first_free
):
    """Two patients hold a time with two practitioners; the first practitioner leaves and
    their patient cancels. The second still holds the other, so the time is full."""
    PractitionerFactory()
    one = request_consultation()
    two = request_consultation(starts_at=one.starts_at, email="other@example.com")
    assert one.practitioner == first_practitioner() != two.practitioner
    type(one.practitioner).objects.filter(pk=one.practitioner_id).update(is_active=False)
    services.consultation_cancel(consultation=one, reason="Travelling.")
    with pytest.raises(SlotUnavailable):
        request_consultation(starts_at=one.starts_at, email="third@example.com")
    assert Consultation.objects.filter(starts_at=one.starts_at, status="pending").get() == two


def test_the_online_path_names_no_one_and_staff_bookings_say_who_and_how(request_consultation):
    """The keyword arguments for reception; their cases are in test_services_reception."""
    online = request_consultation()
    assert (online.source, online.screening_pending) == ("online", False)
    assert online.events.get().note == "Requested online."
    staff = UserFactory(first_name="Amina", last_name="Butt")
    booked = request_consultation(
        1, source="walk_in", actor=staff, confirm=True, screening_answers=[], screening_later=True
    )
    assert (booked.status, booked.source, booked.screening_pending) == (
        "confirmed",
        "walk_in",
        True,
    )
    notes = [e.note for e in booked.events.all()]
    assert notes[0].startswith("Booked at the desk by Amina Butt.")
    assert [e.new_status for e in booked.events.all()] == ["pending", "confirmed"]


def test_a_reference_another_consultation_has_is_drawn_again_not_refused(
    request_consultation, first_free, monkeypatch
):
    first = request_consultation()
    field = Consultation._meta.get_field("reference")
    monkeypatch.setattr(field, "default", lambda: first.reference)  # the random draw repeats
    second = request_consultation(starts_at=first_free(1), email="other@example.com")
    assert second.reference != first.reference and second.reference.startswith("KH-")
    assert Consultation.objects.count() == 2
