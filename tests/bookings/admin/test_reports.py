"""The owner's reports page: who may open it, what it shows (pictures with their tables,
accessible, under the strict CSP, no patient named), its CSV downloads, its choices of
weeks and treatment, and its cost. How it looks on a phone: tests/browser/test_reports.py."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Consultation, ConsultationEvent
from bookings.reports import Period
from bookings.reports.sections import TABLES
from tests.auth import login_staff
from tests.bookings.admin.roles import ROLES, role_group, staff_with
from tests.bookings.conftest import karachi
from tests.factories import ConsultationFactory, TreatmentFactory

URL = "admin:bookings_consultation_reports"
WEEKS = {"start": "2026-03-02", "end": "2026-03-29"}
NAMES = ["Zubaida Qureshi", "Parveen Akhtar", "Shazia Rind"]


FIRST_MONDAY = karachi(2026, 3, 2, 10)


def busy_diary(treatment, *, first=FIRST_MONDAY, weeks=4, per_day=4):
    """A diary with something in every picture: requests from every source, each
    outcome, confirmations in the history, flagged answers, patients of a course.
    Written in bulk (benchmark-like), with times on the opening-hours grid."""
    statuses = ["completed"] * 5 + ["cancelled", "no_show", "declined", "confirmed"]
    sources = ["online", "online", "phone", "whatsapp", "walk_in"]
    rows = []
    for n in range(weeks * 6 * per_day):
        day, slot = divmod(n, per_day)
        starts = first + dt.timedelta(days=day + day // 6, minutes=45 * slot)  # no Sundays
        status = statuses[n % len(statuses)]
        rows.append(
            ConsultationFactory.build(
                treatment=treatment,
                starts_at=starts,
                practitioner=None,
                status=status,
                source=sources[n % len(sources)],
                full_name=NAMES[n % len(NAMES)],
                email=f"patient{n % 9}@example.com",
                phone="+923331234567",
                cancelled_by="patient" if n % 2 else "clinic",
                cancellation_reason="Travelling" if status == "cancelled" else "",
                flagged=n % 6 == 0,
                screening_answers=[{"name": "Pregnancy", "answer": "yes"}] if n % 6 == 0 else [],
            )
        )
    made = Consultation.objects.bulk_create(rows)
    for days in (1, 3, 9, 20):
        Consultation.objects.filter(pk__in=[c.pk for c in made[days % 4 :: 4]]).update(
            created_at=F("starts_at") - dt.timedelta(days=days, hours=days)
        )
    ConsultationEvent.objects.bulk_create(
        ConsultationEvent(
            consultation=c,
            previous_status="pending",
            new_status="confirmed",
            at=c.starts_at - dt.timedelta(days=1, hours=n % 30),
        )
        for n, c in enumerate(made)
        if c.status in ("completed", "no_show", "confirmed")
    )
    return made


@pytest.fixture
def diary(booking_rules, treatment):
    return busy_diary(treatment)


def requested() -> int:
    """The requests made in WEEKS, counted plainly."""
    return Consultation.objects.filter(
        created_at__gte=karachi(2026, 3, 2, 0), created_at__lt=karachi(2026, 3, 30, 0)
    ).count()


# --- Who may open it -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_of_the_roles_opens_the_reports(as_role, diary, role):
    response = as_role(role).get(reverse(URL), WEEKS)
    assert response.status_code == (200 if role == "superuser" else 403)


def test_staff_given_view_reports_open_them_and_no_role_has_it_by_default(client, diary):
    permission = Permission.objects.get(codename="view_reports")
    assert permission.content_type.model == "consultation"
    assert permission.name == "Can see the clinic's reports"
    for name in ("Reception", "Clinicians", "Content editors"):
        assert not role_group(name).permissions.filter(pk=permission.pk).exists()
    assert not Group.objects.filter(permissions=permission).exists()
    login_staff(client, staff_with("view_reports"))
    assert client.get(reverse(URL), WEEKS).status_code == 200
    login_staff(client, staff_with("view_consultation"))
    assert client.get(reverse(URL), WEEKS).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, booking_rules):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_consultation_list_links_to_the_reports_for_those_allowed(as_role, diary):
    link = f'href="{reverse(URL)}"'
    changelist = reverse("admin:bookings_consultation_changelist")
    assert link in as_role("superuser").get(changelist).content.decode()
    assert link not in as_role("Reception").get(changelist).content.decode()


# --- What it shows ---------------------------------------------------------------------


def test_every_section_is_a_picture_with_its_table_and_download(admin_client, diary):
    response = admin_client.get(reverse(URL), WEEKS)
    html = response.content.decode()
    for section in ("requests", "funnel", "answer-times", "cancellations", "demand"):
        assert f'id="{section}"' in html
    for slug in ("courses", "screening"):
        assert f'id="{slug}"' in html
    svgs = re.findall(r'<svg [^>]*role="img"[^>]*>', html)
    assert len(svgs) == 12  # one per table: sources, outcomes, funnel, waits, reasons,
    # three no-show rates, two heatmaps, courses, screening
    for svg in svgs:
        assert 'role="img"' in svg and 'width="100%"' in svg and 'viewBox="0 0 400 ' in svg
        (title, desc) = re.search(r'aria-labelledby="([^ "]+) ([^"]+)"', svg).groups()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    assert html.count('<table class="report-table') == len(TABLES)
    assert html.count("format=csv&amp;section=") == len(TABLES)
    assert f"Of {requested()} requests" in html


def test_the_page_keeps_to_the_strict_csp(admin_client, diary):
    response = admin_client.get(reverse(URL), WEEKS)
    html = response.content.decode()
    assert "style=" not in html and "<style" not in html
    assert "<script" not in html.split('<div id="content-main"')[1]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "reports.css" in html


def test_no_patient_is_named_on_the_page_or_in_any_download(admin_client, diary):
    pages = [admin_client.get(reverse(URL), WEEKS).content.decode()]
    pages += [
        admin_client.get(reverse(URL), {**WEEKS, "format": "csv", "section": slug}).content.decode()
        for slug in TABLES
    ]
    people = set(NAMES) | {"+923331234567", "923331234567", "@example.com"}
    people |= {c.reference for c in diary}
    for text in pages:
        assert not [value for value in people if value in text]


def test_each_table_downloads_as_csv_with_small_counts_hidden(admin_client, diary):
    response = admin_client.get(
        reverse(URL), {**WEEKS, "format": "csv", "section": "requests-by-source"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="clinic-requests-by-source-2026-03-02-to-2026-03-29.csv"'
    )
    body = response.content.decode()
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Week", "Requests", "Online", "Phone call", "WhatsApp", "Walk-in"]
    assert rows[1][0] == "Mon 2 Mar 2026"
    assert rows[-1][:2] == ["All weeks", str(requested())]
    assert "fewer than 5" in body
    assert not {cell for row in rows[1:] for cell in row[1:]} & {"1", "2", "3", "4"}
    missing = admin_client.get(reverse(URL), {"format": "csv", "section": "patients"})
    assert missing.status_code == 404


def test_a_reason_that_looks_like_a_formula_is_written_as_text(admin_client, diary, treatment):
    for n in range(5):
        starts = karachi(2026, 3, 14, 10) + dt.timedelta(minutes=45 * n)
        ConsultationFactory(
            treatment=treatment,
            starts_at=starts,
            status="cancelled",
            cancelled_by="patient",
            cancellation_reason="=1+2",
        )
    Consultation.objects.filter(cancellation_reason="=1+2").update(
        created_at=karachi(2026, 3, 10, 9)
    )
    body = admin_client.get(
        reverse(URL), {**WEEKS, "format": "csv", "section": "cancellation-reasons"}
    ).content.decode()
    assert "\r\n'=1+2," in body


def test_the_weeks_are_whole_and_the_treatment_one_or_all(admin_client, diary, treatment):
    other = TreatmentFactory(name="Laser hair removal")
    response = admin_client.get(
        reverse(URL), {"start": "2026-03-04", "end": "2026-03-20", "treatment": other.pk}
    )
    assert response.context["period"] == Period(dt.date(2026, 3, 2), dt.date(2026, 3, 22), other.pk)
    html = response.content.decode()
    assert 'value="2026-03-02"' in html and 'value="2026-03-22"' in html
    assert "Laser hair removal" in html and "Of 0 requests" in html
    assert f"treatment={other.pk}&amp;format=csv" in html
    unread = admin_client.get(reverse(URL), {"start": "4 March"})
    assert len(unread.context["period"].weeks) == 12
    assert "could not be read" in unread.content.decode()
    long = admin_client.get(reverse(URL), {"start": "2020-01-01", "end": "2026-03-29"})
    assert len(long.context["period"].weeks) == 104
    assert "At most 104 weeks" in long.content.decode()


def test_the_page_costs_the_same_queries_for_two_weeks_and_a_year(admin_client, diary):
    def count(start: str, end: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(reverse(URL), {"start": start, "end": end}).status_code == 200
        return len(context.captured_queries)

    count("2026-03-02", "2026-03-15")  # the first request also loads the session's user
    assert count("2026-03-02", "2026-03-15") == count("2025-03-31", "2026-03-29")
