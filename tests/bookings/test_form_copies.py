"""Each booking form gets its own fields: what one request changes never shows in another."""

import datetime as dt

from bookings import availability
from bookings.forms import BookingForm, ScreeningQuestion, TreatmentOption

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
RULES = availability.Rules()


def treatment(*questions: tuple[int, str]) -> TreatmentOption:
    return TreatmentOption(
        pk=1,
        slug="microneedling",
        name="Microneedling",
        questions=[ScreeningQuestion(pk, "Name", text, "", "caution") for pk, text in questions],
    )


def form(option: TreatmentOption, data=None, **kwargs) -> BookingForm:
    return BookingForm(data, treatment=option, rules=RULES, now=NOW, **kwargs)


def test_time_choices_belong_to_one_form():
    option = treatment((7, "Are you pregnant?"))
    first = form(option, slot_choices=[("2026-12-02T10:00", "10:00")])
    second = form(option, slot_choices=[("2026-12-03T11:00", "11:00")])
    assert list(first.fields["slot"].widget.choices) == [("2026-12-02T10:00", "10:00")]
    assert list(second.fields["slot"].widget.choices) == [("2026-12-03T11:00", "11:00")]
    assert list(form(option).fields["slot"].widget.choices) == []


def test_an_error_marked_on_one_form_is_not_on_the_next():
    option = treatment((7, "Are you pregnant?"))
    invalid = form(option, {"is_adult": "maybe", "screen_7": "perhaps"})
    assert not invalid.is_valid()
    invalid.link_errors()
    assert "aria-describedby" in invalid.fields["screen_7"].widget.attrs
    assert "aria-describedby" in invalid.fields["is_adult"].widget.attrs
    fresh = form(option)
    assert "aria-describedby" not in fresh.fields["screen_7"].widget.attrs
    assert "aria-describedby" not in fresh.fields["is_adult"].widget.attrs
    assert "aria-describedby" not in str(fresh["is_adult"])


def test_each_treatment_asks_its_own_questions():
    needling = form(treatment((7, "Are you pregnant?"), (8, "Do you have active acne?")))
    peel = form(treatment((9, "Have you used isotretinoin this year?")))
    assert [needling.fields[n].label for n in needling.screening_names] == [
        "Are you pregnant?",
        "Do you have active acne?",
    ]
    assert [peel.fields[n].label for n in peel.screening_names] == [
        "Have you used isotretinoin this year?"
    ]
    assert "screen_7" not in peel.fields and "screen_9" not in needling.fields
    # The questions come after the form's own fields, as the page shows them.
    assert list(needling.fields)[-2:] == ["screen_7", "screen_8"]


def test_edited_question_text_is_shown_at_once():
    before = form(treatment((7, "Are you pregnant?")))
    after = form(treatment((7, "Are you pregnant or breastfeeding?")))
    assert before.fields["screen_7"].label == "Are you pregnant?"
    assert after.fields["screen_7"].label == "Are you pregnant or breastfeeding?"
