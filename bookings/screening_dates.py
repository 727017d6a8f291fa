"""Screening questions as the booking and move forms ask them, dated where they need it.

A question with a look-back ("have you taken isotretinoin?", six months) is about the
period that ends on the appointment's day, in clinic time (a time at 00:30 in Islamabad
is on that Islamabad date, whatever the UTC date). The form gives the dates
("Between 4 June and 4 December 2026, have you taken …?") and the answer is stored with
them (``covers_from``/``covers_to`` in the consultation's screening snapshot).

Without JavaScript the day is chosen first and the time after it, in the same form as the
questions: the questions are worded for the chosen day, which comes back with the answers
(the hidden ``screening_day``). A time on another day means other dates, so those answers
are not stored: the form asks the dated questions again, keeping everything else typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from bookings import availability
from bookings.services import ScreeningAnswer
from treatments import lookback

YES_NO = [("yes", "Yes"), ("no", "No")]
ASK_AGAIN = "The dates have changed: please answer again."


@dataclass(frozen=True)
class ScreeningQuestion:
    pk: int
    name: str
    question: str
    explanation: str
    severity: str
    lookback_amount: int | None = None
    lookback_unit: str = ""

    @property
    def is_dated(self) -> bool:
        return bool(self.lookback_amount and self.lookback_unit)

    def period(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        """(first, last) day the question asks about for an appointment on ``day``."""
        if not self.is_dated:
            return None
        return lookback.period_start(day, self.lookback_amount, self.lookback_unit), day

    def text_for(self, day: dt.date | None) -> str:
        """The question as asked for an appointment on ``day`` (None: not chosen yet)."""
        if not self.is_dated:
            return self.question
        if day is None:
            return lookback.relative_question(
                self.question, self.lookback_amount, self.lookback_unit
            )
        return lookback.dated_question(self.question, *self.period(day))


def appointment_day(start: dt.datetime) -> dt.date:
    """The clinic date of an appointment starting at ``start``."""
    return timezone.localdate(start, availability.clinic_tz())


def answer_for(question: ScreeningQuestion, *, yes: bool, day: dt.date) -> ScreeningAnswer:
    """The snapshot of one answer for an appointment on ``day``: the question as worded
    for that day and, for a dated one, the period it covers."""
    period = question.period(day)
    return ScreeningAnswer(
        contraindication_id=question.pk,
        name=question.name,
        question=question.text_for(day),
        severity=question.severity,
        answer=yes,
        covers_from=period[0] if period else None,
        covers_to=period[1] if period else None,
    )


def screening_field(question: ScreeningQuestion, day: dt.date | None, *, again: bool = False):
    return forms.ChoiceField(
        label=question.text_for(day),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": ASK_AGAIN if again else "Please answer yes or no.",
            "invalid_choice": "Please answer yes or no.",
        },
    )


class DatedScreeningFields:
    """For a form with a hidden ``screening_day`` field: one yes/no field per question
    (``screen_<pk>``), worded for the day they are asked for.

    ``shown`` is the day the questions were worded for (from the form's data once
    posted), ``chosen`` the day of the time the patient chose. When those differ, the
    dated questions are worded for the chosen day and their answers are cleared, so the
    patient answers for the new dates; ``asked_again`` lists them. ``shown`` of None means
    the questions were worded without dates ("in the 6 months before your appointment");
    such answers hold for any day unless ``dates_required``.
    """

    def add_screening_fields(
        self,
        questions: Sequence[ScreeningQuestion],
        *,
        shown: dt.date | None,
        chosen: dt.date | None = None,
        dates_required: bool = False,
    ) -> None:
        self.screening_questions = list(questions)
        moved = chosen is not None and chosen != shown and (shown is not None or dates_required)
        self.questions_day = chosen if moved else shown
        self.asked_again = [q for q in questions if moved and q.is_dated]
        if self.is_bound and self.asked_again:
            data = self.data.copy()
            for question in self.asked_again:
                data.pop(f"screen_{question.pk}", None)
            data["screening_day"] = self.questions_day.isoformat()
            self.data = data
        if not self.is_bound and self.questions_day is not None:
            self.initial["screening_day"] = self.questions_day.isoformat()
        self.screening_names = []
        for question in questions:
            name = f"screen_{question.pk}"
            self.fields[name] = screening_field(
                question, self.questions_day, again=question in self.asked_again
            )
            self.screening_names.append(name)

    @property
    def has_dated_questions(self) -> bool:
        return any(q.is_dated for q in self.screening_questions)

    def dated_answers(self, day: dt.date) -> list[ScreeningAnswer]:
        """The cleaned answers as stored for an appointment on ``day``."""
        return [
            answer_for(question, yes=self.cleaned_data[name] == "yes", day=day)
            for question, name in zip(self.screening_questions, self.screening_names, strict=True)
        ]

    def screening_fields(self):
        return [self[name] for name in self.screening_names]


def screening_day_field() -> forms.CharField:
    # Never an error of its own: a value that is not a date means "worded without dates".
    return forms.CharField(widget=forms.HiddenInput, required=False)
