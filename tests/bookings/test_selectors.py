"""Course reads: session numbers, the spacing window in clinic dates, overdue patients."""

import datetime as dt
import re

import pytest

from bookings import selectors
from bookings.emails import completed_email
from bookings.links import consultation_for_token, manage_token
from bookings.models import Consultation
from tests.bookings.conftest import karachi
from tests.factories import ConsultationFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def session(treatment, start, status="completed", email="ayesha@example.com"):
    return ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        status=status,
        email=email,
    )


def test_window_counts_from_the_karachi_date_not_the_utc_date():
    treatment = TreatmentFactory(sessions_max=3, weeks_between_min=4, weeks_between_max=6)
    # 00:30 on 10 March in Karachi is still 9 March in UTC.
    first = session(treatment, karachi(2026, 3, 10, 0, 30))
    assert selectors.due_window(first) == (dt.date(2026, 4, 7), dt.date(2026, 4, 21))
    late = session(treatment, karachi(2026, 5, 1, 23, 30), email="other@example.com")
    assert selectors.due_window(late) == (dt.date(2026, 5, 29), dt.date(2026, 6, 12))


def test_session_numbers_and_display():
    treatment = TreatmentFactory(sessions_min=3, sessions_max=6)
    one = session(treatment, karachi(2026, 1, 5, 11))
    two = session(treatment, karachi(2026, 2, 5, 11))
    session(treatment, karachi(2026, 1, 20, 11), email="someone.else@example.com")
    three = session(treatment, karachi(2026, 3, 5, 11), status="pending")
    assert [selectors.session_number(c) for c in (one, two, three)] == [1, 2, 3]
    assert selectors.session_of(two) == "Session 2 of 3–6"
    assert (
        selectors.session_of(
            ConsultationFactory(treatment=TreatmentFactory(sessions_min=1, sessions_max=1))
        )
        == ""
    )


def test_overdue_patients():
    treatment = TreatmentFactory(sessions_max=3, weeks_between_min=4, weeks_between_max=6)
    overdue = session(treatment, karachi(2026, 1, 1, 11), email="late@example.com")
    session(treatment, karachi(2026, 1, 1, 11), email="booked@example.com")
    session(treatment, karachi(2026, 3, 1, 11), status="confirmed", email="booked@example.com")
    for month in (1, 2, 3):  # course finished
        session(treatment, karachi(2025, month, 1, 11), email="done@example.com")
    session(treatment, karachi(2026, 2, 1, 11), email="ontime@example.com")
    today = dt.date(2026, 3, 1)
    result = selectors.overdue_patients(today=today)
    assert [p.last.pk for p in result] == [overdue.pk]
    assert result[0].due_by == dt.date(2026, 2, 12)
    assert list(selectors.overdue_consultations(today=today)) == [overdue]


def test_completed_email_has_every_aftercare_instruction_and_the_next_session():
    from treatments.seed import ensure_microneedling

    ensure_microneedling()
    from treatments.models import Treatment

    treatment = Treatment.objects.get(slug="microneedling")
    done = session(treatment, karachi(2026, 1, 5, 11))
    email = completed_email(done)
    instructions = list(treatment.aftercare.all())
    assert instructions
    for instruction in instructions:
        assert instruction.text in email.body_text
    # Tokens carry a timestamp, so compare what they open rather than their text.
    links = {
        page: token
        for token, page in re.findall(r"/manage/([^/\s]+)/(next|aftercare)/", email.body_text)
    }
    assert set(links) == ({"next", "aftercare"} if treatment.has_course else {"aftercare"})
    for token in links.values():
        assert consultation_for_token(token, now=done.starts_at).pk == done.pk


def test_next_session_page_offers_only_times_in_the_window(client, booking_rules, treatment):
    from django.utils import timezone

    from bookings import availability

    treatment.sessions_max, treatment.weeks_between_min, treatment.weeks_between_max = 3, 1, 2
    treatment.save()
    today = timezone.localdate(timezone.now(), availability.clinic_tz())
    start = dt.datetime.combine(today, dt.time(11), tzinfo=availability.clinic_tz())
    done = session(treatment, start)
    first, last = selectors.due_window(done)
    slots = availability.upcoming_free_slots(availability.load_rules(), now=timezone.now())
    inside = [d for d in slots if first <= d <= last]
    outside = [d for d in slots if not first <= d <= last]
    assert inside and outside
    page = client.get(f"/manage/{manage_token(done)}/next/").content.decode()
    for d in inside:
        assert f'value="{d.isoformat()}"' in page
    for d in outside:
        assert f'value="{d.isoformat()}"' not in page
    # Posting a time outside the window is refused server-side.
    from bookings.forms import slot_value

    data = {"slot": slot_value(slots[outside[0]][0]), "privacy_consent": "on"}
    for c in treatment.contraindications.all():
        data[f"screen_{c.pk}"] = "no"
    response = client.post(f"/manage/{manage_token(done)}/next/", data)
    assert response.status_code == 400
    assert Consultation.objects.count() == 1
    # Inside the window: a new request with the same details and fresh answers.
    data["slot"] = slot_value(slots[inside[0]][0])
    data["token"] = "6f1c1d1e-6a4b-4c43-9a7d-2b1f3c4d5e70"
    response = client.post(f"/manage/{manage_token(done)}/next/", data)
    assert response.status_code == 302
    new = Consultation.objects.exclude(pk=done.pk).get()
    assert (new.email, new.full_name, new.status) == (done.email, done.full_name, "pending")
    assert len(new.screening_answers) == treatment.contraindications.count()
    assert selectors.session_number(new) == 2


# --- free times for staff and the treatments on the form --------------------------------


def test_staff_may_move_a_consultation_inside_the_patients_notice_but_not_to_its_own_time(
    booking_rules, treatment
):
    from django.utils import timezone

    from bookings import availability
    from bookings.models import BookingSettings

    BookingSettings.objects.update(min_notice_hours=24 * 7)
    availability.rules_changed()
    patients_first_day = min(
        availability.upcoming_free_slots(availability.load_rules(), now=timezone.now())
    )
    anywhere = ConsultationFactory.build(treatment=treatment)
    staff_first = dt.datetime.fromisoformat(
        next(times for _day, times in selectors.staff_free_times(anywhere) if times)[0][0]
    )
    assert staff_first.date() < patients_first_day
    moving = ConsultationFactory.build(treatment=treatment, starts_at=staff_first)
    offered = [value for _day, times in selectors.staff_free_times(moving) for value, _ in times]
    assert offered and staff_first.isoformat() not in offered


def test_the_booking_form_offers_published_treatments_with_their_questions_until_content_changes(
    treatment,
):
    from clinic.page_cache import bump_content_version

    options = selectors.current_treatments()
    option = options[treatment.slug]
    assert [q.name for q in option.questions] == ["Active acne", "Pregnancy"]
    treatment.contraindications.filter(name="Pregnancy").update(screening_question="")
    assert len(selectors.current_treatments()[treatment.slug].questions) == 2  # cached
    bump_content_version()
    assert [q.name for q in selectors.current_treatments()[treatment.slug].questions] == [
        "Active acne"
    ]
