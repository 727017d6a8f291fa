"""The pages beside the consultation admin: agenda, CSV export, calendar feeds."""

import base64
import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.models import OutboundEmail, StaffCalendarFeed
from clinic.spreadsheet import csv_safe
from tests.auth import login_staff
from tests.bookings.admin.roles import staff
from tests.bookings.conftest import KARACHI

CHANGELIST = "admin:bookings_consultation_changelist"


# --- agenda ----------------------------------------------------------------------------


def test_the_admin_index_and_changelist_link_to_the_agenda(as_role, booking):
    client = as_role("Reception")
    booking()
    agenda = reverse("admin:bookings_consultation_agenda")
    assert agenda in client.get(reverse("admin:index")).content.decode()
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert agenda in html and reverse("admin:bookings_consultation_export") in html


def test_the_agenda_lists_the_day_with_free_places(as_role, booking, first_free):
    consultation = booking(0, flagged=True)
    day = timezone.localtime(consultation.starts_at, KARACHI).date()
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_agenda")
    html = client.get(url, {"date": day.isoformat()}).content.decode()
    assert consultation.reference in html and "Ayesha Khan" in html and "Microneedling" in html
    assert "flag-badge" in html and "status-pending" in html
    assert f"{timezone.localtime(consultation.starts_at, KARACHI):%H:%M}" in html
    assert f"?date={(day - dt.timedelta(days=1)).isoformat()}" in html
    assert f"?date={(day + dt.timedelta(days=1)).isoformat()}" in html
    week = client.get(url, {"date": day.isoformat(), "span": "week"}).content.decode()
    assert consultation.reference in week and "&amp;span=week" in week
    assert client.get(url, {"date": "not-a-date"}).status_code == 200


def test_the_agenda_counts_free_places(booking_rules, booking):
    from bookings.admin.agenda import agenda_days

    consultation = booking(0)
    local = timezone.localtime(consultation.starts_at, KARACHI)
    (day,) = agenda_days(local.date(), 1, now=timezone.now())
    row = next(r for r in day.rows if r.starts_at == local)
    assert row.free == 0 and row.consultations == [consultation]
    assert day.booked == 1
    assert all(r.free == 1 for r in day.rows if r.starts_at > local)


