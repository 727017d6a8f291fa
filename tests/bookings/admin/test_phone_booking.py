"""Reception books a caller or walk-in from the admin's add page: two steps without
JavaScript, through the booking service, with the form kept whatever goes wrong."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.admin.phone_booking import staff_free_slots
from bookings.forms import slot_value
from bookings.models import BookingSettings, Consultation, OutboundEmail
from tests.bookings.conftest import patient_request

ADD = "admin:bookings_consultation_add"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def long_notice(booking_rules):
    """Three days' notice for patients, so that staff always have times inside it."""
    BookingSettings.objects.filter(pk=1).update(min_notice_hours=72)
    return availability.load_rules()


def inside_notice_start(rules) -> dt.datetime:
    now = timezone.now()
    starts = [s for times in staff_free_slots(rules, now=now).values() for s in times]
    return next(s for s in starts if s < now + rules.min_notice)


def booking_data(treatment, start, **overrides) -> dict:
    """A complete, valid second step for ``start``: a caller with no email address."""
    data = {
        "treatment": str(treatment.pk),
        "date": start.astimezone(availability.clinic_tz()).date().isoformat(),
        "slot": slot_value(start),
        "full_name": "Rabia Anwar",
        "phone": "0321 7654321",
        "email": "",
        "contact_preference": "whatsapp",
        "source": "phone",
        "is_adult": "yes",
        "screening": "now",
        "privacy_consent": "on",
        "token": "9d7c4a1e-2b3f-4c5d-8e9f-0a1b2c3d4e5f",
    }
    for contraindication in treatment.contraindications.all():
        data[f"screen_{contraindication.pk}"] = "no"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(("role", "status"), [("superuser", 200), ("Reception", 200)])
def test_reception_and_the_owner_open_the_booking_page(as_role, treatment, role, status):
    client = as_role(role)
    response = client.get(reverse(ADD))
    assert response.status_code == status
    html = response.content.decode()
    assert "Book a caller or walk-in" in html
    assert f'<option value="{treatment.pk}"' in html
    assert 'name="date"' in html and 'method="get"' in html
    assert 'name="full_name"' not in html  # the details come in the second step


@pytest.mark.parametrize("role", ["Clinicians", "Content editors"])
def test_other_roles_cannot_book(as_role, treatment, first_free, role):
    client = as_role(role)
    assert client.get(reverse(ADD)).status_code == 403
    response = client.post(reverse(ADD), booking_data(treatment, first_free()))
    assert response.status_code == 403
    assert not Consultation.objects.exists()


def test_the_second_step_offers_the_patients_times_and_those_inside_the_notice(
    as_role, treatment, long_notice
):
    start = inside_notice_start(long_notice)
    day = start.astimezone(availability.clinic_tz()).date()
    response = as_role("Reception").get(
        reverse(ADD), {"treatment": treatment.pk, "date": day.isoformat()}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{slot_value(start)}"' in html
    assert "inside notice" in html
    assert "Do you have active acne" in html and "Are you pregnant" in html
    assert 'name="token"' in html and 'name="full_name"' in html


def test_a_phone_booking_goes_through_the_service_and_is_logged(
    as_role, treatment, first_free, privacy_notice
):
    client = as_role("Reception", first_name="Amina", last_name="Butt")
    start = first_free()
    response = client.post(reverse(ADD), booking_data(treatment, start))
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:bookings_consultation_change", args=[consultation.pk]
    )
    assert (consultation.status, consultation.source) == ("pending", "phone")
    assert (consultation.email, str(consultation.phone)) == ("", "+923217654321")
    assert consultation.starts_at == start and consultation.screening_pending is False
    assert [a["answer"] for a in consultation.screening_answers] == ["no", "no"]
    event = consultation.events.get()
    assert event.actor == client.user and event.note == "Booked by phone by Amina Butt."
    assert LogEntry.objects.filter(object_id=str(consultation.pk)).exists()
    # No address: no email to the patient, and staff made it, so no alert to staff.
    assert not OutboundEmail.objects.exists()
    text = " ".join(messages_of(client.get(response["Location"])))
    assert f"Booked {consultation.reference}" in text and "No email address" in text


