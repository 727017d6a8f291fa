"""The patient's manage link: read-only GET, signed single-use tokens, notice period."""

import datetime as dt
import re

import pytest
from django.core import signing
from django.utils import timezone

from bookings.emails import send_due
from bookings.links import MANAGE_SALT, consultation_for_token, manage_token
from bookings.models import BookingSettings, Consultation, ConsultationEvent, OutboundEmail
from bookings.services import consultation_confirm
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(treatment, first_free, privacy_notice):
    """A confirmed consultation at the second free time (well outside the notice)."""
    start = first_free(40)
    consultation = ConsultationFactory(
        treatment=treatment, starts_at=start, ends_at=start + dt.timedelta(minutes=30)
    )
    consultation_confirm(consultation=consultation)
    consultation.refresh_from_db()
    return consultation


def last_email():
    return OutboundEmail.objects.order_by("-pk").first()


def url(consultation, suffix=""):
    return f"/manage/{manage_token(consultation)}/{suffix}"


def snapshot(consultation):
    consultation.refresh_from_db()
    return (
        consultation.status,
        consultation.starts_at,
        consultation.manage_version,
        ConsultationEvent.objects.filter(consultation=consultation).count(),
    )


def test_get_shows_the_consultation_and_changes_nothing(client, booked):
    before = snapshot(booked)
    for suffix in ("", "move/", "aftercare/", "next/"):
        response = client.get(url(booked, suffix))
        assert response.status_code == 200
    assert snapshot(booked) == before
    page = client.get(url(booked)).content.decode()
    assert booked.reference in page
    assert booked.treatment.name in page
    assert "Islamabad time" in page
    local = timezone.localtime(booked.starts_at, dt.timezone(dt.timedelta(hours=5)))
    assert f"{local:%H:%M}" in page
    assert "Cancel this consultation" in page


def test_cancel_and_move_refuse_get(client, booked):
    assert client.get(url(booked, "cancel/")).status_code == 405
    assert snapshot(booked)[0] == "confirmed"


def test_link_has_no_personal_data(booked):
    token = manage_token(booked)
    for value in (booked.email, booked.full_name, booked.reference, str(booked.phone)):
        assert value not in token
    assert signing.loads(token, salt=MANAGE_SALT) == {"c": booked.pk, "v": 0}


def test_tampered_link_says_so(client, booked):
    token = manage_token(booked)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/manage/{tampered}/")
    assert response.status_code == 404
    assert "do not recognise this link" in response.content.decode()
    forged = signing.dumps({"c": booked.pk, "v": 0}, salt="another-salt")
    assert client.get(f"/manage/{forged}/").status_code == 404
    assert client.post(f"/manage/{forged}/cancel/").status_code == 404
    assert snapshot(booked)[0] == "confirmed"


