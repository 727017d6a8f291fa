"""The waitlist's pages: joining, the offer page (GET changes nothing, POST books with
the health questions or lets the time go), leaving, and the links to them."""

import re

import pytest
from django.utils import timezone

from bookings import availability, services
from bookings.models import Consultation, OutboundEmail, WaitlistEntry, WaitlistOffer
from bookings.waitlist import entry_token, offer_token
from tests.bookings.waitlist_setup import bookable_day, fill, held, join

pytestmark = pytest.mark.django_db

Offer = WaitlistOffer.Status


@pytest.fixture
def offered(booking_rules, treatment, privacy_notice):
    """Amna first and Bilal second on the waitlist of a full day, and a cancellation."""
    day = bookable_day(booking_rules)
    booked = fill(booking_rules, day, treatment)
    first, second = join(treatment, day, "Amna Ali"), join(treatment, day, "Bilal Aziz")
    services.consultation_cancel(consultation=booked[0], reason="Cannot come")
    (offer,) = held()
    return offer, first, second


def answers(treatment, **extra) -> dict:
    data = {f"screen_{c.pk}": "no" for c in treatment.contraindications.all()}
    return {
        "privacy_consent": "on",
        "token": "7e1c1d1e-6a4b-4c43-9a7d-2b1f3c4d5e6f",
        **data,
        **extra,
    }


def join_data(option, day, **extra) -> dict:
    return {
        "treatment": option.slug,
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
        "parts": ["morning", "afternoon"],
        "full_name": "Sana Malik",
        "email": "sana@example.com",
        "phone": "0300 1234567",
        "contact_preference": "whatsapp",
        "is_adult": "yes",
        "privacy_consent": "on",
        "website": "",
        **extra,
    }


# --- joining ---------------------------------------------------------------------------


def test_joining_for_a_full_day_adds_the_entry_and_emails_its_link(
    client, booking_rules, treatment, privacy_notice
):
    day = bookable_day(booking_rules)
    fill(booking_rules, day, treatment)
    page = client.get(f"/waitlist/?treatment={treatment.slug}&date={day.isoformat()}")
    assert page.status_code == 200
    assert f'value="{day.isoformat()}"' in page.content.decode()
    response = client.post("/waitlist/", join_data(treatment, day))
    assert response.status_code == 200
    assert "You are on the waitlist" in response.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.morning, entry.afternoon, entry.evening) == (True, True, False)
    assert entry.consent_version == privacy_notice.version
    email = OutboundEmail.objects.get(to="sana@example.com")
    assert f"/waitlist/{entry_token(entry)}/" in email.body_text