def test_reception_confirms_at_once_inside_the_notice_with_a_warning(
    as_role, treatment, long_notice, privacy_notice
):
    client = as_role("Reception")
    start = inside_notice_start(long_notice)
    data = booking_data(treatment, start, confirm="on", email="rabia@example.com", source="walk_in")
    response = client.post(reverse(ADD), data, follow=True)
    consultation = Consultation.objects.get()
    assert consultation.status == "confirmed" and consultation.source == "walk_in"
    assert [e.new_status for e in consultation.events.all()] == ["pending", "confirmed"]
    email = OutboundEmail.objects.get()
    assert email.to == "rabia@example.com" and "confirmed" in email.subject
    text = " ".join(messages_of(response))
    assert "confirmed" in text and "inside the notice period" in text


def test_screening_left_for_later_shows_as_not_yet_answered(
    as_role, treatment, first_free, privacy_notice
):
    client = as_role("Reception")
    data = booking_data(treatment, first_free(), screening="later")
    for contraindication in treatment.contraindications.all():
        del data[f"screen_{contraindication.pk}"]
    client.post(reverse(ADD), data)
    consultation = Consultation.objects.get()
    assert consultation.screening_pending is True
    assert consultation.screening_answers == [] and consultation.flagged is False
    page = client.get(reverse("admin:bookings_consultation_change", args=[consultation.pk]))
    assert "Screening not yet answered" in page.content.decode()
    agenda = client.get(
        reverse("admin:bookings_consultation_agenda"),
        {"date": consultation.starts_at.astimezone(availability.clinic_tz()).date()},
    )
    assert "Not yet answered" in agenda.content.decode()


