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


def test_a_form_copies_its_fields_as_django_does():
    """The quick copy gives each form what ``copy.deepcopy`` would: its own field,
    widget, widget attributes, error messages and validators, the rest shared."""
    import copy

    option = treatment((7, "Are you pregnant?"))
    base = form(option).base_fields
    quick = form(option).fields
    django = {name: copy.deepcopy(field) for name, field in base.items()}
    assert list(quick) == list(base)
    for name, field in quick.items():
        original = base[name]
        for made in (field, django[name]):
            assert made is not original and type(made) is type(original), name
            assert made.widget is not original.widget and type(made.widget) is type(original.widget)
            assert made.widget.attrs == original.widget.attrs, name
            assert made.widget.attrs is not original.widget.attrs, name
            assert made.error_messages == original.error_messages
            assert made.error_messages is not original.error_messages, name
            assert made.validators == original.validators
            assert made.validators is not original.validators, name
        assert vars(field).keys() == vars(django[name]).keys(), name
        assert field.label == original.label and field.required == original.required


def test_a_field_with_its_own_copy_is_copied_its_own_way():
    from django import forms

    from bookings.forms import QuickCopyFields

    original = forms.ChoiceField(choices=[("a", "A")])  # copies its choices when copied
    copied = QuickCopyFields(pick=original).__deepcopy__({})["pick"]
    copied.widget.choices.append(("b", "B"))
    assert copied is not original
    assert list(original.widget.choices) == [("a", "A")]
