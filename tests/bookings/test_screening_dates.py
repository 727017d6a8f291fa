"""Screening questions about the time before the appointment: asked with the dates of the
chosen day, stored with them, and asked again when the day changes."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from bookings import availability
from bookings.forms import slot_value
from bookings.links import manage_token
from bookings.models import Consultation
from bookings.screening_dates import ScreeningQuestion, answer_for, appointment_day
from bookings.services import consultation_confirm
from tests.bookings.conftest import karachi
from tests.factories import ConsultationFactory, ContraindicationFactory
from tests.treatments.helpers import form_data as page_form_data
from tests.treatments.helpers import text_of

pytestmark = pytest.mark.django_db

ISOTRETINOIN = "Have you taken isotretinoin (Roaccutane)?"


def between(day: dt.date, start: dt.date) -> str:
    first = f"{start:%-d %B}" if start.year == day.year else f"{start:%-d %B %Y}"
    return f"Between {first} and {day:%-d %B %Y}, "


@pytest.fixture
def dated(treatment):
    """A six-month question beside the treatment's two questions about now."""
    return ContraindicationFactory(
        treatment=treatment,
        name="Isotretinoin",
        screening_question=ISOTRETINOIN,
        lookback_amount=6,
        lookback_unit="months",
        order=3,
    )


def free_times(free_slots) -> list[dt.datetime]:
    return availability.next_free(free_slots(), limit=500)


def on_another_day(times, than: dt.datetime) -> dt.datetime:
    return next(t for t in times if appointment_day(t) > appointment_day(than))


# --- the clinic's calendar --------------------------------------------------------------


def test_a_time_just_after_midnight_in_islamabad_is_that_islamabad_day():
    start = karachi(2026, 12, 5, 0, 30)
    assert start.astimezone(dt.UTC).date() == dt.date(2026, 12, 4)
    assert appointment_day(start) == dt.date(2026, 12, 5)
    question = ScreeningQuestion(1, "Peel", "Have you had a peel?", "Why.", "discuss", 14, "days")
    answer = answer_for(question, yes=False, day=appointment_day(start)).as_json()
    assert (answer["covers_from"], answer["covers_to"]) == ("2026-11-21", "2026-12-05")
    assert answer["question"] == "Between 21 November and 5 December 2026, have you had a peel?"


def test_an_answer_to_a_question_about_now_carries_no_dates():
    question = ScreeningQuestion(2, "Rosacea", "Do you have rosacea?", "Why.", "discuss")
    answer = answer_for(question, yes=True, day=dt.date(2026, 12, 5)).as_json()
    assert answer == {
        "contraindication_id": 2,
        "name": "Rosacea",
        "question": "Do you have rosacea?",
        "severity": "discuss",
        "answer": "yes",
    }


# --- booking ----------------------------------------------------------------------------


def test_the_form_asks_about_the_months_before_the_chosen_day(client, treatment, dated, free_slots):
    start = free_times(free_slots)[0]
    day = appointment_day(start)
    response = client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()})
    text = text_of(response)
    assert between(day, day - relativedelta(months=6)) + "have you taken isotretinoin" in text
    assert "they run up to the day of your appointment" in text
    assert "Are you pregnant or breastfeeding?" in text
    assert f'name="screening_day" value="{day.isoformat()}"' in response.content.decode()


def test_the_answer_is_stored_with_the_dates_it_covers(
    client, treatment, dated, free_slots, privacy_notice
):
    start = free_times(free_slots)[0]
    day = appointment_day(start)
    page = client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()})
    data = page_form_data(page) | {
        "slot": slot_value(start),
        "full_name": "Ayesha Khan",
        "email": "ayesha@example.com",
        "phone": "0300 1234567",
        "is_adult": "yes",
        "privacy_consent": "on",
        "still_request": "on",
    }
    for contraindication in treatment.contraindications.all():
        data[f"screen_{contraindication.pk}"] = "yes" if contraindication == dated else "no"
    assert client.post("/book/", data).status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.flagged
    answer = next(a for a in consultation.screening_answers if a["name"] == "Isotretinoin")
    since = day - relativedelta(months=6)
    assert answer["question"] == between(day, since) + "have you taken isotretinoin (Roaccutane)?"
    assert (answer["covers_from"], answer["covers_to"]) == (since.isoformat(), day.isoformat())
    assert answer["answer"] == "yes"
    undated = next(a for a in consultation.screening_answers if a["name"] == "Pregnancy")
    assert "covers_to" not in undated


def test_a_time_on_another_day_asks_the_dated_question_again_keeping_the_rest(
    client, treatment, dated, free_slots, form_data, privacy_notice
):
    times = free_times(free_slots)
    first_day = appointment_day(times[0])
    later = on_another_day(times, than=times[0])
    later_day = appointment_day(later)
    data = form_data(slot=slot_value(later), screening_day=first_day.isoformat())

    response = client.post("/book/", data)
    assert response.status_code == 200  # the form again, as for any answer to correct
    assert not Consultation.objects.exists()
    html = response.content.decode()
    text = text_of(response)
    assert between(later_day, later_day - relativedelta(months=6)) in text
    assert between(first_day, first_day - relativedelta(months=6)) not in text
    assert "the dates in one question have changed" in text
    assert "The dates have changed: please answer again." in text
    assert 'value="Ayesha Khan"' in html
    assert f'name="screening_day" value="{later_day.isoformat()}"' in html
    checked = page_form_data(response)
    assert f"screen_{dated.pk}" not in checked  # asked again: no answer kept
    others = [c.pk for c in treatment.contraindications.all() if c != dated]
    assert all(checked[f"screen_{pk}"] == "no" for pk in others)

    # Answered for the new dates, the request goes through with them.
    again = checked | {f"screen_{dated.pk}": "no", "slot": slot_value(later)}
    assert client.post("/book/", again).status_code == 302
    answer = next(
        a for a in Consultation.objects.get().screening_answers if a["name"] == "Isotretinoin"
    )
    assert answer["covers_to"] == later_day.isoformat()


