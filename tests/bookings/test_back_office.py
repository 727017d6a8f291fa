"""The back office in the admin (issue 5): roles, actions, agenda, export, calendar feed."""

import base64
import csv
import datetime as dt
import io
from importlib import import_module

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.models import Consultation, OutboundEmail, StaffCalendarFeed
from clinic.spreadsheet import csv_safe
from tests.auth import login_staff
from tests.bookings.conftest import KARACHI
from tests.factories import ConsultationFactory, UserFactory

CHANGELIST = "admin:bookings_consultation_changelist"
ROLES = ["superuser", "Reception", "Clinicians", "Content editors"]


def role_group(name: str) -> Group:
    """The group the data migrations create; rebuilt the same way if a transactional test
    flushed the database earlier in this process."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        if name == "Content editors":
            wanted = Permission.objects.filter(content_type__app_label="treatments")
        else:
            roles = import_module("bookings.migrations.0003_back_office").ROLES
            wanted = Permission.objects.filter(
                content_type__app_label="bookings", codename__in=roles[name]
            )
        group.permissions.set(wanted)
    return group


def staff(role: str, **kwargs):
    if role == "superuser":
        return UserFactory(is_superuser=True, **kwargs)
    user = UserFactory(**kwargs)
    user.groups.add(role_group(role))
    return user


@pytest.fixture
def as_role(client, booking_rules):
    def sign_in(role: str, **kwargs):
        user = staff(role, **kwargs)
        login_staff(client, user)
        client.user = user
        return client

    return sign_in


@pytest.fixture
def booking(treatment, first_free):
    def make(index: int = 0, **kwargs) -> Consultation:
        starts = kwargs.pop("starts_at", None) or first_free(index)
        kwargs.setdefault("full_name", "Ayesha Khan")
        kwargs.setdefault("email", "ayesha@example.com")
        return ConsultationFactory(
            treatment=treatment,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=30),
            **kwargs,
        )

    return make


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- roles and pages -------------------------------------------------------------------


def test_the_roles_exist_once(db):
    for name in ("Reception", "Clinicians", "Content editors"):
        role_group(name)
    assert Group.objects.filter(name="Reception").count() == 1
    assert Group.objects.filter(name="Clinicians").count() == 1
    assert Group.objects.filter(name="Content editors").count() == 1


PAGES = {
    # name: (url builder, {role: expected status})
    "changelist": (lambda c: reverse(CHANGELIST), {"Content editors": 403}),
    "change": (
        lambda c: reverse("admin:bookings_consultation_change", args=[c.pk]),
        {"Content editors": 403},
    ),
    "add": (
        lambda c: reverse("admin:bookings_consultation_add"),
        {"superuser": 403, "Reception": 403, "Clinicians": 403, "Content editors": 403},
    ),
    "agenda": (lambda c: reverse("admin:bookings_consultation_agenda"), {"Content editors": 403}),
    "agenda-week": (
        lambda c: reverse("admin:bookings_consultation_agenda") + "?span=week&date=2026-12-02",
        {"Content editors": 403},
    ),
    "feed-settings": (
        lambda c: reverse("admin:bookings_consultation_calendar_feed"),
        {"Content editors": 403},
    ),
    "export": (
        lambda c: reverse("admin:bookings_consultation_export"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "cancel": (
        lambda c: reverse("admin:bookings_consultation_cancel", args=[c.pk]),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "reschedule": (
        lambda c: reverse("admin:bookings_consultation_reschedule", args=[c.pk]),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "feeds-changelist": (
        lambda c: reverse("admin:bookings_staffcalendarfeed_changelist"),
        {"Reception": 403, "Clinicians": 403, "Content editors": 403},
    ),
    "closures": (
        lambda c: reverse("admin:bookings_closure_changelist"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "closure-add": (
        lambda c: reverse("admin:bookings_closure_add"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "outbox": (
        lambda c: reverse("admin:bookings_outboundemail_changelist"),
        {"Clinicians": 403, "Content editors": 403},
    ),
    "treatments": (
        lambda c: reverse("admin:treatments_treatment_changelist"),
        {"Reception": 403, "Clinicians": 403},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_loads_or_is_refused_for_each_role(as_role, booking, role, page):
    consultation = booking()
    url, refused = PAGES[page]
    client = as_role(role)
    response = client.get(url(consultation))
    assert response.status_code == refused.get(role, 200), (role, page)


def test_the_admin_index_and_changelist_link_to_the_agenda(as_role, booking):
    client = as_role("Reception")
    booking()
    agenda = reverse("admin:bookings_consultation_agenda")
    assert agenda in client.get(reverse("admin:index")).content.decode()
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert agenda in html and reverse("admin:bookings_consultation_export") in html


def test_the_feed_admin_lists_feeds_without_tokens(as_role):
    client = as_role("superuser")
    feed = StaffCalendarFeed.objects.create(user=client.user)
    html = client.get(reverse("admin:bookings_staffcalendarfeed_changelist")).content.decode()
    assert feed.token not in html
    url = reverse("admin:bookings_staffcalendarfeed_change", args=[feed.pk])
    response = client.get(url)
    assert response.status_code == 200 and feed.token not in response.content.decode()


# --- the list --------------------------------------------------------------------------


def test_the_list_shows_clinic_time_badge_and_flag(as_role, booking):
    consultation = booking(flagged=True)
    client = as_role("Reception")
    html = client.get(reverse(CHANGELIST)).content.decode()
    local = timezone.localtime(consultation.starts_at, KARACHI)
    assert f"{local:%a %d %b %Y, %H:%M}" in html
    assert (
        '<span class="status-badge status-pending">Requested, awaiting confirmation</span>' in html
    )
    assert '<span class="flag-badge">Review</span>' in html


def test_the_time_filter_works_in_clinic_time(as_role, booking, treatment):
    upcoming = booking()
    now = timezone.now()
    past = ConsultationFactory(
        treatment=treatment,
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=3) + dt.timedelta(minutes=30),
        status="completed",
    )
    client = as_role("Reception")
    for when, shown, hidden in [("upcoming", upcoming, past), ("past", past, upcoming)]:
        html = client.get(reverse(CHANGELIST), {"when": when}).content.decode()
        assert shown.reference in html and hidden.reference not in html
    for when in ("today", "week"):
        assert client.get(reverse(CHANGELIST), {"when": when}).status_code == 200


def test_search_finds_by_reference_email_and_phone(as_role, booking):
    consultation = booking(email="unique.person@example.com")
    client = as_role("Reception")
    for term in (consultation.reference, "unique.person", "3001234567"):
        html = client.get(reverse(CHANGELIST), {"q": term}).content.decode()
        assert consultation.reference in html, term


def _many(treatment, count: int) -> None:
    start = dt.datetime(2027, 1, 1, 5, tzinfo=dt.UTC)
    Consultation.objects.bulk_create(
        Consultation(
            treatment=treatment,
            starts_at=start + dt.timedelta(hours=i),
            ends_at=start + dt.timedelta(hours=i, minutes=30),
            full_name=f"Patient {i}",
            email=f"p{i}@example.com",
            phone="+923001234567",
            consent_version="2026-11",
            consented_at=start,
            flagged=bool(i % 2),
        )
        for i in range(count)
    )


def test_the_list_costs_the_same_queries_for_ten_or_a_thousand(
    as_role, treatment, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_role("Reception")
    url = reverse(CHANGELIST)
    _many(treatment, 10)
    client.get(url)  # warm up the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    Consultation.objects.all().delete()
    _many(treatment, 1000)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


# --- status changes --------------------------------------------------------------------


def _action(client, name, consultations, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": name, "_selected_action": [c.pk for c in consultations], **extra},
        follow=True,
    )


def test_a_bulk_action_reports_changed_unchanged_and_refused(as_role, booking):
    first, second = booking(0), booking(1, status="confirmed")
    third = booking(2, status="cancelled")
    client = as_role("Reception")
    response = _action(client, "action_consultation_confirm", [first, second, third])
    text = " ".join(messages_of(response))
    assert f"Confirmed: {first.reference}" in text
    assert f"nothing changed: {second.reference}" in text
    assert f"Refused: {third.reference} (A consultation that is cancelled cannot" in text
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.status == "confirmed" and third.status == "cancelled"
    assert LogEntry.objects.filter(object_id=str(first.pk)).count() == 1
    assert not LogEntry.objects.filter(object_id=str(third.pk)).exists()
    assert OutboundEmail.objects.filter(consultation=first).count() == 1


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("action_consultation_confirm", "pending", "confirmed"),
        ("action_consultation_decline", "pending", "declined"),
        ("action_consultation_complete", "confirmed", "completed"),
        ("action_consultation_mark_no_show", "confirmed", "no_show"),
        ("action_consultation_reinstate", "cancelled", "pending"),
        ("action_consultation_reinstate", "no_show", "confirmed"),
    ],
)
def test_each_action_makes_its_change(as_role, booking, action, before, after):
    consultation = booking(status=before)
    client = as_role("Reception")
    _action(client, action, [consultation])
    consultation.refresh_from_db()
    assert consultation.status == after
    event = consultation.events.get()
    assert event.previous_status == before and event.actor == client.user


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("action_consultation_confirm", "completed"),
        ("action_consultation_decline", "confirmed"),
        ("action_consultation_complete", "pending"),
        ("action_consultation_mark_no_show", "cancelled"),
        ("action_consultation_reinstate", "completed"),
    ],
)
def test_each_action_refuses_what_it_must(as_role, booking, action, status):
    consultation = booking(status=status)
    client = as_role("Reception")
    response = _action(client, action, [consultation])
    consultation.refresh_from_db()
    assert consultation.status == status
    assert any(m.startswith("Refused:") for m in messages_of(response))


def test_bulk_cancel_asks_for_a_reason_first(as_role, booking):
    first, second = booking(0), booking(1, status="confirmed")
    client = as_role("Reception")
    page = _action(client, "cancel_selected", [first, second])
    html = page.content.decode()
    assert 'name="reason"' in html and first.reference in html and second.reference in html
    first.refresh_from_db()
    assert first.status == "pending"
    response = _action(
        client, "cancel_selected", [first, second], apply="1", reason="Doctor unwell"
    )
    for c in (first, second):
        c.refresh_from_db()
        assert c.status == "cancelled" and c.cancellation_reason == "Doctor unwell"
        assert c.cancelled_by == "clinic"
        assert c.emails.filter(subject__startswith="Your consultation is cancelled").exists()
    assert "Cancelled:" in " ".join(messages_of(response))


def test_the_detail_page_buttons_change_status_through_the_services(as_role, booking):
    consultation = booking()
    client = as_role("Reception")
    change_url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = client.get(change_url).content.decode()
    confirm_url = reverse(
        "admin:bookings_consultation_transition", args=[consultation.pk, "confirm"]
    )
    assert confirm_url in html and 'name="status"' not in html
    assert client.get(confirm_url).status_code == 405
    response = client.post(confirm_url)
    assert response.status_code == 302 and response["Location"] == change_url
    consultation.refresh_from_db()
    assert consultation.status == "confirmed"
    assert (
        LogEntry.objects.get(object_id=str(consultation.pk))
        .get_change_message()
        .startswith("Confirmed")
    )
    html = client.get(change_url).content.decode()
    assert (
        reverse("admin:bookings_consultation_transition", args=[consultation.pk, "complete"])
        in html
    )
    assert confirm_url not in html


def test_the_cancel_page_cancels_with_the_reason(as_role, booking):
    consultation = booking(status="confirmed")
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_cancel", args=[consultation.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the form again
    client.post(url, {"reason": "Patient phoned"})
    consultation.refresh_from_db()
    assert (
        consultation.status == "cancelled" and consultation.cancellation_reason == "Patient phoned"
    )
    assert consultation.events.get().note == "Patient phoned"


def test_moving_lists_free_times_and_emails_the_patient(as_role, booking, first_free):
    consultation = booking(0, status="confirmed")
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_reschedule", args=[consultation.pk])
    target = first_free(1)
    html = client.get(url).content.decode()
    assert f'value="{target.isoformat()}"' in html
    assert f'value="{timezone.localtime(consultation.starts_at, KARACHI).isoformat()}"' not in html
    response = client.post(url, {"starts_at": target.isoformat(), "note": "Asked by phone"})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.starts_at == target and consultation.status == "confirmed"
    assert consultation.emails.filter(subject__startswith="Your consultation has moved").exists()
    assert LogEntry.objects.filter(object_id=str(consultation.pk)).exists()


def test_moving_to_a_time_not_offered_is_refused(as_role, booking):
    consultation = booking(0)
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_reschedule", args=[consultation.pk])
    response = client.post(url, {"starts_at": "2020-01-01T10:00:00+05:00"})
    assert response.status_code == 200
    consultation.refresh_from_db()
    assert consultation.starts_at != dt.datetime(2020, 1, 1, 5, tzinfo=dt.UTC)


def test_the_move_action_needs_exactly_one(as_role, booking):
    first, second = booking(0), booking(1)
    client = as_role("Reception")
    response = _action(client, "reschedule_selected", [first, second])
    assert "exactly one" in " ".join(messages_of(response))
    response = client.post(
        reverse(CHANGELIST), {"action": "reschedule_selected", "_selected_action": [first.pk]}
    )
    assert response["Location"] == reverse(
        "admin:bookings_consultation_reschedule", args=[first.pk]
    )


# --- clinicians ------------------------------------------------------------------------


def test_a_clinician_sees_screening_but_cannot_confirm_or_cancel(as_role, booking):
    consultation = booking(
        flagged=True,
        screening_answers=[
            {"name": "Pregnancy", "question": "Are you pregnant?", "answer": "yes"},
            {"name": "Acne", "question": "Active acne?", "answer": "no"},
        ],
    )
    client = as_role("Clinicians")
    html = client.get(
        reverse("admin:bookings_consultation_change", args=[consultation.pk])
    ).content.decode()
    assert '<li class="screening-yes"><strong>YES</strong>: Are you pregnant?' in html
    assert "transition-confirm" not in html and "Cancel…" not in html
    for name in ("confirm", "decline", "reinstate"):
        url = reverse("admin:bookings_consultation_transition", args=[consultation.pk, name])
        assert client.post(url).status_code == 403
    url = reverse("admin:bookings_consultation_cancel", args=[consultation.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    # Not offered as list actions either, and refused if posted anyway.
    _action(client, "action_consultation_confirm", [consultation])
    consultation.refresh_from_db()
    assert consultation.status == "pending"


def test_a_clinician_records_attendance_and_adds_notes(as_role, booking):
    consultation = booking(status="confirmed")
    client = as_role("Clinicians")
    change_url = reverse("admin:bookings_consultation_change", args=[consultation.pk])
    html = client.get(change_url).content.decode()
    assert "transition-complete" in html and 'id="note-form"' in html
    client.post(
        reverse("admin:bookings_consultation_note", args=[consultation.pk]), {"text": "Skin fine."}
    )
    assert consultation.notes.get().author == client.user
    client.post(
        reverse("admin:bookings_consultation_transition", args=[consultation.pk, "complete"])
    )
    consultation.refresh_from_db()
    assert consultation.status == "completed"


def test_content_editors_cannot_post_to_back_office_urls(as_role, booking):
    consultation = booking()
    client = as_role("Content editors")
    url = reverse("admin:bookings_consultation_transition", args=[consultation.pk, "confirm"])
    assert client.post(url).status_code == 403
    url = reverse("admin:bookings_consultation_note", args=[consultation.pk])
    assert client.post(url, {"text": "x"}).status_code == 403


# --- agenda ----------------------------------------------------------------------------


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
    from bookings.admin_views import agenda_days

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
