import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bookings.models import Consultation, OutboundEmail
from tests.bookings.conftest import slot_value

BOOK = "/book/"


def post(client, data, **extra):
    return client.post(BOOK, data, **extra)


def test_book_url_name():
    assert reverse("bookings:book") == BOOK


def test_the_page_preselects_the_treatment_and_lists_free_days(
    client, treatment, booking_rules, django_assert_max_num_queries
):
    # Cold: the rules (settings, closures, and five for the practitioners and rooms),
    # the treatments with their questions, the free times.
    with django_assert_max_num_queries(10):
        response = client.get(BOOK, {"treatment": treatment.slug})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{treatment.slug}" selected>' in html
    assert html.count("<h1") == 1
    assert "Show free times" in html


def test_an_unknown_treatment_is_ignored(client, treatment, booking_rules):
    response = client.get(BOOK, {"treatment": "no-such-thing<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>")[1].split("<footer")[0]


def test_choosing_a_day_shows_its_free_times_and_the_form(
    client, treatment, free_slots, django_assert_max_num_queries
):
    day, times = next(iter(free_slots().items()))
    with django_assert_max_num_queries(10):
        response = client.get(BOOK, {"treatment": treatment.slug, "date": day.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    for start in times:
        assert f'value="{slot_value(start)}"' in html
    assert "Do you have active acne" in html
    assert "Are you pregnant or breastfeeding?" in html
    assert 'name="token"' in html


def test_a_closed_or_unknown_day_asks_for_another(client, treatment, booking_rules):
    response = client.get(BOOK, {"treatment": treatment.slug, "date": "2001-01-01"})
    assert "That day has no free times now" in response.content.decode()
    response = client.get(BOOK, {"treatment": treatment.slug, "date": "not-a-date\x00"})
    assert response.status_code == 200


def test_a_valid_request_is_held_and_the_done_page_shows_the_reference(
    client, form_data, privacy_notice, django_assert_max_num_queries
):
    data = form_data()
    client.get(BOOK, {"treatment": data["treatment"]})  # the patient opened the form first
    # The privacy notice; in the transaction: the day's lock, an earlier request with
    # this key, the places taken, then the request, the patient's course (an earlier
    # session no longer waits for this one), its history row and its emails.
    with django_assert_max_num_queries(10):
        response = post(client, data)
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.status == Consultation.Status.PENDING
    assert str(consultation.phone) == "+923001234567"
    assert consultation.contact_preference == "whatsapp"
    assert consultation.consent_version == "2026-11"
    assert consultation.flagged is False
    location = response["Location"]
    assert location.startswith("/book/done/")
    for private in ("ayesha", "Ayesha", "0300", "923001234567", consultation.reference):
        assert private not in location
    done = client.get(location)
    assert done.status_code == 200
    assert consultation.reference in done.content.decode()
    assert "Ayesha" not in done.content.decode()
    assert OutboundEmail.objects.count() == 2


def test_a_later_booking_reads_nothing_it_has_cached(
    client, form_data, first_free, privacy_notice, django_assert_max_num_queries
):
    post(client, form_data())
    second = form_data(
        slot=slot_value(first_free(1)),
        email="bilal@example.com",
        token="0b6a3f3e-7d2c-4a8e-9c51-3f7d2e1a9b40",
    )
    # No reads of rules, treatments or the privacy notice: the savepoint, the day's lock,
    # an earlier request with this key, the places taken, three inserts, the course's
    # update and the release.
    with django_assert_max_num_queries(9):
        response = post(client, second)
    assert response.status_code == 302
    assert Consultation.objects.count() == 2


def test_the_emails_go_out_after_commit(
    client, form_data, privacy_notice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, form_data())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ayesha@example.com",
        "reception@khanclinic.example",
    ]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    for message in mail.outbox:
        assert "acne" not in message.body.lower()


@pytest.mark.django_db
def test_a_tampered_done_token_is_not_found(client):
    assert client.get("/book/done/KH-AAAAAA/").status_code == 404


def test_a_double_submit_creates_one_request(client, form_data, privacy_notice):
    data = form_data()
    first = post(client, data)
    second = post(client, data)
    assert Consultation.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_yes_answer_explains_kindly_and_then_allows_the_request(
    client, form_data, treatment, privacy_notice
):
    acne = treatment.contraindications.get(name="Active acne")
    data = form_data(**{f"screen_{acne.pk}": "yes"})
    response = post(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Consultation.objects.count() == 0
    assert "Needling over active acne can spread infection." in html
    assert f"/treatments/{treatment.slug}/contraindications/" in html
    assert "I understand, and I would still like a consultation" in html
    assert 'value="Ayesha Khan"' in html  # nothing typed is lost
    response = post(client, {**data, "still_request": "on"})
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.flagged is True
    assert consultation.flagged_answers[0]["name"] == "Active acne"


def test_under_18s_are_refused_kindly_and_nothing_is_stored(client, form_data):
    response = post(client, form_data(is_adult="no"))
    assert response.status_code == 200
    assert "We can only see patients aged 18 or over" in response.content.decode()
    assert Consultation.objects.count() == 0


def test_the_honeypot_stores_nothing(client, form_data):
    response = post(client, form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert Consultation.objects.count() == 0


def test_errors_are_listed_linked_and_keep_what_was_typed(client, form_data):
    data = form_data(email="not-an-email", phone="12", privacy_consent=None, is_adult=None)
    response = post(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#id_email"' in html and 'href="#id_phone"' in html
    assert "Enter an email address like name@example.com." in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'value="not-an-email"' in html
    assert 'value="Acne scars on my cheeks."' in html or "Acne scars on my cheeks." in html
    assert Consultation.objects.count() == 0


@pytest.mark.parametrize(
    "phone", ["0300 1234567", "+92 300 1234567", "03001234567", "+44 20 7946 0958"]
)
def test_pakistani_and_international_phone_numbers(client, form_data, phone):
    response = post(client, form_data(phone=phone))
    assert response.status_code == 302
    assert str(Consultation.objects.get().phone).startswith("+")


def test_a_taken_time_keeps_everything_and_offers_the_next(client, form_data, privacy_notice):
    data = form_data()
    post(client, {**data, "token": "11111111-1111-4111-8111-111111111111", "email": "a@b.co"})
    response = post(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "someone booked that time a moment ago" in html
    assert 'value="Ayesha Khan"' in html
    assert f'value="{data["slot"]}"' not in html  # the taken time is not offered
    assert len(re.findall(r'name="slot"', html)) >= 1
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    "slot",
    ["2001-01-01T10:00", "2099-01-01T10:00", "bogus", "", "2026-13-40T25:61", "1' OR 1=1 --"],
)
def test_forged_times_are_form_errors(client, form_data, slot):
    response = post(client, form_data(slot=slot))
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert Consultation.objects.count() == 0


def test_a_time_outside_opening_hours_is_refused(client, form_data, first_free):
    start = first_free().replace(hour=3)  # 08:00 in Islamabad
    response = post(client, form_data(slot=slot_value(start)))
    assert "That time cannot be booked" in response.content.decode()


def test_an_unknown_treatment_on_post_is_a_400(client, form_data):
    response = post(client, form_data(treatment="nope"))
    assert response.status_code == 400


def test_a_missing_csrf_token_is_a_friendly_403(form_data):
    client = Client(enforce_csrf_checks=True)
    response = client.post(BOOK, form_data())
    assert response.status_code == 403
    assert "Please send the form again" in response.content.decode()


def test_the_rate_limit_answers_429(client, form_data, settings):
    settings.BOOKINGS_RATE_LIMIT = "3/h"
    codes = [post(client, form_data(email=f"p{i}@example.com")).status_code for i in range(5)]
    assert codes[-1] == 429


def test_methods_other_than_get_and_post_are_refused(client, booking_rules):
    assert client.put(BOOK).status_code == 405


def test_microneedling_form_asks_about_age_once(client, booking_rules, first_free):
    from django.utils import timezone

    from treatments.seed import ensure_microneedling

    treatment = ensure_microneedling()
    day = timezone.localtime(first_free()).date()
    text = client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()}).content
    text = text.decode()
    assert "18 or over" in text
    assert "under 18" not in text.lower()
    assert "rosacea" in text.lower()


@pytest.mark.parametrize(("preference", "shown"), [("whatsapp", True), ("email", False)])
def test_the_done_page_offers_the_clinic_on_whatsapp_to_those_who_chose_it(
    client, form_data, privacy_notice, preference, shown
):
    from bookings import whatsapp

    response = post(client, form_data(contact_preference=preference))
    html = client.get(response["Location"]).content.decode()
    reference = Consultation.objects.get().reference
    assert ("Message us on WhatsApp" in html) is shown
    if shown:
        url = whatsapp.clinic_chat_url(reference).replace("&", "&amp;")
        assert f'href="{url}"' in html
