"""Hostile and random input: always a form error or a 4xx, never a 500.

Most examples go straight to the form class (fast, no database); a smaller number go
through the real view with the test client.
"""

import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import availability
from bookings.forms import BookingForm, ScreeningQuestion, TreatmentOption, slot_value
from bookings.models import Consultation

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE bookings_consultation; --",
    "1' OR '1'='1",
    "\u202eevil\u202c",
    "مریم خان",
    "عائشہ",
    "😀😀😀",
    "👩🏽‍⚕️",
    "\r\n\t",
    "\x1b[31mred",
    "A" * 10_000,
    "+92 300 1234567" * 50,
    "%00",
    "../../etc/passwd",
    "{{ 7*7 }}",
    "{% debug %}",
    "\ufeff",
    "\ud800",
]

FIELDS = [
    "slot",
    "full_name",
    "email",
    "phone",
    "contact_preference",
    "is_adult",
    "message",
    "still_request",
    "privacy_consent",
    "website",
    "token",
    "screen_1",
    "screen_2",
]

NOW = dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
RULES = availability.Rules(
    hours={d: ((dt.time(10), dt.time(13)), (dt.time(14), dt.time(19))) for d in range(6)}
)
TREATMENT = TreatmentOption(
    pk=1,
    slug="microneedling",
    name="Microneedling",
    questions=[
        ScreeningQuestion(1, "Acne", "Do you have active acne?", "Because.", "discuss"),
        ScreeningQuestion(2, "Pregnancy", "Are you pregnant?", "Because.", "rules_out"),
    ],
)
GOOD_SLOT = slot_value(dt.datetime(2026, 11, 24, 10, 0, tzinfo=availability.clinic_tz()))

text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))
safe_text = st.one_of(
    st.sampled_from([h for h in HOSTILE if "\ud800" not in h]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
)


def good_data() -> dict:
    return {
        "slot": GOOD_SLOT,
        "full_name": "Ayesha Khan",
        "email": "ayesha@example.com",
        "phone": "0300 1234567",
        "contact_preference": "phone",
        "is_adult": "yes",
        "message": "",
        "privacy_consent": "on",
        "token": "6f1c1d1e-6a4b-4c43-9a7d-2b1f3c4d5e6f",
        "screen_1": "no",
        "screen_2": "no",
    }


def check(form: BookingForm) -> None:
    valid = form.is_valid()
    form.link_errors()
    form.error_summary()
    for name in form.fields:
        str(form[name])  # every field renders
    if valid:
        data = form.cleaned_data
        assert data["slot"].tzinfo is not None
        assert availability.is_bookable_start(RULES, data["slot"], NOW)
        assert 2 <= len(data["full_name"]) <= 100
        assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in data["full_name"])
        assert "\x00" not in data["message"] and len(data["message"]) <= 1000
        assert str(data["phone"]).startswith("+")
        assert data["contact_preference"] in Consultation.ContactPreference.values
        assert data["is_adult"] == "yes"
        assert data["privacy_consent"] is True
        if form.yes_answers:
            assert data["still_request"] is True


@settings(max_examples=1500, deadline=None)
@given(field=st.sampled_from(FIELDS), value=text)
def test_one_hostile_field_in_an_otherwise_good_form(field, value):
    data = good_data()
    data[field] = value
    check(BookingForm(data, treatment=TREATMENT, rules=RULES, now=NOW))


@settings(max_examples=1000, deadline=None)
@given(data=st.dictionaries(st.sampled_from(FIELDS), text, max_size=len(FIELDS)))
def test_any_combination_of_random_fields(data):
    check(BookingForm(data, treatment=TREATMENT, rules=RULES, now=NOW))


@settings(max_examples=600, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_only_times_in_opening_hours_within_the_window_are_accepted(day, hour, minute):
    data = good_data()
    data["slot"] = f"{day:%Y-%m-%d}T{hour:02d}:{minute:02d}"
    form = BookingForm(data, treatment=TREATMENT, rules=RULES, now=NOW)
    start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=availability.clinic_tz())
    assert form.is_valid() == availability.is_bookable_start(RULES, start, NOW)
    if form.is_valid():
        assert day.weekday() != 6
        assert NOW.date() <= day <= NOW.date() + dt.timedelta(days=60)


@settings(max_examples=400, deadline=None)
@given(
    phone=st.one_of(
        st.from_regex(r"\A03[0-4][0-9] ?[0-9]{7}\Z"),
        st.from_regex(r"\A\+92 ?3[0-4][0-9] ?[0-9]{7}\Z"),
        st.text(max_size=40),
    )
)
def test_phone_numbers_are_stored_in_international_form_or_refused(phone):
    data = good_data()
    data["phone"] = phone
    form = BookingForm(data, treatment=TREATMENT, rules=RULES, now=NOW)
    if form.is_valid():
        assert str(form.cleaned_data["phone"]).startswith("+")
    else:
        assert set(form.errors) <= {"phone"}


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(st.sampled_from([*FIELDS, "treatment"]), safe_text, max_size=8))
def test_the_view_never_fails_on_random_posts(client, treatment, booking_rules, settings, data):
    settings.BOOKINGS_RATE_LIMIT = "100000/h"
    response = client.post("/book/", data)
    assert response.status_code in (200, 302, 400)


@pytest.mark.django_db
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(FIELDS), value=safe_text)
def test_the_view_turns_one_hostile_field_into_an_error_or_a_booking(
    client, form_data, treatment, privacy_notice, settings, field, value
):
    settings.BOOKINGS_RATE_LIMIT = "100000/h"
    data = form_data()
    Consultation.objects.all().delete()
    if field.startswith("screen_"):
        questions = list(treatment.contraindications.order_by("order"))
        field = f"screen_{questions[int(field[-1]) - 1].pk}"
    data[field] = value
    response = client.post("/book/", data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Consultation.objects.count() == 0


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=st.dictionaries(st.sampled_from(["treatment", "date", "x"]), safe_text, max_size=3))
def test_the_page_never_fails_on_random_query_strings(client, booking_rules, params):
    assert client.get("/book/", params).status_code == 200
