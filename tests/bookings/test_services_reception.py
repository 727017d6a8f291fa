"""The services reception uses: a request booked by staff (``consultation_request`` with
``actor``, ``source``, ``confirm``, ``screening_later``, ``allow_inside_notice``), the
screening answered later, and a reminder sent by WhatsApp."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability, services
from bookings.admin.phone_booking import staff_free_slots
from bookings.models import BookingSettings, Closure, Consultation, OutboundEmail
from bookings.reminders import send_reminders
from bookings.services import ScreeningAnswer, SlotUnavailable, TransitionNotAllowed
from tests.factories import UserFactory

Status = Consultation.Status


@pytest.fixture
def receptionist(db):
    return UserFactory(username="amina", first_name="Amina", last_name="Butt")


@pytest.fixture
def staff_request(treatment, privacy_notice, first_free, receptionist):
    def make(index: int = 0, **overrides) -> services.RequestResult:
        values = {
            "treatment": treatment,
            "starts_at": first_free(index),
            "full_name": "Rabia Anwar",
            "email": "",
            "phone": "+923217654321",
            "contact_preference": "whatsapp",
            "source": Consultation.Source.PHONE,
            "actor": receptionist,
        }
        values.update(overrides)
        return services.consultation_request(**values)

    return make


def inside_notice(rules) -> dt.datetime:
    now = timezone.now()
    starts = [s for times in staff_free_slots(rules, now=now).values() for s in times]
    return next(s for s in starts if s < now + rules.min_notice)


@pytest.fixture
def long_notice(booking_rules):
    BookingSettings.objects.filter(pk=1).update(min_notice_hours=72)
    return availability.load_rules()


# --- booked by staff --------------------------------------------------------------------


def test_a_caller_without_email_is_booked_with_no_email_and_no_staff_alert(staff_request):
    consultation = staff_request().consultation
    assert (consultation.status, consultation.source, consultation.email) == (
        Status.PENDING,
        "phone",
        "",
    )
    event = consultation.events.get()
    assert event.actor.username == "amina"
    assert event.note == "Booked by phone by Amina Butt."
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("source", "phrase"),
    [("whatsapp", "Booked on WhatsApp by Amina Butt."), ("walk_in", "Booked at the desk by")],
)
def test_the_history_says_how_the_patient_asked(staff_request, source, phrase):
    consultation = staff_request(source=source).consultation
    assert consultation.events.get().note.startswith(phrase)


def test_with_an_address_the_patient_gets_the_acknowledgement_only(staff_request):
    consultation = staff_request(email="rabia@example.com").consultation
    email = OutboundEmail.objects.get()
    assert (email.to, email.template) == ("rabia@example.com", "consultation_requested")
    assert email.consultation_id == consultation.pk


def test_confirm_follows_the_confirmation_rules_in_the_same_request(staff_request):
    consultation = staff_request(email="rabia@example.com", confirm=True).consultation
    assert consultation.status == Status.CONFIRMED
    stored = Consultation.objects.get(pk=consultation.pk)
    assert stored.status == Status.CONFIRMED
    events = [(e.previous_status, e.new_status, e.actor.username) for e in stored.events.all()]
    assert events == [("", "pending", "amina"), ("pending", "confirmed", "amina")]
    (email,) = OutboundEmail.objects.all()
    assert email.subject.startswith("Your consultation is confirmed")
    assert email.attachments[0]["filename"] == "consultation.ics"


def test_confirm_without_an_address_sends_nothing(staff_request):
    consultation = staff_request(confirm=True).consultation
    assert consultation.status == Status.CONFIRMED
    assert not OutboundEmail.objects.exists()


def test_the_same_token_twice_books_and_confirms_once(staff_request):
    key = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    first = staff_request(idempotency_key=key, confirm=True)
    again = staff_request(idempotency_key=key, confirm=True)
    assert first.created and not again.created
    assert again.consultation.pk == first.consultation.pk
    assert Consultation.objects.count() == 1
    assert first.consultation.events.count() == 2


def test_inside_the_notice_only_when_staff_allow_it(staff_request, long_notice):
    start = inside_notice(long_notice)
    with pytest.raises(SlotUnavailable):
        staff_request(starts_at=start)
    consultation = staff_request(starts_at=start, allow_inside_notice=True).consultation
    assert consultation.starts_at == start
    # Never over capacity, even inside the notice.
    with pytest.raises(SlotUnavailable):
        staff_request(starts_at=start, allow_inside_notice=True, phone="+923001112223")


def test_never_in_the_past_or_on_a_closure(staff_request, first_free):
    with pytest.raises(SlotUnavailable):
        staff_request(starts_at=timezone.now() - dt.timedelta(hours=1), allow_inside_notice=True)
    start = first_free()
    day = start.astimezone(availability.clinic_tz()).date()
    Closure.objects.create(starts_on=day, ends_on=day, reason="Eid")
    with pytest.raises(SlotUnavailable):
        staff_request(starts_at=start, allow_inside_notice=True, rules=availability.load_rules())


def test_screening_later_marks_it_pending(staff_request):
    consultation = staff_request(screening_later=True).consultation
    assert consultation.screening_pending is True
    assert consultation.screening_answers == [] and consultation.flagged is False
    assert "left for the patient" in consultation.events.get().note


@pytest.mark.parametrize(
    "overrides",
    [
        {"actor": None},  # a phone booking without a staff member
        {"actor": None, "source": "online", "confirm": True},
        {"actor": None, "source": "online", "allow_inside_notice": True},
        {"actor": None, "source": "online", "email": ""},
        {"source": "carrier_pigeon"},
        {
            "screening_later": True,
            "screening_answers": [ScreeningAnswer(1, "Pregnancy", "Pregnant?", "rules_out", False)],
        },
    ],
)
def test_combinations_that_make_no_sense_are_refused(staff_request, overrides):
    with pytest.raises(ValueError):
        staff_request(**overrides)
    assert not Consultation.objects.exists()


# --- screening answered later ------------------------------------------------------------

YES = ScreeningAnswer(7, "Pregnancy", "Are you pregnant?", "rules_out", True)
NO = ScreeningAnswer(8, "Active acne", "Active acne?", "discuss", False)


def test_recording_the_screening_stores_it_flags_a_yes_and_clears_pending(staff_request):
    consultation = staff_request(screening_later=True).consultation
    services.consultation_record_screening(consultation=consultation, screening_answers=[NO, YES])
    stored = Consultation.objects.get(pk=consultation.pk)
    assert stored.screening_pending is False and stored.flagged is True
    assert [a["answer"] for a in stored.screening_answers] == ["no", "yes"]
    event = stored.events.last()
    assert (event.actor, event.note) == (
        None,
        "Screening questions answered online by the patient.",
    )
    assert event.previous_status == event.new_status == Status.PENDING
    assert not OutboundEmail.objects.exists()  # health data is never emailed


def test_recording_the_screening_twice_changes_nothing(staff_request):
    consultation = staff_request(screening_later=True).consultation
    services.consultation_record_screening(consultation=consultation, screening_answers=[NO])
    services.consultation_record_screening(consultation=consultation, screening_answers=[YES])
    stored = Consultation.objects.get(pk=consultation.pk)
    assert stored.flagged is False and len(stored.screening_answers) == 1
    assert stored.events.count() == 2


def test_staff_may_enter_the_answers_and_are_named(staff_request, receptionist):
    consultation = staff_request(screening_later=True).consultation
    services.consultation_record_screening(
        consultation=consultation, screening_answers=[NO], actor=receptionist
    )
    assert consultation.events.last().note == "Screening questions answered by Amina Butt."


def test_an_ended_consultation_takes_no_screening_answers(staff_request):
    consultation = staff_request(screening_later=True).consultation
    services.consultation_cancel(consultation=consultation, reason="Patient called")
    with pytest.raises(TransitionNotAllowed):
        services.consultation_record_screening(consultation=consultation, screening_answers=[NO])
    assert Consultation.objects.get(pk=consultation.pk).screening_pending is True


# --- reminded by WhatsApp ----------------------------------------------------------------


def test_marking_a_whatsapp_reminder_sets_it_once_with_the_history(staff_request, receptionist):
    consultation = staff_request(confirm=True).consultation
    services.consultation_mark_reminded(consultation=consultation, actor=receptionist)
    first = Consultation.objects.get(pk=consultation.pk).reminder_sent_at
    assert first is not None
    services.consultation_mark_reminded(consultation=consultation, actor=receptionist)
    stored = Consultation.objects.get(pk=consultation.pk)
    assert stored.reminder_sent_at == first
    notes = [e.note for e in stored.events.all()]
    assert notes.count("Reminded by WhatsApp by Amina Butt.") == 1


def test_only_a_confirmed_consultation_is_reminded(staff_request, receptionist):
    consultation = staff_request().consultation
    with pytest.raises(TransitionNotAllowed):
        services.consultation_mark_reminded(consultation=consultation, actor=receptionist)
    assert Consultation.objects.get(pk=consultation.pk).reminder_sent_at is None


def test_a_reminder_already_emailed_is_not_marked_again(staff_request, receptionist, first_free):
    consultation = staff_request(email="rabia@example.com", contact_preference="phone").consultation
    services.consultation_confirm(consultation=consultation)
    assert send_reminders(now=consultation.starts_at - dt.timedelta(hours=2)) == 1
    emailed = Consultation.objects.get(pk=consultation.pk).reminder_sent_at
    services.consultation_mark_reminded(consultation=consultation, actor=receptionist)
    stored = Consultation.objects.get(pk=consultation.pk)
    assert stored.reminder_sent_at == emailed
    assert not any("WhatsApp" in e.note for e in stored.events.all())
