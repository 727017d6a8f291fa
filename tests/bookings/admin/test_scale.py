"""The back office over a diary of years: every list, search, agenda, export and the
patients' rights search reads what the page shows, not the table; query counts do not
grow with the rows; a whole reference is found by itself; long lists are not counted row
by row and their years not listed by reading each consultation.

Rows read and index use are PostgreSQL's (tests/bookings/plans.py) over the growth
benchmark's diary; query counts and the list's behaviour hold on SQLite too.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import availability, selectors
from bookings.admin.paginators import EXACT_UP_TO, EstimatedCountPaginator
from bookings.models import BookingSettings, Consultation
from tests.bookings import plans

CHANGELIST = "admin:bookings_consultation_changelist"
AGENDA = "admin:bookings_consultation_agenda"
EXPORT = "admin:bookings_consultation_export"
RIGHTS = "admin:bookings_patient_rights"
HISTORY = 30_000  # about three and a half years
RETENTION_MONTHS = 3
TRIGRAM_INDEXES = {
    "consultation_reference_trgm",
    "consultation_name_trgm",
    "consultation_email_trgm",
    "consultation_phone_trgm",
}


def consultation_admin():
    return admin.site._registry[Consultation]


def many(treatment, count: int, *, first: dt.datetime | None = None, step=dt.timedelta(hours=1)):
    start = first or dt.datetime(2027, 1, 1, 5, tzinfo=dt.UTC)
    Consultation.objects.bulk_create(
        Consultation(
            reference=f"KH-T{i:05d}",  # never two alike, as random ones could be
            treatment=treatment,
            starts_at=start + i * step,
            ends_at=start + i * step + dt.timedelta(minutes=30),
            status="completed" if i % 3 else "pending",
            full_name=f"Patient {i}",
            email=f"p{i}@example.com",
            phone="+923001234567",
            consent_version="2026-11",
            consented_at=start,
        )
        for i in range(count)
    )


def pages(patient: Consultation) -> dict[str, tuple[str, dict]]:
    """The back office's pages, asking about ``patient`` where a page asks about one."""
    day = timezone.localdate(timezone.now(), availability.clinic_tz()) + dt.timedelta(days=2)
    yesterday = day - dt.timedelta(days=3)
    return {
        "list, upcoming": (reverse(CHANGELIST), {"when": "upcoming"}),
        "list, unfiltered": (reverse(CHANGELIST), {}),
        "search, reference": (reverse(CHANGELIST), {"q": patient.reference}),
        "search, name": (reverse(CHANGELIST), {"q": patient.full_name}),
        "search, email": (reverse(CHANGELIST), {"q": patient.email}),
        "search, phone": (reverse(CHANGELIST), {"q": str(patient.phone)[3:]}),
        "agenda, day": (reverse(AGENDA), {"date": day.isoformat()}),
        "agenda, week": (reverse(AGENDA), {"date": day.isoformat(), "span": "week"}),
        "export, one day": (
            reverse(EXPORT),
            {
                "starts_at__year": yesterday.year,
                "starts_at__month": yesterday.month,
                "starts_at__day": yesterday.day,
            },
        ),
    }


# --- PostgreSQL: what the pages read ---------------------------------------------------


@pytest.fixture
def big_diary(booking_rules, treatment):
    """Three and a half years of consultations, kept three months: as in a diary of
    decades, nearly all of it is anonymised history."""
    plans.postgres_only()
    BookingSettings.objects.update(retention_months=RETENTION_MONTHS)
    made = plans.diary(HISTORY)
    assert made["anonymised"] > HISTORY * 0.9
    return made


@pytest.mark.postgres
def test_every_page_reads_what_it_shows_not_the_diary(admin_client, big_diary):
    patient = Consultation.objects.filter(starts_at__lt=timezone.now()).exclude(email="")
    for name, (url, query) in pages(patient.latest("starts_at")).items():
        admin_client.get(url, query)  # warm: the session, the rules cache
        searching = name.startswith("search")
        with plans.no_table_scans(index_walks=not searching), plans.Reads() as reads:
            response = admin_client.get(url, query)
        assert response.status_code == 200, name
        # Counting a short list stops after EXACT_UP_TO rows; a search reads the rows
        # that match one of its words (and checks the others on them); nothing else
        # reads more than a page, a day, a week or one patient's consultations.
        for rows, sql in reads.per_query:
            assert rows <= 2 * EXACT_UP_TO, f"{name}: {rows} rows\n{sql}"
        assert reads.total < HISTORY / 6, f"{name}\n{reads.report()}"