def test_the_agenda_query_count_does_not_grow_with_a_week(
    as_role, booking, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_agenda")
    client.get(url)
    with CaptureQueriesContext(connection) as empty_day:
        client.get(url)
    for i in range(6):
        booking(i)
    with django_assert_num_queries(len(empty_day.captured_queries)):
        client.get(url, {"span": "week"})


# --- export ----------------------------------------------------------------------------


def test_csv_cells_cannot_become_formulas():
    for dangerous in ("=1+1", "+92300", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(dangerous) == "'" + dangerous
    assert csv_safe("Ayesha") == "Ayesha" and csv_safe(None) == ""


def _rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_export_follows_the_filters_and_escapes(as_role, booking):
    flagged = booking(0, flagged=True, full_name='=HYPERLINK("http://x")', status="confirmed")
    other = booking(1)
    client = as_role("Reception")
    response = client.get(reverse("admin:bookings_consultation_export"), {"flagged__exact": "1"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][0] == "Reference" and len(rows) == 2
    assert rows[1][0] == flagged.reference and rows[1][5] == '\'=HYPERLINK("http://x")'
    assert rows[1][7] == "'+923001234567" and rows[1][4] == "Confirmed"
    local = timezone.localtime(flagged.starts_at, KARACHI)
    assert rows[1][1:3] == [f"{local:%Y-%m-%d}", f"{local:%H:%M}"]
    assert other.reference not in response.content.decode()


def test_the_export_action_exports_the_selection(as_role, booking):
    first, _ = booking(0, full_name="Zainab Ālam"), booking(1)
    client = as_role("Reception")
    response = client.post(
        reverse(CHANGELIST), {"action": "export_selected", "_selected_action": [first.pk]}
    )
    rows = _rows(response)
    assert [r[0] for r in rows[1:]] == [first.reference] and rows[1][5] == "Zainab Ālam"


def test_only_staff_with_the_export_permission_export(as_role, booking):
    consultation = booking()
    client = as_role("Clinicians")
    assert "Export this list" not in client.get(reverse(CHANGELIST)).content.decode()
    response = client.post(
        reverse(CHANGELIST), {"action": "export_selected", "_selected_action": [consultation.pk]}
    )
    assert response.get("Content-Type", "").startswith("text/html")


# --- calendar ------------------------------------------------------------------------------


def test_the_confirmation_ics_is_in_clinic_time(booking):
    consultation = booking(0)
    services.consultation_confirm(consultation=consultation)
    email = OutboundEmail.objects.get(subject__startswith="Your consultation is confirmed")
    (attachment,) = email.attachments
    calendar = Calendar.from_ical(base64.b64decode(attachment["content"]))
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == consultation.starts_at
    assert (
        start.astimezone(KARACHI).time()
        == timezone.localtime(consultation.starts_at, KARACHI).time()
    )


def test_a_staff_member_turns_on_regenerates_and_revokes_their_feed(as_role, booking, client):
    confirmed = booking(0, status="confirmed", full_name="Ayesha Bibi Khan", flagged=True)
    pending = booking(1)
    cancelled = booking(2, status="cancelled")
    staff_client = as_role("Reception")
    settings_url = reverse("admin:bookings_consultation_calendar_feed")
    assert "is off" in staff_client.get(settings_url).content.decode()
    staff_client.post(settings_url, {"do": "create"})
    feed = StaffCalendarFeed.objects.get(user=staff_client.user)
    assert len(feed.token) >= 40
    feed_url = reverse("bookings:calendar_feed", args=[feed.token])
    assert feed_url in staff_client.get(settings_url).content.decode()

    staff_client.logout()  # the feed needs no session
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    body = response.content.decode()
    assert "Bibi" not in body and "Khan" not in body.replace("Khan Clinic", "").replace(
        "Khan Aesthetic", ""
    )
    assert "ayesha@example.com" not in body and "92300" not in body
    assert "pregnan" not in body.lower()
    calendar = Calendar.from_ical(response.content)
    events = {str(e["description"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"Reference {confirmed.reference}", f"Reference {pending.reference}"}
    assert cancelled.reference not in body
    event = events[f"Reference {confirmed.reference}"]
    assert str(event["summary"]) == "Ayesha: Microneedling"
    start = event.decoded("dtstart")
    assert start == confirmed.starts_at
    assert start.astimezone(KARACHI) == timezone.localtime(confirmed.starts_at, KARACHI)

    login_staff(staff_client, feed.user)
    staff_client.post(settings_url, {"do": "regenerate"})
    new = StaffCalendarFeed.objects.get(user=feed.user)
    assert new.token != feed.token
    assert client.get(feed_url).status_code == 404
    assert client.get(reverse("bookings:calendar_feed", args=[new.token])).status_code == 200
    staff_client.post(settings_url, {"do": "revoke"})
    assert not StaffCalendarFeed.objects.exists()
    assert client.get(reverse("bookings:calendar_feed", args=[new.token])).status_code == 404


def test_unknown_tokens_and_former_staff_get_404(client, booking_rules):
    assert client.get(reverse("bookings:calendar_feed", args=["nope"])).status_code == 404
    user = staff("Content editors")
    feed = StaffCalendarFeed.objects.create(user=user)
    assert client.get(reverse("bookings:calendar_feed", args=[feed.token])).status_code == 404
    reception = staff("Reception", is_active=False)
    feed = StaffCalendarFeed.objects.create(user=reception)
    assert client.get(reverse("bookings:calendar_feed", args=[feed.token])).status_code == 404
