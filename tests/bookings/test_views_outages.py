"""A booking the database cannot save: the form comes back with everything typed (503),
and sending it again once the database answers books it exactly once."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from bookings import availability
from bookings.models import Consultation

BOOK = "/book/"

pytestmark = pytest.mark.django_db


def refuse(*args, **kwargs):
    raise OperationalError("connection refused")


def assert_kept(response, data):
    html = response.content.decode()
    assert response.status_code == 503
    assert "nothing was booked" in html
    assert 'href="tel:' in html
    assert f'value="{data["full_name"]}"' in html
    assert f'value="{data["email"]}"' in html
    assert f'value="{data["phone"]}"' in html
    assert data["message"] in html
    assert f'value="{data["token"]}"' in html
    assert f'value="{data["slot"]}" checked' in html


def test_a_booking_the_database_cannot_save_comes_back_with_everything_typed(
    client, form_data, privacy_notice, monkeypatch
):
    data = form_data()
    monkeypatch.setattr("bookings.views.consultation_request", refuse)
    response = client.post(BOOK, data)
    assert_kept(response, data)
    assert 'value="no" checked' in response.content.decode()  # the screening answers
    assert Consultation.objects.count() == 0


def test_sending_the_kept_form_again_once_the_database_answers_books_once(
    client, form_data, privacy_notice, monkeypatch
):
    data = form_data()
    with monkeypatch.context() as patch:
        patch.setattr("bookings.views.consultation_request", refuse)
        assert client.post(BOOK, data).status_code == 503
    assert client.post(BOOK, data).status_code == 302
    assert client.post(BOOK, data).status_code == 302  # a double tap: the same request
    assert Consultation.objects.count() == 1


def test_a_form_with_a_mistake_is_kept_too_when_free_times_cannot_be_counted(
    client, form_data, privacy_notice, monkeypatch
):
    data = form_data(privacy_consent=None)
    monkeypatch.setattr(availability, "current_free_slots", refuse)
    response = client.post(BOOK, data)
    assert_kept(response, data)
    assert "Please agree to the privacy notice" in response.content.decode()


def test_with_the_database_refusing_every_query_the_opened_form_is_kept(
    client, form_data, privacy_notice, treatment
):
    """The patient opened the form before the database went away: what the page needs
    (rules, treatments, the privacy notice, the clinic's details) is in the cache."""
    data = form_data()
    assert (
        client.get(BOOK, {"treatment": treatment.slug, "date": data["slot"][:10]}).status_code
        == 200
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        response = client.post(BOOK, data)
    assert_kept(response, data)
    assert Consultation.objects.count() == 0


def test_a_signed_in_visitor_gets_the_kept_form_too_not_the_error_page(
    admin_client, form_data, privacy_notice, treatment
):
    """Their session is in the database, which the way out would read to renew it."""
    data = form_data()
    admin_client.get(BOOK, {"treatment": treatment.slug, "date": data["slot"][:10]})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        response = admin_client.post(BOOK, data)
    assert_kept(response, data)