@pytest.mark.postgres
def test_the_rights_search_reads_one_patients_consultations(admin_client, big_diary):
    email = Consultation.objects.exclude(email="").latest("starts_at").email
    held = Consultation.objects.filter(email__iexact=email).count()
    admin_client.get(reverse(RIGHTS))
    with plans.no_table_scans(), plans.Reads() as reads:
        response = admin_client.post(reverse(RIGHTS), {"email": email.upper(), "action": "find"})
    assert response.status_code == 200
    assert response.context["counts"]["consultations"] == held
    assert reads.total <= held, reads.report()


@pytest.mark.postgres
def test_the_overdue_list_reads_only_the_sessions_that_wait_for_the_next_one(
    admin_client, big_diary
):
    waiting = Consultation.objects.filter(course_sessions_done__isnull=False).count()
    with_email = Consultation.objects.exclude(email="").count()
    assert 0 < waiting < with_email < HISTORY / 10
    # Only the marked sessions, through their partial index: neither the anonymised
    # years nor the patients' other sessions are read.
    with plans.no_table_scans(index_walks=False), plans.Reads() as reads:
        overdue = selectors.overdue_patients()
    assert overdue and all(rows <= waiting for rows, _ in reads.per_query), reads.report()
    with plans.no_table_scans(index_walks=False), plans.Reads() as reads:
        response = admin_client.get(reverse(CHANGELIST), {"next_session": "overdue"})
    assert response.status_code == 200
    assert f"{len(overdue)} consultation" in response.content.decode()
    assert all(rows <= waiting for rows, _ in reads.per_query), reads.report()


@pytest.mark.postgres
def test_each_search_field_has_a_trigram_index_its_lookup_uses(big_diary):
    request = RequestFactory().get("/")
    queryset, _ = consultation_admin().get_search_results(
        request, Consultation.objects.all(), "zainab"
    )
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    # With the table not to be read whole, the plan is made of the indexes alone, which
    # it can only be if every field's lookup matches its index's expression.
    with plans.no_table_scans():
        used = plans.scans(plans.plan(sql, params, analyze=False))
    assert TRIGRAM_INDEXES.issubset(index for _, index in used), used
    assert ("Seq Scan", plans.TABLE) not in used


@pytest.mark.postgres
def test_a_long_list_takes_the_planners_estimate_instead_of_counting_it(big_diary):
    with CaptureQueriesContext(connection) as queries:
        count = EstimatedCountPaginator(Consultation.objects.order_by("starts_at"), 50).count
    actual = Consultation.objects.count()
    assert abs(count - actual) < actual / 10
    assert not any(
        "COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in queries.captured_queries
    )


# --- Any database: query counts and the list's behaviour ---------------------------------


URLS = [
    (CHANGELIST, {}),
    (CHANGELIST, {"when": "upcoming"}),
    (CHANGELIST, {"q": "Patient 5"}),
    (CHANGELIST, {"q": "p7@example"}),
    (CHANGELIST, {"next_session": "overdue"}),
    (CHANGELIST, {"status__exact": "pending"}),
    (AGENDA, {"date": "2027-01-02"}),
    (AGENDA, {"date": "2027-01-02", "span": "week"}),
    (EXPORT, {"starts_at__year": 2027, "starts_at__month": 1, "starts_at__day": 2}),
]