def test_a_time_taken_meanwhile_keeps_the_form(as_role, treatment, first_free, privacy_notice):
    start = first_free()
    patient_request(treatment, start)  # a patient online took it first
    client = as_role("Reception")
    response = client.post(reverse(ADD), booking_data(treatment, start, email="r@example.com"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "taken a moment ago" in html
    assert 'value="Rabia Anwar"' in html and 'value="r@example.com"' in html
    assert f'value="{slot_value(start)}"' not in html  # the taken time is not offered
    assert Consultation.objects.count() == 1


def test_pressing_book_twice_books_once(as_role, treatment, first_free, privacy_notice):
    client = as_role("Reception")
    data = booking_data(treatment, first_free())
    client.post(reverse(ADD), data)
    second = client.post(reverse(ADD), data, follow=True)
    assert Consultation.objects.count() == 1
    assert "already made" in " ".join(messages_of(second))


def test_a_yes_answer_cannot_be_confirmed_without_a_clinician(
    as_role, treatment, first_free, privacy_notice
):
    pregnancy = treatment.contraindications.get(name="Pregnancy")
    data = booking_data(treatment, first_free(), confirm="on", **{f"screen_{pregnancy.pk}": "yes"})
    response = as_role("Reception").post(reverse(ADD), data)
    assert response.status_code == 400
    assert "needs a clinician" in response.content.decode()
    assert not Consultation.objects.exists()


LETTERS = "call me maybe"
HOSTILE = {
    "a null character in the name": ({"full_name": "Rabia\x00Anwar"}, "Null characters are not"),
    "a control character in the name": ({"full_name": "Rabia\x07Anwar"}, "letters only"),
    "an escape sequence in the name": ({"full_name": "\x1b[31mRabia"}, "letters only"),
    "a 10,000-character name": ({"full_name": "A" * 10_000}, "100 characters or fewer"),
    "a phone of letters": ({"phone": LETTERS}, "Enter a phone number like"),
    "no phone": ({"phone": ""}, "A phone number is needed"),
    "a slot that is not a time": ({"slot": "tomorrow-ish"}, "Choose one of the times shown"),
    "a slot in another script's digits": ({"slot": "٢٠٢٦-١٢-٠٢T١١:٠٠"}, "Choose one of the"),
    "an email without an at sign": ({"email": "rabia.example.com"}, "Enter an email address"),
    "an unknown source": ({"source": "carrier pigeon"}, "Choose one of the ways shown"),
    "an under-18 patient": ({"is_adult": "no"}, "18 or over only"),
    "no privacy consent": ({"privacy_consent": None}, "agree to the privacy notice"),
    "email chosen without an address": ({"contact_preference": "email"}, "give their address"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_input_gets_the_form_back_with_a_message(
    as_role, treatment, first_free, privacy_notice, case
):
    overrides, message = HOSTILE[case]
    response = as_role("Reception").post(
        reverse(ADD), booking_data(treatment, first_free(), **overrides)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'name="full_name"' in html  # the form is back
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("treatment_id", ["999999", "abc", "", "1 OR 1=1", "\x00"])
def test_a_treatment_that_does_not_exist_is_refused(
    as_role, treatment, first_free, privacy_notice, treatment_id
):
    client = as_role("Reception")
    data = {**booking_data(treatment, first_free()), "treatment": treatment_id}
    response = client.post(reverse(ADD), data)
    assert response.status_code == 400
    assert "Choose a treatment from the list" in response.content.decode()
    step_one = client.get(reverse(ADD), {"treatment": treatment_id, "date": "2026-13-45"})
    assert step_one.status_code == 400
    assert not Consultation.objects.exists()


def test_a_day_that_is_not_a_date_is_refused_in_the_first_step(as_role, treatment):
    response = as_role("Reception").get(reverse(ADD), {"treatment": treatment.pk, "date": "x"})
    assert response.status_code == 400
    assert "That day has no free time left" in response.content.decode()


# --- the last place, wanted by a caller and by a patient online at once (PostgreSQL) ----


def at_once(posts: dict) -> dict[str, tuple[int, str]]:
    """Send each (client, url, data) of ``posts`` from its own thread, released together;
    returns each one's (status, page)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(posts))
    answers: dict[str, tuple[int, str]] = {}
    errors: list[BaseException] = []

    def send(name, client, url, data):
        try:
            barrier.wait(timeout=30)
            response = client.post(url, data, REMOTE_ADDR="10.1.0.1")
            answers[name] = (response.status_code, response.content.decode())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(name, *post)) for name, post in posts.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_phone_booking_and_an_online_booking_race_for_the_last_place(
    as_role, treatment, form_data, privacy_notice
):
    """Three rounds, each for the next free time: exactly one booking wins each, and the
    other side gets its form back with what it typed."""
    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite serialises every write, so there is no race to test. "
            "Set DATABASE_URL=postgres://... to run it."
        )
    reception = as_role("Reception")
    for index in range(3):
        rules = availability.load_rules()
        free = availability.upcoming_free_slots(rules, now=timezone.now())
        start = availability.next_free(free, limit=1)[0]
        online = form_data(
            slot=slot_value(start),
            token=f"00000000-0000-4000-8000-00000000000{index}",
            email=f"online{index}@example.com",
        )
        by_phone = booking_data(
            treatment, start, token=f"10000000-0000-4000-8000-00000000000{index}"
        )
        answers = at_once(
            {
                "phone": (reception, reverse(ADD), by_phone),
                "online": (Client(), "/book/", online),
            }
        )
        (winner,) = Consultation.objects.filter(starts_at=start)
        phone_code, phone_html = answers["phone"]
        online_code, online_html = answers["online"]
        if winner.source == "phone":
            assert (phone_code, online_code) == (302, 200)
            assert "someone booked that time a moment ago" in online_html
            assert f"online{index}@example.com" in online_html  # what they typed is kept
        else:
            assert (phone_code, online_code) == (400, 302)
            assert "taken a moment ago" in phone_html
            assert 'value="Rabia Anwar"' in phone_html and 'value="0321 7654321"' in phone_html


def test_reception_books_a_caller_with_the_practitioner_they_ask_for(
    as_role, treatment, first_free, privacy_notice
):
    from tests.factories import PractitionerFactory

    hina = PractitionerFactory(display_name="Dr Hina Qureshi")
    client = as_role("Reception")
    start = first_free()
    day = timezone.localdate(start, availability.clinic_tz()).isoformat()
    page = client.get(
        reverse(ADD), {"treatment": treatment.pk, "date": day, "practitioner": hina.pk}
    ).content.decode()
    assert "Dr Hina Qureshi" in page and f'name="practitioner" value="{hina.pk}"' in page
    response = client.post(
        reverse(ADD), {**booking_data(treatment, start), "practitioner": str(hina.pk)}
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert (consultation.practitioner, consultation.practitioner_chosen) == (hina, True)
    # Someone who does not exist, or nonsense, books the first available.
    for n, value in enumerate(("999999", "abc")):
        token = f"9d7c4a1e-2b3f-4c5d-8e9f-0a1b2c3d4e6{n}"
        data = booking_data(treatment, first_free(1 + n), token=token)
        assert client.post(reverse(ADD), {**data, "practitioner": value}).status_code == 302
    assert Consultation.objects.filter(practitioner_chosen=False).count() == 2