# --- moving -----------------------------------------------------------------------------


@pytest.fixture
def booked_with_answers(treatment, dated, free_slots):
    """A confirmed consultation whose answers covered the six months before its day."""
    times = free_times(free_slots)
    start = times[40]
    day = appointment_day(start)
    questions = [
        ScreeningQuestion(
            c.pk,
            c.name,
            c.screening_question,
            c.explanation,
            c.severity,
            c.lookback_amount,
            c.lookback_unit,
        )
        for c in treatment.contraindications.all()
    ]
    consultation = ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        screening_answers=[answer_for(q, yes=False, day=day).as_json() for q in questions],
    )
    consultation_confirm(consultation=consultation)
    consultation.refresh_from_db()
    return consultation


def move_url(consultation, date=None):
    url = f"/manage/{manage_token(consultation)}/move/"
    return url + (f"?date={date.isoformat()}" if date else "")


def test_a_move_to_a_later_day_asks_the_dated_question_again(
    client, booked_with_answers, dated, free_slots
):
    consultation = booked_with_answers
    old_day = appointment_day(consultation.starts_at)
    target = on_another_day(free_times(free_slots), than=consultation.starts_at)
    day = appointment_day(target)
    page = client.get(move_url(consultation, day))
    text = text_of(page)
    assert "Health questions for the new date" in text
    assert between(day, day - relativedelta(months=6)) + "have you taken isotretinoin" in text
    assert "Are you pregnant" not in text  # a question about now stays answered

    refused = client.post(move_url(consultation), {"slot": slot_value(target), "date": day})
    assert refused.status_code == 400
    consultation.refresh_from_db()
    assert consultation.starts_at != target

    data = page_form_data(page) | {"slot": slot_value(target), f"screen_{dated.pk}": "yes"}
    assert client.post(move_url(consultation), data).status_code == 302
    consultation.refresh_from_db()
    assert consultation.starts_at == target
    assert consultation.flagged
    answers = [a for a in consultation.screening_answers if a["name"] == "Isotretinoin"]
    assert len(answers) == 2  # the earlier answer is kept, the new one after it
    assert answers[-1]["covers_to"] == day.isoformat()
    assert answers[-1]["answer"] == "yes"
    assert answers[0]["covers_to"] == old_day.isoformat()


def test_a_move_within_the_same_day_keeps_the_answers(client, booked_with_answers, free_slots):
    consultation = booked_with_answers
    day = appointment_day(consultation.starts_at)
    same_day = next(
        t
        for t in free_times(free_slots)
        if appointment_day(t) == day and t != consultation.starts_at
    )
    assert "Health questions" not in text_of(client.get(move_url(consultation, day)))
    response = client.post(move_url(consultation), {"slot": slot_value(same_day)})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.starts_at == same_day
    assert len(consultation.screening_answers) == 3
    assert not consultation.flagged


def test_answers_posted_for_another_day_are_asked_for_again(
    client, booked_with_answers, dated, free_slots
):
    consultation = booked_with_answers
    times = free_times(free_slots)
    target = on_another_day(times, than=consultation.starts_at)
    shown_for = appointment_day(on_another_day(times, than=target))
    data = {
        "slot": slot_value(target),
        "screening_day": shown_for.isoformat(),
        f"screen_{dated.pk}": "no",
    }
    response = client.post(move_url(consultation), data)
    assert response.status_code == 400
    day = appointment_day(target)
    assert between(day, day - relativedelta(months=6)) in text_of(response)
    assert "The dates changed with the time you chose" in text_of(response)
    consultation.refresh_from_db()
    assert consultation.starts_at != target


def test_an_answer_given_before_dates_were_stored_is_asked_again(
    client, booked_with_answers, dated, free_slots
):
    consultation = booked_with_answers
    legacy = [
        {k: v for k, v in a.items() if not k.startswith("covers_")}
        for a in consultation.screening_answers
    ]
    Consultation.objects.filter(pk=consultation.pk).update(screening_answers=legacy)
    day = appointment_day(consultation.starts_at)
    earlier = next(t for t in free_times(free_slots) if appointment_day(t) < day)
    text = text_of(client.get(move_url(consultation, appointment_day(earlier))))
    assert "have you taken isotretinoin" in text


def test_without_dated_questions_a_move_asks_nothing(client, treatment, free_slots):
    times = free_times(free_slots)
    consultation = ConsultationFactory(
        treatment=treatment, starts_at=times[40], ends_at=times[40] + dt.timedelta(minutes=30)
    )
    consultation_confirm(consultation=consultation)
    target = on_another_day(times, than=times[40])
    response = client.post(move_url(consultation), {"slot": slot_value(target)})
    assert response.status_code == 302


def test_a_move_to_an_earlier_day_asks_again_for_the_days_it_adds(
    client, booked_with_answers, free_slots
):
    consultation = booked_with_answers
    day = appointment_day(consultation.starts_at)
    earlier = appointment_day(next(t for t in free_times(free_slots) if appointment_day(t) < day))
    text = text_of(client.get(move_url(consultation, earlier)))
    assert between(earlier, earlier - relativedelta(months=6)) + "have you taken" in text
