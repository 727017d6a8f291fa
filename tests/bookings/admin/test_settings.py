"""Booking settings (one row) and closures in the admin."""

from django.urls import reverse


def test_settings_cannot_be_added_twice_or_deleted(admin_client):
    assert admin_client.get(reverse("admin:bookings_bookingsettings_add")).status_code == 403


def test_the_settings_list_goes_straight_to_the_one_row(admin_client):
    from bookings.models import BookingSettings

    response = admin_client.get(reverse("admin:bookings_bookingsettings_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:bookings_bookingsettings_change", args=[BookingSettings.load().pk]
    )
    assert BookingSettings.objects.count() == 1


def test_settings_cannot_be_deleted_even_by_a_superuser(admin_client):
    from bookings.models import BookingSettings

    settings = BookingSettings.load()
    delete = reverse("admin:bookings_bookingsettings_delete", args=[settings.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert BookingSettings.objects.filter(pk=settings.pk).exists()
