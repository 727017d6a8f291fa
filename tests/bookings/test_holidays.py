"""Pakistan's public holidays become closures: added once, estimated when lunar, never
re-created once staff delete them, and never cancelling a booked consultation."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from bookings import availability, holidays
from bookings.models import Closure, Consultation
from tests.bookings.conftest import KARACHI
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def _closures():
    return list(
        Closure.objects.order_by("starts_on", "reason").values_list(
            "reason", "starts_on", "ends_on", "estimated"
        )
    )


def test_the_next_eighteen_months_of_holidays_become_closures(booking_rules):
    result = holidays.holidays_add(today=TODAY)
    quaid = next(c for c in result.added if c.reason == "Quaid-e-Azam Day (public holiday)")
    assert (quaid.starts_on, quaid.ends_on, quaid.estimated) == (
        dt.date(2026, 12, 25),
        dt.date(2026, 12, 25),
        False,
    )
    eid = next(c for c in result.added if c.holiday == "Eid al-Fitr")
    assert eid.estimated and eid.ends_on > eid.starts_on  # the days together, to confirm
    assert all(TODAY <= c.starts_on <= dt.date(2028, 6, 1) for c in result.added)
    assert {c.holiday for c in result.added if c.estimated} <= set(holidays.LUNAR)
    assert "Independence Day" in {c.holiday for c in result.added}


def test_adding_them_twice_gives_the_same_closures(booking_rules):
    holidays.holidays_add(today=TODAY)
    before = _closures()
    again = holidays.holidays_add(today=TODAY)
    assert again.added == [] and again.already_known == len(before)
    assert _closures() == before


def test_a_holiday_staff_deleted_is_never_brought_back(booking_rules):
    holidays.holidays_add(today=TODAY)
    Closure.objects.filter(holiday="Iqbal Day").delete()
    holidays.holidays_add(today=TODAY)
    holidays.holidays_add(today=TODAY + dt.timedelta(days=40))
    assert not Closure.objects.filter(holiday="Iqbal Day", starts_on__year=2027).exists()


def test_a_moved_estimated_date_stays_where_staff_put_it(booking_rules):
    holidays.holidays_add(today=TODAY)
    eid = Closure.objects.filter(holiday="Eid al-Adha").first()
    eid.starts_on += dt.timedelta(days=1)
    eid.ends_on += dt.timedelta(days=1)
    eid.estimated = False
    eid.save()
    holidays.holidays_add(today=TODAY)
    assert (
        Closure.objects.filter(holiday="Eid al-Adha", starts_on__year=eid.starts_on.year).count()
        == 1
    )


def test_no_time_is_offered_on_a_public_holiday(booking_rules):
    holidays.holidays_add(today=TODAY)
    rules = availability.load_rules(today=TODAY)
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=KARACHI)
    free = availability.free_slots(rules, [], now=now)
    assert dt.date(2026, 12, 25) not in free  # a Friday, open by the usual hours
    assert dt.date(2026, 12, 24) in free


def test_the_command_says_what_it_added_and_is_safe_to_run_again(booking_rules, capsys):
    call_command("add_public_holidays")
    first = capsys.readouterr().out
    call_command("add_public_holidays")
    second = capsys.readouterr().out
    assert "added before and left as they are" in first
    assert second.startswith("0 added")


def test_a_closure_over_booked_consultations_lists_them_and_cancels_none(admin_client, treatment):
    start = dt.datetime(2027, 3, 23, 10, 0, tzinfo=KARACHI)  # Pakistan Day
    booked = ConsultationFactory(
        treatment=treatment, starts_at=start, ends_at=start + dt.timedelta(minutes=30)
    )
    response = admin_client.post(reverse("admin:bookings_closure_public_holidays"), follow=True)
    html = response.content.decode()
    assert "public holidays as closures" in html
    assert booked.reference in html and "Contact these patients" in html
    booked.refresh_from_db()
    assert booked.status == Consultation.Status.PENDING
    closure = Closure.objects.get(holiday="Pakistan Day", starts_on=start.date())
    page = admin_client.get(reverse("admin:bookings_closure_change", args=[closure.pk]))
    assert booked.reference in page.content.decode()


def test_reception_may_add_the_holidays_and_a_get_changes_nothing(client, booking_rules):
    from tests.auth import login_staff
    from tests.bookings.admin.roles import staff

    login_staff(client, staff("Reception"))
    url = reverse("admin:bookings_closure_public_holidays")
    assert client.get(url).status_code == 405
    assert Closure.objects.count() == 0
    assert (
        "Add Pakistan" in client.get(reverse("admin:bookings_closure_changelist")).content.decode()
    )
    client.post(url)
    assert Closure.objects.exists()
