"""Each clinician's diary: the agenda for one practitioner (their own first when they
sign in), their calendar feed, the consultation list by practitioner."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import availability
from bookings.models import Absence, StaffCalendarFeed
from tests.factories import PractitionerFactory, first_practitioner

AGENDA = "admin:bookings_consultation_agenda"


def two_diaries(booking):
    hina = PractitionerFactory(display_name="Dr Hina Qureshi")
    mine = booking(0, full_name="Amna Riaz", practitioner=first_practitioner())
    hers = booking(0, full_name="Bilal Aziz", practitioner=hina)
    return hina, mine, hers


def test_a_clinician_signed_in_sees_their_own_diary_first(as_role, booking):
    hina, mine, hers = two_diaries(booking)
    client = as_role("Clinicians")
    hina.user = client.user
    hina.save()
    day = hers.starts_at.date().isoformat()
    own = client.get(reverse(AGENDA), {"date": day}).content.decode()
    assert "Bilal Aziz" in own and "Amna Riaz" not in own
    assert "Dr Hina Qureshi" in own
    everyone = client.get(reverse(AGENDA), {"date": day, "practitioner": "all"}).content
    assert b"Bilal Aziz" in everyone and b"Amna Riaz" in everyone


def test_reception_sees_everyone_and_may_pick_one_diary(as_role, booking):
    hina, mine, hers = two_diaries(booking)
    client = as_role("Reception")
    day = hers.starts_at.date().isoformat()
    everyone = client.get(reverse(AGENDA), {"date": day}).content.decode()
    assert "Bilal Aziz" in everyone and "Amna Riaz" in everyone
    assert 'name="practitioner"' in everyone
    one = client.get(reverse(AGENDA), {"date": day, "practitioner": str(hina.pk)})
    assert b"Bilal Aziz" in one.content and b"Amna Riaz" not in one.content
    # Nonsense picks the whole clinic, never an error.
    for value in ("abc", "-1", "999999", "1;DROP"):
        response = client.get(reverse(AGENDA), {"date": day, "practitioner": value})
        assert response.status_code == 200 and b"Amna Riaz" in response.content


def test_a_clinicians_calendar_feed_shows_only_their_consultations(as_role, booking, client):
    hina, mine, hers = two_diaries(booking)
    staff_client = as_role("Clinicians")
    hina.user = staff_client.user
    hina.save()
    staff_client.post(reverse("admin:bookings_consultation_calendar_feed"), {"do": "create"})
    feed = StaffCalendarFeed.objects.get(user=staff_client.user)
    assert feed.practitioner == hina
    ics = Calendar.from_ical(
        client.get(reverse("bookings:calendar_feed", args=[feed.token])).content
    )
    references = {str(event["description"]) for event in ics.walk("VEVENT")}
    assert any(hers.reference in text for text in references)
    assert not any(mine.reference in text for text in references)
    # Asked for the whole clinic: both.
    staff_client.post(
        reverse("admin:bookings_consultation_calendar_feed"),
        {"do": "regenerate", "whole_clinic": "on"},
    )
    feed = StaffCalendarFeed.objects.get(user=staff_client.user)
    assert feed.practitioner is None


def test_the_consultation_list_shows_and_filters_by_practitioner(as_role, booking):
    hina, mine, hers = two_diaries(booking)
    client = as_role("Reception")
    url = reverse("admin:bookings_consultation_changelist")
    html = client.get(url).content.decode()
    assert "Dr Hina Qureshi" in html
    only = client.get(url, {"practitioner__id__exact": hina.pk}).content.decode()
    assert hers.reference in only and mine.reference not in only


def test_the_owner_sees_each_practitioners_load_for_the_week(admin_client, booking):
    hina, mine, hers = two_diaries(booking)
    booking(1, full_name="Chand Bibi", practitioner=hina)
    week = admin_client.get(
        reverse(AGENDA), {"date": hers.starts_at.date().isoformat(), "span": "week"}
    )
    load = {row.name: row.booked for row in week.context["load"]}
    assert load == {str(first_practitioner()): 1, "Dr Hina Qureshi": 2}
    assert "Each practitioner’s week" in week.content.decode()


def test_the_agenda_says_who_is_away_that_day(as_role, booking):
    hina, mine, hers = two_diaries(booking)
    local = timezone.localtime(hers.starts_at, availability.clinic_tz())
    day = local.date()
    Absence.objects.create(
        practitioner=hina,
        starts_at=dt.datetime.combine(day, dt.time(0), tzinfo=availability.clinic_tz()),
        ends_at=dt.datetime.combine(day, dt.time(13), tzinfo=availability.clinic_tz()),
        reason="training",
    )
    client = as_role("Reception")
    page = client.get(reverse(AGENDA), {"date": day.isoformat()}).content.decode()
    assert "Away: Dr Hina Qureshi (until 13:00)." in page
    theirs = client.get(
        reverse(AGENDA), {"date": day.isoformat(), "practitioner": mine.practitioner_id}
    )
    assert "Away:" not in theirs.content.decode()
    next_day = client.get(reverse(AGENDA), {"date": (day + dt.timedelta(days=1)).isoformat()})
    assert "Away:" not in next_day.content.decode()


def test_overlapping_absences_read_as_one_time_away(as_role, booking):
    hina, mine, hers = two_diaries(booking)
    day = timezone.localtime(hers.starts_at, availability.clinic_tz()).date()
    tz = availability.clinic_tz()
    for starts, ends in ((dt.time(0), dt.time(13)), (dt.time(10), dt.time(15))):
        Absence.objects.create(
            practitioner=hina,
            starts_at=dt.datetime.combine(day, starts, tzinfo=tz),
            ends_at=dt.datetime.combine(day, ends, tzinfo=tz),
        )
    starts, ends = Absence.whole_days(day, day)
    Absence.objects.create(practitioner=mine.practitioner, starts_at=starts, ends_at=ends)
    page = as_role("Reception").get(reverse(AGENDA), {"date": day.isoformat()}).content.decode()
    assert "Dr Hina Qureshi (until 15:00)" in page
    assert f"{mine.practitioner.display_name} (all day)" in page
