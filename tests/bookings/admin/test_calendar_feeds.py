"""Who has a calendar address, as the admin shows it: never the token."""

from django.urls import reverse

from bookings.models import StaffCalendarFeed


def test_the_feed_admin_lists_feeds_without_tokens(as_role):
    client = as_role("superuser")
    feed = StaffCalendarFeed.objects.create(user=client.user)
    html = client.get(reverse("admin:bookings_staffcalendarfeed_changelist")).content.decode()
    assert feed.token not in html
    url = reverse("admin:bookings_staffcalendarfeed_change", args=[feed.pk])
    response = client.get(url)
    assert response.status_code == 200 and feed.token not in response.content.decode()
