"""The owner's reports: each figure against one worked out by hand on a small, fixed
diary (four weeks from Monday 2 March 2026, the third with no requests at all), in the
clinic's time zone at the week's edges, with consultations moved across weeks; small
counts hidden; and a query count that does not grow with the range or the diary."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import selectors
from bookings.models import Closure, Consultation, ConsultationEvent
from bookings.reports import SECTIONS, Period, build_report
from bookings.reports.charts import HIDDEN
from bookings.reports.incoming import percentile
from bookings.reports.numbers import count_text, rate_label, rate_text
from bookings.reports.sections import BUILDERS, TABLES, build_sections, find_table
from tests.bookings.conftest import karachi
from tests.factories import ConsultationFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2026, 3, 2), dt.date(2026, 3, 29)
WEEK_A, WEEK_B, WEEK_C, WEEK_D = (FIRST + dt.timedelta(weeks=n) for n in range(4))
NOW = karachi(2026, 3, 30, 9)  # the Monday after: the owner's Monday morning


def make(treatment, *, created, starts, status="pending", confirmed_after=(), **fields):
    """A consultation requested at ``created`` for ``starts`` (clinic times), confirmed
    after each of ``confirmed_after`` (hours) in its history."""
    # Nobody in particular sees them, so active ones never clash.
    consultation = ConsultationFactory(
        treatment=treatment, starts_at=starts, status=status, practitioner=None, **fields
    )
    Consultation.objects.filter(pk=consultation.pk).update(created_at=created)
    ConsultationEvent.objects.create(
        consultation=consultation, previous_status="", new_status="pending", at=created
    )
    for hours in confirmed_after:
        ConsultationEvent.objects.create(
            consultation=consultation,
            previous_status="pending",
            new_status="confirmed",
            at=created + dt.timedelta(hours=hours),
        )
    consultation.refresh_from_db()
    return consultation


PREGNANCY_YES = {"name": "Pregnancy", "answer": "yes"}
PREGNANCY_NO = {"name": "Pregnancy", "answer": "no"}
ACNE_YES = {"name": "Active acne", "answer": "yes"}
ACNE_NO = {"name": "Active acne", "answer": "no"}


@pytest.fixture
def diary(booking_rules, treatment):
    """The fixed diary. Requests (by request week): A six, B four, C none, D one;
    appointments also from requests made before the period (c0, c13, c14)."""
    t = treatment
    c = {}
    # Sunday 23:30 in Karachi: the week before the period, though its visit is in it.
    c[0] = make(
        t,
        created=karachi(2026, 3, 1, 23, 30),
        starts=karachi(2026, 3, 3, 10),
        status="completed",
        confirmed_after=[1],
    )
    # Monday 00:30 in Karachi is Sunday 19:30 UTC: week A.
    c[1] = make(
        t,
        created=karachi(2026, 3, 2, 0, 30),
        starts=karachi(2026, 3, 5, 10),
        status="completed",
        confirmed_after=[2],
    )
    # Requested in week A, moved to week C.
    c[2] = make(
        t,
        created=karachi(2026, 3, 3, 9),
        starts=karachi(2026, 3, 17, 11),
        status="completed",
        source="phone",
        confirmed_after=[4],
    )
    # Confirmed twice (a no-show undone and marked again): the first one counts.
    c[3] = make(
        t,
        created=karachi(2026, 3, 4, 10),
        starts=karachi(2026, 3, 6, 15),
        status="no_show",
        source="whatsapp",
        confirmed_after=[6, 30],
    )
    c[4] = make(
        t,
        created=karachi(2026, 3, 4, 12),
        starts=karachi(2026, 3, 7, 10),
        status="cancelled",
        cancelled_by="patient",
        cancellation_reason="Cancelled online by the patient. Travelling.",
        confirmed_after=[8],
    )
    c[5] = make(
        t,
        created=karachi(2026, 3, 5, 9),
        starts=karachi(2026, 3, 9, 10),
        status="cancelled",
        cancelled_by="clinic",
        cancellation_reason="Practitioner unavailable",
        source="walk_in",
    )
    c[6] = make(
        t,
        created=karachi(2026, 3, 5, 10),
        starts=karachi(2026, 3, 10, 10),
        status="declined",
        flagged=True,
        screening_answers=[PREGNANCY_YES, ACNE_NO],
    )
    c[7] = make(
        t,
        created=karachi(2026, 3, 9, 10),
        starts=karachi(2026, 3, 11, 10),
        status="completed",
        confirmed_after=[10],
        flagged=True,
        screening_answers=[ACNE_YES, PREGNANCY_YES, ACNE_YES],
    )  # asked again
    c[8] = make(t, created=karachi(2026, 3, 10, 10), starts=karachi(2026, 3, 12, 10))
    c[9] = make(
        t,
        created=karachi(2026, 3, 10, 11),
        starts=karachi(2026, 3, 25, 10),
        status="confirmed",
        source="phone",
        confirmed_after=[1],
    )
    c[10] = make(
        t,
        created=karachi(2026, 3, 11, 10),
        starts=karachi(2026, 3, 13, 10),
        status="cancelled",
        cancelled_by="patient",
        cancellation_reason="travelling",
    )
    # Completed with no confirmation in its history (written before the history was).
    c[11] = make(
        t,
        created=karachi(2026, 3, 23, 9),
        starts=karachi(2026, 3, 23, 15),
        status="completed",
        source="walk_in",
    )
    # Appointments of requests made before the period.
    c[13] = make(
        t,
        created=karachi(2026, 2, 25, 12),
        starts=karachi(2026, 3, 9, 0, 30),
        status="no_show",
        confirmed_after=[1],
    )
    c[14] = make(
        t,
        created=karachi(2026, 2, 2, 12),
        starts=karachi(2026, 3, 4, 15),
        status="no_show",
        confirmed_after=[1],
    )
    # Outside the period either way.
    make(
        t,
        created=karachi(2026, 2, 1, 10),
        starts=karachi(2026, 2, 10, 10),
        status="completed",
        flagged=True,
        screening_answers=[PREGNANCY_YES],
    )
    make(t, created=karachi(2026, 3, 30, 0, 30), starts=karachi(2026, 4, 1, 10))
    Closure.objects.create(starts_on="2026-03-27", ends_on="2026-03-27", reason="Holiday")
    return c  # fmt: skip


def report(**kwargs):
    return build_report(first=FIRST, last=LAST, now=NOW, **kwargs)


# --- The period -----------------------------------------------------------------------


def test_the_period_is_whole_weeks_from_monday_and_twelve_by_default():
    assert Period.between(dt.date(2026, 3, 4), dt.date(2026, 3, 20)) == Period(
        dt.date(2026, 3, 2), dt.date(2026, 3, 22)
    )
    assert Period.between(dt.date(2026, 3, 20), dt.date(2026, 3, 4)).first == dt.date(2026, 3, 2)
    default = build_report(now=NOW).period
    assert (default.first, default.last) == (dt.date(2026, 1, 12), dt.date(2026, 4, 5))
    assert len(default.weeks) == 12
    assert default.start == karachi(2026, 1, 12, 0, 0)
    # At most two years, the latest ones.
    long = Period.between(dt.date(2020, 1, 1), dt.date(2026, 3, 29))
    assert (len(long.weeks), long.last) == (104, dt.date(2026, 3, 29))


# --- Requests, outcomes, the funnel ---------------------------------------------------


def test_requests_by_request_week_source_and_outcome(diary):
    data = report().requests
    assert data.weeks == [WEEK_A, WEEK_B, WEEK_C, WEEK_D]
    assert data.total == [6, 4, 0, 1]  # c0 (Sunday 23:30) is the week before
    assert data.by_source == {
        "online": [3, 3, 0, 0],
        "phone": [1, 1, 0, 0],
        "whatsapp": [1, 0, 0, 0],
        "walk_in": [1, 0, 0, 1],
    }
    assert data.by_outcome == {
        "pending": [0, 1, 0, 0],
        "confirmed": [0, 1, 0, 0],
        "completed": [2, 1, 0, 1],  # c2 moved to week C still counts in week A
        "cancelled_patient": [1, 1, 0, 0],
        "cancelled_clinic": [1, 0, 0, 0],
        "declined": [1, 0, 0, 0],
        "no_show": [1, 0, 0, 0],
    }
    assert data.flagged == 2


def test_funnel_counts_confirmation_from_the_history_and_where_requests_drop_out(diary):
    data = report().requests
    # c1 c2 c3 c4 c7 c9 from the history, c11 (completed) from its status.
    assert (data.requested, data.confirmed, data.count("completed")) == (11, 7, 4)
    assert data.count("cancelled_patient", False) == 1  # c10
    assert data.count("cancelled_patient", True) == 1  # c4, confirmed first
    assert data.count("cancelled_clinic", False) == 1  # c5
    assert data.count("cancelled_clinic", True) == 0
    assert (data.count("declined"), data.count("no_show")) == (1, 1)
    assert (data.count("pending"), data.count("confirmed")) == (1, 1)
    (funnel,) = build_sections(report(sections=("funnel",)))
    rows = {row[0]: row[1:] for row in funnel.figures[0].table.rows}
    assert rows["Requested"] == ["11", "100%", ""]
    assert rows["Confirmed (at any point)"] == ["7", "64%", ""]
    assert rows["Attended"] == ["fewer than 5", "under 46%", "under 72%"]


def test_one_treatment_only(diary, treatment):
    other = TreatmentFactory()
    make(other, created=karachi(2026, 3, 3, 9), starts=karachi(2026, 3, 20, 10))
    assert report().requests.requested == 12
    assert report(treatment_id=treatment.pk).requests.requested == 11
    assert report(treatment_id=other.pk).requests.total == [1, 0, 0, 0]


# --- How fast the clinic answers ------------------------------------------------------


def test_percentile_interpolates_as_postgresqls_percentile_cont():
    hours = [dt.timedelta(hours=h) for h in (2, 4, 6, 8)]
    assert percentile(hours, 0.5) == dt.timedelta(hours=5)
    assert percentile(hours, 0.9) == dt.timedelta(hours=7.4)
    assert percentile(hours[:1], 0.9) == dt.timedelta(hours=2)
    assert percentile([], 0.5) is None


def test_answer_times_from_request_to_first_confirmation_by_request_week(diary):
    data = report().answer_times
    week_a, week_b, week_c, week_d = data.by_week
    hours = dt.timedelta(hours=1)
    # Week A: c1 2 h, c2 4 h, c3 6 h (not its second confirmation), c4 8 h.
    assert (week_a.count, week_a.median, week_a.p90) == (4, 5 * hours, 7.4 * hours)
    # Week B: c9 1 h, c7 10 h.
    assert (week_b.count, week_b.median, week_b.p90) == (2, 5.5 * hours, 9.1 * hours)
    # No requests; c11 has no confirmation in its history.
    assert (week_c.count, week_c.median) == (0, None)
    assert (week_d.count, week_d.median) == (0, None)
    # 1, 2, 4, 6, 8, 10 hours.
    assert (data.overall.count, data.overall.median, data.overall.p90) == (6, 5 * hours, 9 * hours)


# --- Cancellations and attendance -----------------------------------------------------


def test_reasons_are_grouped_by_their_words_and_shown_only_when_five_gave_them(
    booking_rules, treatment
):
    def cancelled(reason, by):
        make(treatment, created=karachi(2026, 3, 3, 9), starts=karachi(2026, 3, 10, 10),
             status="cancelled", cancelled_by=by, cancellation_reason=reason)  # fmt: skip

    for reason, by in [
        ("Travelling.", "clinic"),
        ("travelling", "patient"),
        ("Cancelled online by the patient. Travelling", "patient"),
        ("  TRAVELLING ", "clinic"),
        ("Cancelled online by the patient. Travelling.", "patient"),
        ("", "patient"),
    ]:
        cancelled(reason, by)
    for _ in range(4):
        cancelled("My sister Ayesha's wedding", "patient")
    (reason,) = report().reasons
    assert (reason.text, reason.by_patient, reason.by_clinic) == ("Travelling", 3, 2)
    table = find_table(build_sections(report(sections=("cancellations",))), "cancellation-reasons")
    assert table.rows[0][1:] == ["fewer than 5", "fewer than 5", "5"]
    # A reason given fewer than five times is never shown by its words.
    assert table.rows[1] == [
        "Other reasons (each given fewer than 5 times)",
        "5",
        "0",
        "5",
    ]
    assert "Ayesha" not in str(table)


def test_attendance_by_appointment_week_weekday_and_days_booked_ahead(diary):
    data = report().attendance
    # [attended, did not attend]. c13 at Monday 00:30 Karachi (Sunday UTC) is week B.
    assert data.by_week == [[2, 2], [1, 1], [1, 0], [1, 0]]
    assert data.by_weekday == [[1, 1], [2, 0], [1, 1], [1, 0], [0, 1], [0, 0], [0, 0]]
    # 0–1 days: c11; 2–7: c0 c1 c3 c7; 8–14: c2 (moved), c13; 15+: c14.
    assert data.by_lead == [[1, 0], [3, 1], [1, 1], [0, 1]]


def test_days_booked_ahead_count_clinic_dates(booking_rules, treatment):
    # 23:00 the evening before is one day ahead; 00:30 a week later is seven.
    for created, starts in [
        (karachi(2026, 3, 9, 23), karachi(2026, 3, 10, 10)),
        (karachi(2026, 3, 3, 0, 30), karachi(2026, 3, 10, 0, 30)),
        (karachi(2026, 3, 2, 23, 59), karachi(2026, 3, 10, 10)),
    ]:
        make(treatment, created=created, starts=starts, status="completed")
    assert report().attendance.by_lead == [[1, 0], [1, 0], [1, 0], [0, 0]]


# --- When patients want to come -------------------------------------------------------


def test_requested_times_against_the_opening_hours_and_the_full_ones(diary):
    data = report().demand
    tue, wed, thu, fri, sat, mon = 1, 2, 3, 4, 5, 0
    assert data.requests == {
        (tue, 10): 2, (thu, 10): 2, (tue, 11): 1, (fri, 15): 1, (sat, 10): 1,
        (mon, 10): 1, (wed, 10): 2, (fri, 10): 1, (mon, 15): 1, (mon, 0): 1, (wed, 15): 1,
    }  # fmt: skip
    # Mon–Fri 10:00–13:00 and 14:00–19:00, Saturday 10:00–16:00, 30 minutes every 45:
    # eleven times a weekday, eight on Saturday, four weeks, less Friday 27 March.
    assert sum(data.bookable.values()) == 11 * 5 * 4 + 8 * 4 - 11
    assert (data.bookable[(mon, 10)], data.bookable[(fri, 10)]) == (8, 6)
    # A time is full when a place is held there, with the buffer, by a consultation not
    # cancelled or declined: c2 at 11:00 fills 10:45 and 11:30.
    assert data.full == {
        **dict.fromkeys(data.bookable, 0),
        (tue, 10): 2, (tue, 11): 1, (thu, 10): 2, (fri, 14): 1, (fri, 15): 1,
        (wed, 10): 2, (mon, 14): 1, (mon, 15): 1, (wed, 14): 1, (wed, 15): 1,
    }  # fmt: skip
    assert data.hours == list(range(0, 19))


def test_places_are_the_clinics_whatever_treatment_is_reported(diary, treatment):
    other = TreatmentFactory()
    make(other, created=karachi(2026, 3, 1, 9), starts=karachi(2026, 3, 20, 17),
         status="confirmed")  # fmt: skip
    data = report(treatment_id=treatment.pk).demand
    assert (4, 17) not in data.requests
    assert data.full[(4, 17)] == 1


# --- Courses --------------------------------------------------------------------------


@pytest.fixture
def courses(booking_rules):
    treatment = TreatmentFactory(sessions_min=3, sessions_max=3, weeks_between_max=6)

    def session(email, day, status="completed"):
        starts = karachi(2026, *day, 11)
        return make(treatment, created=starts - dt.timedelta(days=7), starts=starts,
                    status=status, email=email)  # fmt: skip

    session("p1@example.com", (3, 5))
    session("P1@Example.com", (4, 9))  # the same patient, written otherwise: in time
    session("p2@example.com", (3, 10))
    session("p2@example.com", (4, 25), status="pending")  # booked, after the window
    session("p3@example.com", (1, 20))
    session("p3@example.com", (3, 3))  # session 2, nothing since: overdue
    session("p4@example.com", (3, 26))  # not due until 7 May
    session("p4@example.com", (4, 2), status="cancelled")
    for day in ((1, 15), (2, 10), (3, 12)):  # the course's last session
        session("p5@example.com", day)
    session("p7@example.com", (3, 4))
    session("p7@example.com", (4, 1), status="no_show")  # not a return: overdue
    session("", (3, 6))  # anonymised: no one's course any more
    single = TreatmentFactory(sessions_min=1, sessions_max=1)
    make(single, created=karachi(2026, 3, 1, 9), starts=karachi(2026, 3, 8, 11),
         status="completed", email="p8@example.com")  # fmt: skip
    return treatment


def test_who_comes_back_for_the_next_session_and_who_is_overdue(courses):
    today = dt.date(2026, 4, 30)
    data = build_report(first=FIRST, last=LAST, now=karachi(2026, 4, 30, 9)).returns
    assert data.by_session == {
        1: {"on_time": 1, "late": 1, "not_due": 1, "overdue": 1},
        2: {"on_time": 0, "late": 0, "not_due": 0, "overdue": 1},
    }
    assert data.finished == 1
    # The same patients the overdue list gives (their last session is in the period).
    overdue = {p.email.lower() for p in selectors.overdue_patients(today=today)}
    assert overdue == {"p3@example.com", "p7@example.com"}
    assert data.overdue == len(overdue)


# --- Screening ------------------------------------------------------------------------


def test_screening_counts_requests_answering_yes_once_each(diary):
    data = report()
    assert data.screening == {"Pregnancy": 2, "Active acne": 1}
    assert data.requests.flagged == 2


# --- What is shown --------------------------------------------------------------------


def test_counts_under_five_are_hidden_and_rates_bounded():
    assert [count_text(n) for n in (0, 1, 4, 5, 1234)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "1,234",
    ]
    assert rate_text(3, 20) == "under 25%"
    assert rate_text(3, 4) == "not shown"
    assert rate_text(0, 0) == "—"
    assert rate_text(10, 20) == "50%"
    assert rate_label(3, 20) == "fewer than 5 of 20"


def test_every_table_of_the_page_hides_small_counts_and_names_no_one(diary):
    sections = build_sections(report())
    assert [s.slug for s in sections] == list(SECTIONS) == list(BUILDERS)
    cells = [
        cell
        for section in sections
        for figure in section.figures
        for row in figure.table.rows + [figure.table.footer or []]
        for cell in row
    ]
    for n in range(1, 5):
        assert str(n) not in cells
    assert {find_table(sections, slug).slug for slug in TABLES} == set(TABLES)
    text = repr(sections)
    for consultation in diary.values():
        for value in (consultation.full_name, consultation.email, consultation.reference):
            assert value not in text


def test_pictures_draw_no_bar_for_a_hidden_count(diary):
    (requests,) = build_sections(report(sections=("requests",)))
    chart = requests.figures[0].chart
    # Week A's six are shown, in one grey bar: each source had fewer than five. Week B's
    # four are not drawn at all.
    bars = [shape for shape in chart.shapes if shape.title]
    assert [(bar.fill, bar.title) for bar in bars] == [(HIDDEN[1], HIDDEN[0])]
    texts = [label.text for label in chart.labels]
    assert texts[-8:] == [
        "2 Mar",
        "6",
        "9 Mar",
        "fewer than 5",
        "16 Mar",
        "0",
        "23 Mar",
        "fewer than 5",
    ]
    assert chart.view_box.startswith("0 0 400 ")


# --- Cost -----------------------------------------------------------------------------


def queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as context:
        build_report(now=NOW, **kwargs)
    return len(context.captured_queries)


def diary_of(count: int, treatment) -> None:
    start = karachi(2025, 4, 7, 10)
    Consultation.objects.bulk_create(
        ConsultationFactory.build(
            treatment=treatment,
            starts_at=start + dt.timedelta(hours=n * 5),
            status=("completed", "cancelled", "no_show", "declined")[n % 4],
            cancellation_reason="Travelling" if n % 4 == 1 else "",
            email=f"patient{n % 40}@example.com",
            flagged=n % 7 == 0,
            screening_answers=[PREGNANCY_YES] if n % 7 == 0 else [],
        )
        for n in range(count)
    )


def test_the_number_of_queries_depends_on_neither_the_range_nor_the_diary(booking_rules, treatment):
    diary_of(10, treatment)
    two_weeks = queries(first=dt.date(2026, 3, 2), last=dt.date(2026, 3, 15))
    year = queries(first=dt.date(2025, 3, 30), last=dt.date(2026, 3, 29))
    assert two_weeks == year
    diary_of(1000, treatment)
    assert queries(first=dt.date(2025, 3, 30), last=dt.date(2026, 3, 29)) == year
    # Requests, answer times (two on PostgreSQL), reasons, attendance, the heatmap (its
    # requests, the rules' seven with the practitioners, the places held), courses,
    # screening.
    assert year == (16 if connection.vendor == "postgresql" else 15)
