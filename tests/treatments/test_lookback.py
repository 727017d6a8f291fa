"""A screening question's look-back: calendar arithmetic, wording, and what staff may save."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ContraindicationFactory
from treatments.lookback import dated_question, describe, period_start, relative_question


@pytest.mark.parametrize(
    ("end", "amount", "unit", "start"),
    [
        # A month before the 31st of a month is the last day of the shorter month.
        (dt.date(2027, 3, 31), 1, "months", dt.date(2027, 2, 28)),
        (dt.date(2028, 3, 31), 1, "months", dt.date(2028, 2, 29)),
        (dt.date(2026, 5, 31), 1, "months", dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 31), 6, "months", dt.date(2026, 6, 30)),
        # Leap days: a year before 29 February is 28 February; a month after it counts back
        # to it.
        (dt.date(2028, 2, 29), 12, "months", dt.date(2027, 2, 28)),
        (dt.date(2028, 3, 29), 1, "months", dt.date(2028, 2, 29)),
        (dt.date(2028, 3, 1), 1, "days", dt.date(2028, 2, 29)),
        (dt.date(2027, 3, 1), 1, "days", dt.date(2027, 2, 28)),
        # Across the new year.
        (dt.date(2027, 1, 10), 14, "days", dt.date(2026, 12, 27)),
        (dt.date(2027, 1, 10), 2, "weeks", dt.date(2026, 12, 27)),
        (dt.date(2027, 2, 15), 6, "months", dt.date(2026, 8, 15)),
    ],
)
def test_the_period_starts_that_many_calendar_days_weeks_or_months_before(end, amount, unit, start):
    assert period_start(end, amount, unit) == start


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        period_start(dt.date(2026, 12, 4), 3, "fortnights")


def test_a_dated_question_names_both_days_and_the_year_once():
    assert (
        dated_question(
            "Have you taken isotretinoin (Roaccutane)?", dt.date(2026, 6, 4), dt.date(2026, 12, 4)
        )
        == "Between 4 June and 4 December 2026, have you taken isotretinoin (Roaccutane)?"
    )


def test_a_period_across_the_new_year_names_both_years():
    assert dated_question("Have you had sunburn?", dt.date(2026, 12, 27), dt.date(2027, 1, 10)) == (
        "Between 27 December 2026 and 10 January 2027, have you had sunburn?"
    )


def test_a_question_starting_with_an_abbreviation_keeps_its_capitals():
    text = dated_question(
        "PRP injections: have you had them?", dt.date(2026, 11, 20), dt.date(2026, 12, 4)
    )
    assert text.endswith(", PRP injections: have you had them?")


def test_before_a_day_is_chosen_the_question_says_the_period_in_words():
    assert relative_question("Have you had a chemical peel?", 14, "days") == (
        "In the 14 days before your appointment, have you had a chemical peel?"
    )
    assert describe(1, "months") == "1 month"
    assert describe(6, "months") == "6 months"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lookback_amount": 6, "lookback_unit": ""}, "both the number and the unit"),
        ({"lookback_amount": None, "lookback_unit": "months"}, "both the number and the unit"),
        (
            {"lookback_amount": 6, "lookback_unit": "months", "screening_question": ""},
            "needs a question",
        ),
        (
            {
                "lookback_amount": 6,
                "lookback_unit": "months",
                "screening_question": "Have you taken isotretinoin in the last six months?",
            },
            "adds the dates itself",
        ),
        ({"lookback_amount": 0, "lookback_unit": "days"}, "both the number and the unit"),
    ],
)
def test_staff_cannot_save_a_look_back_that_would_read_wrongly(fields, message):
    contraindication = ContraindicationFactory.build(
        treatment=ContraindicationFactory().treatment, **fields
    )
    with pytest.raises(ValidationError) as error:
        contraindication.full_clean()
    assert message in str(error.value)


@pytest.mark.django_db
def test_a_question_about_now_needs_no_look_back():
    contraindication = ContraindicationFactory(screening_question="Do you have rosacea?")
    contraindication.full_clean()
    assert not contraindication.has_lookback