def test_times_that_suit_and_are_free_are_shown_to_book_first(
    client, booking_rules, treatment, privacy_notice
):
    day = bookable_day(booking_rules)
    response = client.post("/waitlist/", join_data(treatment, day))
    page = response.content.decode()
    assert "times that suit you are free now" in page
    assert f"/book/?treatment={treatment.slug}&amp;date={day.isoformat()}" in page
    assert not WaitlistEntry.objects.exists()
    client.post("/waitlist/", join_data(treatment, day, anyway="1"))
    assert WaitlistEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parts": []}, "at least one part of the day"),
        ({"first_day": "2020-01-01"}, "today or a later day"),
        ({"last_day": "2020-01-01"}, "cannot be before the first"),
        ({"full_name": "'; DROP TABLE bookings_waitlistentry; --"}, "letters only"),
        ({"email": "a" * 10_000}, "email address"),
        ({"treatment": "no-such-thing"}, "valid choice"),
    ],
)
def test_a_join_that_makes_no_sense_is_refused_calmly(
    client, booking_rules, treatment, privacy_notice, change, message
):
    day = bookable_day(booking_rules)
    response = client.post("/waitlist/", join_data(treatment, day, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_the_booking_page_links_to_the_waitlist(client, booking_rules, treatment):
    page = client.get(f"/book/?treatment={treatment.slug}&date=2020-01-01").content.decode()
    assert "join the waitlist for it" in page
    assert "/waitlist/?date=2020-01-01&amp;treatment=" in page


# --- the offer -------------------------------------------------------------------------


def test_opening_the_offer_changes_nothing(client, offered, treatment):
    offer, first, _ = offered
    for _ in range(3):
        response = client.get(f"/waitlist/offer/{offer_token(offer)}/")
        assert response.status_code == 200
    page = response.content.decode()
    assert "A time has come free for you" in page
    assert "Do you have active acne" in page  # the health questions, asked now
    offer.refresh_from_db()
    assert offer.status == Offer.HELD
    assert not Consultation.objects.filter(email="amna@example.com").exists()


def test_booking_the_offer_in_one_post(client, offered, treatment):
    offer, first, second = offered
    url = f"/waitlist/offer/{offer_token(offer)}/"
    assert client.post(url, {"privacy_consent": "on"}).status_code == 400  # unanswered
    response = client.post(url, answers(treatment))
    assert response.status_code == 302 and response["Location"].startswith("/book/done/")
    consultation = Consultation.objects.get(email="amna@example.com")
    assert consultation.starts_at == offer.starts_at
    assert [a["answer"] for a in consultation.screening_answers] == ["no", "no"]
    offer.refresh_from_db()
    assert offer.status == Offer.ACCEPTED
    assert held(second) == []  # the next entry is not offered it
    again = client.post(url, answers(treatment))
    assert again.status_code == 410
    assert Consultation.objects.filter(email="amna@example.com").count() == 1


def test_letting_the_time_go_offers_it_to_the_next_entry(client, offered):
    offer, first, second = offered
    response = client.post(f"/waitlist/offer/{offer_token(offer)}/decline/")
    assert response.status_code == 302
    assert response["Location"] == f"/waitlist/{entry_token(first)}/"
    assert [o.entry for o in held()] == [second]
    page = client.get(f"/waitlist/offer/{offer_token(offer)}/").content.decode()
    assert "You let this time go" in page


def test_a_lapsed_offer_says_so_and_books_nothing(client, offered, treatment):
    offer, _, _ = offered
    WaitlistOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now())
    url = f"/waitlist/offer/{offer_token(offer)}/"
    assert "no longer held for you" in client.get(url).content.decode()
    assert client.post(url, answers(treatment)).status_code == 410
    assert not Consultation.objects.filter(email="amna@example.com").exists()


@pytest.mark.parametrize("path", ["/waitlist/offer/{}/", "/waitlist/{}/"])
def test_a_made_up_or_changed_link_is_not_recognised(client, offered, path):
    offer, first, _ = offered
    for token in ("nonsense", offer_token(offer)[:-2] + "xx", entry_token(first)[:-2] + "xx"):
        assert client.get(path.format(token)).status_code == 404
    # A link to the entry does not open the offer, nor the other way round.
    other = entry_token(first) if "offer" in path else offer_token(offer)
    assert client.get(path.format(other)).status_code == 404


# --- the entry -------------------------------------------------------------------------


def test_leaving_from_the_entry_page(client, offered):
    offer, first, second = offered
    url = f"/waitlist/{entry_token(first)}/"
    page = client.get(url).content.decode()
    assert "A time is held for you" in page and offer_token(offer) in page
    assert client.get(url + "leave/").status_code == 405
    response = client.post(url + "leave/", follow=True)
    assert "you have left the waitlist" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "left"
    assert [o.entry for o in held()] == [second]


def test_my_consultations_lists_the_waitlist_with_the_held_time(client, offered):
    from tests.bookings.test_patients import signed_in

    offer, first, _ = offered
    signed_in(client, "amna@example.com")
    page = client.get("/my/").content.decode()
    assert f"/waitlist/offer/{offer_token(offer)}/" in page
    assert f"/waitlist/{entry_token(first)}/" in page
    local = timezone.localtime(offer.starts_at, availability.clinic_tz())
    assert f"{local:%H:%M}" in page


def test_the_offer_email_carries_only_signed_ids(offered):
    offer, _, _ = offered
    email = OutboundEmail.objects.get(to="amna@example.com", subject__startswith="A time")
    for path in re.findall(r"https://khanclinic\.example(/\S+)", email.body_text):
        assert "amna" not in path.lower() and "example.com" not in path
