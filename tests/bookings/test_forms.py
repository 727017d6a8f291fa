"""The booking form: a chosen time read back exactly as its button sends it, and screening
questions worded for the day of the appointment."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from bookings import availability
from bookings.forms import (
    BookingForm,
    ScreeningAgainForm,
    ScreeningQuestion,
    TreatmentOption,
    parse_slot,
    slot_value,
)
from bookings.screening_dates import ASK_AGAIN, appointment_day


def test_a_time_button_value_reads_back_as_the_same_clinic_time():
    start = dt.datetime(2026, 12, 2, 10, 30, tzinfo=availability.clinic_tz())
    assert slot_value(start) == "2026-12-02T10:30"
    assert parse_slot("2026-12-02T10:30") == start
    assert parse_slot("2026-12-02T10:30").utcoffset() == dt.timedelta(hours=5)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2026-12-02T10:30\n",
        " 2026-12-02T10:30",
        "2026-12-02T10:30:00",
        "2026-02-30T10:00",
        "2026-12-02T25:00",
        "2026-12-02T10:60",
        "2026-13-02T10:00",
        "２０２６-12-02T10:30",
        "٢٠٢٦-12-02T10:30",
        "2026-12-02 10:30",
        "0000-01-01T00:00",
        "2026-12-02T10:30' OR 1=1--",
    ],
)
def test_anything_else_is_not_a_time(value):
    assert parse_slot(value) is None


def test_a_value_that_is_not_text_is_not_a_time():
    assert parse_slot(None) is None
    assert parse_slot(["2026-12-02T10:30"]) is None


# --- screening questions about the time before the appointment -------------------------

ISOTRETINOIN = ScreeningQuestion(
    7, "Isotretinoin", "Have you taken isotretinoin?", "Why it matters.", "discuss", 6, "months"
)
ROSACEA = ScreeningQuestion(8, "Rosacea", "Do you have rosacea?", "Why it matters.", "discuss")
OPTION = TreatmentOption(pk=1, slug="peel", name="Chemical peel", questions=[ISOTRETINOIN, ROSACEA])


def details(start: dt.datetime, **extra) -> dict:
    return {
        "slot": slot_value(start),
        "full_name": "Ayesha Khan",
        "email": "ayesha@example.com",
        "phone": "0300 1234567",
        "contact_preference": "phone",
        "is_adult": "yes",
        "privacy_consent": "on",
        "screen_7": "no",
        "screen_8": "no",
        **extra,
    }


def booking_form(*args, **kwargs) -> BookingForm:
    return BookingForm(
        *args, treatment=OPTION, rules=availability.load_rules(), now=timezone.now(), **kwargs
    )


@pytest.mark.django_db
def test_questions_are_worded_for_the_day_chosen_first(booking_rules):
    form = booking_form(day=dt.date(2027, 3, 31))
    assert form["screen_7"].label == (
        "Between 30 September 2026 and 31 March 2027, have you taken isotretinoin?"
    )
    assert form["screen_8"].label == "Do you have rosacea?"
    assert form["screening_day"].value() == "2027-03-31"


@pytest.mark.django_db
def test_before_a_day_is_chosen_the_question_says_the_period_in_words(booking_rules):
    form = booking_form()
    assert form["screen_7"].label == (
        "In the 6 months before your appointment, have you taken isotretinoin?"
    )


@pytest.mark.django_db
def test_answers_for_the_chosen_day_are_stored_with_its_dates(booking_rules, first_free):
    start = first_free()
    day = appointment_day(start)
    form = booking_form(details(start, screening_day=day.isoformat()))
    assert form.is_valid(), form.errors
    dated, undated = (a.as_json() for a in form.screening_answers())
    since = day - relativedelta(months=6)
    assert (dated["covers_from"], dated["covers_to"]) == (since.isoformat(), day.isoformat())
    assert dated["question"].startswith("Between ")
    assert "covers_to" not in undated


@pytest.mark.django_db
def test_a_time_on_another_day_clears_only_the_dated_answer(booking_rules, first_free):
    start = first_free()
    shown = appointment_day(start) - dt.timedelta(days=1)
    form = booking_form(details(start, screening_day=shown.isoformat(), screen_7="yes"))
    assert not form.is_valid()
    assert form.errors["screen_7"] == [ASK_AGAIN]
    assert "screen_8" not in form.errors
    assert [q.pk for q in form.asked_again] == [7]
    assert form.questions_day == appointment_day(start)
    assert form["screening_day"].value() == appointment_day(start).isoformat()
    assert form["full_name"].value() == "Ayesha Khan"
    assert form.yes_answers == []  # the cleared answer no longer counts as a yes


@pytest.mark.django_db
def test_answers_to_questions_worded_without_dates_hold_for_any_day(booking_rules, first_free):
    form = booking_form(details(first_free()))
    assert form.is_valid(), form.errors
    assert form.asked_again == []


def test_the_move_form_asks_again_when_it_cannot_tell_which_dates_were_shown():
    form = ScreeningAgainForm(
        {"screen_7": "no"}, questions=[ISOTRETINOIN], chosen=dt.date(2027, 1, 5)
    )
    assert not form.is_valid()
    assert form.errors["screen_7"] == [ASK_AGAIN]
    assert form["screen_7"].label.startswith("Between 5 July 2026 and 5 January 2027, ")
