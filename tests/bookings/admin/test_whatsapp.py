"""WhatsApp in the back office: the buttons on a consultation's page and in the agenda,
and the reminder reception sends by WhatsApp, marked once."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import availability
from bookings.models import Consultation, ConsultationEvent

AGENDA = "admin:bookings_consultation_agenda"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def tomorrow_at(hour: int) -> dt.datetime:
    tz = availability.clinic_tz()
    day = timezone.localdate(timezone.now(), tz) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


@pytest.fixture
def for_tomorrow(booking):
    """Confirmed patients tomorrow: one who chose WhatsApp, one without email, one who
    is reminded by email."""
    return {
        "whatsapp": booking(
            starts_at=tomorrow_at(10), status="confirmed", contact_preference="whatsapp"
        ),
        "no_email": booking(starts_at=tomorrow_at(11), status="confirmed", email=""),
        "by_email": booking(starts_at=tomorrow_at(12), status="confirmed"),
    }


def reminded_url(consultation) -> str:
    return reverse("admin:bookings_consultation_reminded", args=[consultation.pk])


def test_the_consultation_page_offers_its_messages_and_the_reminder_button(as_role, for_tomorrow):
    consultation = for_tomorrow["whatsapp"]
    page = as_role("Reception").get(
        reverse("admin:bookings_consultation_change", args=[consultation.pk])
    )
    html = page.content.decode()
    assert html.count('class="whatsapp-button"') == 2  # confirmation and reminder
    assert "https://wa.me/923001234567?text=" in html
    assert 'target="_blank" rel="noopener noreferrer"' in html
    assert reminded_url(consultation) in html


def test_tomorrows_agenda_lists_who_to_remind_on_whatsapp(as_role, for_tomorrow):
    client = as_role("Reception")
    response = client.get(reverse(AGENDA), {"date": tomorrow_at(10).date().isoformat()})
    (day,) = response.context["days"]
    assert [c.pk for c in day.to_remind] == [
        for_tomorrow["whatsapp"].pk,
        for_tomorrow["no_email"].pk,
    ]
    assert "Still to remind on WhatsApp: 2" in response.content.decode()
    client.post(reminded_url(for_tomorrow["whatsapp"]), {"next": response.wsgi_request.path})
    again = client.get(reverse(AGENDA), {"date": tomorrow_at(10).date().isoformat()})
    assert [c.pk for c in again.context["days"][0].to_remind] == [for_tomorrow["no_email"].pk]


def test_marking_the_reminder_writes_the_history_once(as_role, for_tomorrow):
    client = as_role("Reception", first_name="Amina", last_name="Butt")
    consultation = for_tomorrow["no_email"]
    agenda = reverse(AGENDA) + "?date=" + tomorrow_at(10).date().isoformat()
    first = client.post(reminded_url(consultation), {"next": agenda})
    assert first.status_code == 302 and first["Location"] == agenda
    second = client.post(reminded_url(consultation), {"next": "https://evil.example/"})
    assert second["Location"] == reverse(
        "admin:bookings_consultation_change", args=[consultation.pk]
    )
    assert "already reminded" in " ".join(messages_of(second))
    notes = ConsultationEvent.objects.filter(consultation=consultation).values_list(
        "note", flat=True
    )
    assert list(notes) == ["Reminded by WhatsApp by Amina Butt."]
    consultation.refresh_from_db()
    assert consultation.reminder_sent_at is not None


def test_marking_is_a_post_by_staff_who_may_change_consultations(as_role, for_tomorrow):
    consultation = for_tomorrow["whatsapp"]
    assert as_role("Reception").get(reminded_url(consultation)).status_code == 405
    assert as_role("Clinicians").post(reminded_url(consultation)).status_code == 403
    assert Consultation.objects.get(pk=consultation.pk).reminder_sent_at is None


def test_a_pending_consultation_cannot_be_marked_reminded(as_role, booking):
    consultation = booking()
    response = as_role("Reception").post(reminded_url(consultation), follow=True)
    assert "is not reminded" in " ".join(messages_of(response))
    assert Consultation.objects.get(pk=consultation.pk).reminder_sent_at is None


def test_the_agenda_query_count_stays_the_same_with_messages_of_every_status(
    as_role, booking, free_slots
):
    from django.db import connection

    client = as_role("Reception")
    day, starts = next((d, times) for d, times in sorted(free_slots().items()) if len(times) >= 5)
    booking(starts_at=starts[0])
    client.get(reverse(AGENDA), {"date": day.isoformat()})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(AGENDA), {"date": day.isoformat()})
    statuses = ["confirmed", "cancelled", "completed", "declined"]
    for start, status in zip(starts[1:5], statuses, strict=True):
        booking(starts_at=start, status=status)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(AGENDA), {"date": day.isoformat()})
    assert len(many.captured_queries) == len(one.captured_queries)
    assert "Aftercare on its page" in response.content.decode()