def test_expired_link_says_so(client, treatment):
    past = timezone.now() - dt.timedelta(days=31)
    consultation = ConsultationFactory(treatment=treatment, starts_at=past, status="cancelled")
    consultation.treatment.sessions_max = 1
    response = client.get(url(consultation))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_cancel_outside_notice_works_and_uses_up_the_link(client, booked):
    old = url(booked)
    response = client.post(url(booked, "cancel/"), {"reason": "Travelling"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert booked.cancelled_by == Consultation.CancelledBy.PATIENT
    assert "Travelling" in booked.cancellation_reason
    assert booked.manage_version == 1
    used = client.get(old)
    assert used.status_code == 410
    assert "already been used" in used.content.decode()
    # The redirect and the email carry the new link, which shows the cancelled booking.
    fresh = client.get(response["Location"])
    assert fresh.status_code == 200
    assert "Cancelled" in fresh.content.decode()
    assert "Cancel this consultation" not in fresh.content.decode()
    assert manage_token(booked) in last_email().body_text


def test_inside_notice_no_buttons_and_post_refused(client, booked):
    settings_row = BookingSettings.load()
    hours_away = (booked.starts_at - timezone.now()).total_seconds() / 3600
    settings_row.patient_change_notice_hours = int(hours_away) + 1
    settings_row.save()
    page = client.get(url(booked)).content.decode()
    assert "Cancel this consultation" not in page
    assert "Move to another time" not in page
    assert "tel:" in page and "call us" in page.lower()
    assert client.post(url(booked, "cancel/"), {"reason": "x"}).status_code == 409
    assert client.post(url(booked, "move/"), {"slot": "2030-01-01T10:00"}).status_code == 409
    assert snapshot(booked)[:3] == ("confirmed", booked.starts_at, 0)


def test_move_to_another_free_time(client, booked, first_free):
    from bookings.forms import slot_value

    target = first_free(0)
    day = timezone.localdate(target, dt.timezone(dt.timedelta(hours=5)))
    page = client.get(url(booked, "move/") + f"?date={day.isoformat()}").content.decode()
    assert slot_value(target) in page
    response = client.post(url(booked, "move/"), {"slot": slot_value(target)})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == target
    assert booked.manage_version == 1
    assert booked.reminder_sent_at is None
    assert "moved" in last_email().subject
    assert manage_token(booked) in last_email().body_text
    # Posting again with the old link is refused as used.
    again = client.post(
        f"/manage/{signing.dumps({'c': booked.pk, 'v': 0}, salt=MANAGE_SALT)}/move/",
        {"slot": slot_value(first_free(1))},
    )
    assert again.status_code == 410


def test_move_to_a_full_time_is_refused(client, booked, treatment, first_free):
    from bookings.forms import slot_value

    target = first_free(0)
    ConsultationFactory(treatment=treatment, starts_at=target)
    response = client.post(url(booked, "move/"), {"slot": slot_value(target)})
    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.starts_at != target
    assert booked.manage_version == 0


def test_a_move_to_the_time_it_already_has_changes_nothing_and_keeps_the_link(
    client, booked, first_free
):
    from bookings.forms import slot_value

    reminded = timezone.now() - dt.timedelta(hours=1)
    Consultation.objects.filter(pk=booked.pk).update(reminder_sent_at=reminded)
    emails = OutboundEmail.objects.count()
    before = snapshot(booked)
    response = client.post(url(booked, "move/"), {"slot": slot_value(booked.starts_at)})
    assert response.status_code == 400
    assert "already your consultation" in response.content.decode()
    assert snapshot(booked) == before
    assert booked.reminder_sent_at == reminded  # not reminded twice for the same time
    assert OutboundEmail.objects.count() == emails
    # The same link still moves it to another time.
    moved = client.post(url(booked, "move/"), {"slot": slot_value(first_free(0))})
    assert moved.status_code == 302


def test_every_patient_email_has_the_manage_link(client, form_data):
    client.post("/book/", form_data())
    send_due()
    consultation = Consultation.objects.get()
    [patient] = OutboundEmail.objects.filter(to=consultation.email)
    # The link is signed when the email is written, so it is compared by what it opens.
    for body in (patient.body_text, patient.body_html):
        tokens = re.findall(r"/manage/([\w:-]+)/", body)
        assert tokens and {consultation_for_token(t) for t in tokens} == {consultation}
    assert "#0f4c45" in patient.body_html


# --- screening left for later: answered from the link -----------------------------------


@pytest.fixture
def booked_by_phone(booked):
    """A consultation reception booked with the screening questions left for later."""
    Consultation.objects.filter(pk=booked.pk).update(
        screening_pending=True, screening_answers=[], email="", contact_preference="whatsapp"
    )
    booked.refresh_from_db()
    return booked


def test_the_link_asks_for_the_screening_and_opening_it_changes_nothing(client, booked_by_phone):
    before = snapshot(booked_by_phone)
    page = client.get(url(booked_by_phone)).content.decode()
    assert "Answer the health questions" in page
    assert "Message us on WhatsApp" in page and "https://wa.me/" in page
    form = client.get(url(booked_by_phone, "screening/"))
    assert form.status_code == 200
    assert "Do you have active acne" in form.content.decode()
    assert snapshot(booked_by_phone) == before
    booked_by_phone.refresh_from_db()
    assert booked_by_phone.screening_pending is True


def test_answering_stores_the_answers_and_keeps_the_link(client, booked_by_phone, treatment):
    questions = list(treatment.contraindications.order_by("order"))
    data = {"screening_day": "", f"screen_{questions[0].pk}": "no"}
    incomplete = client.post(url(booked_by_phone, "screening/"), data)
    assert incomplete.status_code == 400
    assert "Please answer every question" in incomplete.content.decode()
    booked_by_phone.refresh_from_db()
    assert booked_by_phone.screening_pending is True
    data[f"screen_{questions[1].pk}"] = "yes"
    response = client.post(url(booked_by_phone, "screening/"), data)
    assert response.status_code == 302 and response["Location"].endswith("?done=screening")
    booked_by_phone.refresh_from_db()
    assert booked_by_phone.screening_pending is False and booked_by_phone.flagged is True
    assert [a["answer"] for a in booked_by_phone.screening_answers] == ["no", "yes"]
    assert booked_by_phone.manage_version == 0  # the patient's only link still works
    assert (
        booked_by_phone.events.last().note == "Screening questions answered online by the patient."
    )
    done = client.get(response["Location"]).content.decode()
    assert "we have your answers" in done and "Answer the health questions" not in done
    # The same form again changes nothing and leads back to the booking.
    again = client.post(url(booked_by_phone, "screening/"), {f"screen_{questions[1].pk}": "no"})
    assert again.status_code == 302
    booked_by_phone.refresh_from_db()
    assert booked_by_phone.flagged is True and len(booked_by_phone.screening_answers) == 2


def test_a_cancelled_booking_is_not_asked_for_screening(client, booked_by_phone):
    Consultation.objects.filter(pk=booked_by_phone.pk).update(status="cancelled")
    assert client.get(url(booked_by_phone, "screening/")).status_code == 302
    assert "Answer the health questions" not in client.get(url(booked_by_phone)).content.decode()