def query_count(client, url: str, query: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url), query).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(("url", "query"), URLS)
@pytest.mark.parametrize("sizes", [(10, 1000), (EXACT_UP_TO + 1, 3000)])
def test_a_page_costs_the_same_queries_whatever_the_number_of_rows(
    admin_client, treatment, url, query, sizes
):
    small, large = sizes
    many(treatment, small)
    admin_client.get(reverse(url), query)  # warm up the session and caches
    before = query_count(admin_client, url, query)
    Consultation.objects.all().delete()
    many(treatment, large)
    assert query_count(admin_client, url, query) == before


def test_a_whole_reference_is_found_by_the_reference_alone(admin_client, treatment):
    many(treatment, 30)
    wanted = Consultation.objects.order_by("pk")[7]
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST), {"q": f"  {wanted.reference.lower()} "})
    assert [c.pk for c in response.context["cl"].result_list] == [wanted.pk]
    searches = [q["sql"] for q in queries.captured_queries if "bookings_consultation" in q["sql"]]
    assert not any("LIKE" in sql for sql in searches)


def test_part_of_a_reference_name_email_or_phone_is_still_found(admin_client, treatment):
    many(treatment, 30)
    wanted = Consultation.objects.order_by("pk")[7]
    for term in (wanted.reference[3:8], "patient 7", "P7@EXAMPLE", "3001234567"):
        response = admin_client.get(reverse(CHANGELIST), {"q": term})
        assert wanted.pk in {c.pk for c in response.context["cl"].result_list}, term


def test_a_short_list_is_counted_exactly(treatment):
    many(treatment, EXACT_UP_TO)
    queryset = Consultation.objects.order_by("starts_at")
    assert EstimatedCountPaginator(queryset, 50).count == EXACT_UP_TO
    assert EstimatedCountPaginator(queryset.filter(status="pending"), 50).count == (
        Consultation.objects.filter(status="pending").count()
    )


def test_the_years_of_a_long_list_run_from_its_first_consultation_to_its_last(
    admin_client, treatment
):
    many(
        treatment,
        EXACT_UP_TO + 1,
        first=dt.datetime(2020, 3, 1, 5, tzinfo=dt.UTC),
        step=dt.timedelta(days=1, hours=1),
    )
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get(reverse(CHANGELIST)).content.decode()
    for year in range(2020, 2023):
        assert f"?starts_at__year={year}" in html
    assert not any(
        "DISTINCT" in q["sql"] and "bookings_consultation" in q["sql"]
        for q in queries.captured_queries
    )


def test_a_short_list_drills_down_into_the_years_it_has(admin_client, treatment):
    many(treatment, 3, first=dt.datetime(2020, 3, 1, 5, tzinfo=dt.UTC), step=dt.timedelta(days=800))
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "?starts_at__year=2020" in html and "?starts_at__year=2024" in html
    assert "?starts_at__year=2021" not in html  # 2020, 2022, 2024 only


def test_searches_and_the_overdue_list_come_without_the_date_drill_down(admin_client, treatment):
    many(treatment, 30)
    assert "?starts_at__year=" in admin_client.get(reverse(CHANGELIST)).content.decode()
    for query in ({"q": "Patient"}, {"next_session": "overdue"}):
        html = admin_client.get(reverse(CHANGELIST), query).content.decode()
        assert "starts_at__year=" not in html, query


@pytest.mark.postgres
def test_the_rights_search_finds_a_patients_emails_without_reading_the_outbox(db):
    plans.postgres_only()
    from bookings.models import OutboundEmail
    from bookings.records import subject_records

    OutboundEmail.objects.bulk_create(
        OutboundEmail(to=f"patient{n}@example.com", subject="Your consultation", template="t")
        for n in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_outboundemail")
    with plans.no_table_scans(), CaptureQueriesContext(connection) as captured:
        found = subject_records("PATIENT7@example.com")
    assert [email.to for email in found.emails] == ["patient7@example.com"]
    [sql] = [
        q["sql"] for q in captured.captured_queries if 'FROM "bookings_outboundemail"' in q["sql"]
    ]
    read = [
        node
        for node in plans.nodes(plans.plan(sql))
        if node.get("Relation Name") == "bookings_outboundemail"
    ]
    assert read and all(node["Node Type"] != "Seq Scan" for node in read), read
    assert sum(node["Actual Rows"] for node in read) <= 1
