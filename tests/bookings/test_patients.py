"""A patient's own page of consultations: the emailed sign-in link (expiry, uses,
tampering, a GET that changes nothing), an answer that reveals nothing, the short idle
session, what the page shows and does not show, and hostile input."""

import datetime as dt
import re
import time
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from django.utils import timezone

from bookings.links import MANAGE_SALT, manage_token
from bookings.models import Consultation, OutboundEmail, PatientSignIn
from bookings.patients import SESSION_KEY, SIGN_IN_SALT
from tests.factories import ConsultationFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

KNOWN = "ayesha.khan@example.com"
LINK = re.compile(r"https://khanclinic\.example(/my/sign-in/[^/\s]+/)")


@pytest.fixture
def patient(booking_rules):
    """A patient with a confirmed consultation next week and, for a course of another
    treatment, a session completed last month."""
    treatment = TreatmentFactory(name="Microneedling", slug="microneedling-my")
    now = timezone.now()
    upcoming = ConsultationFactory(
        treatment=TreatmentFactory(name="Chemical peel", slug="chemical-peel-my"),
        email="Ayesha.Khan@example.com",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, minutes=30),
        status="confirmed",
        screening_answers=[
            {"question": "Are you pregnant or breastfeeding?", "answer": "yes", "name": "P"}
        ],
        message="A private note about my skin.",
    )
    completed = ConsultationFactory(
        treatment=treatment,
        email=KNOWN,
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30, minutes=-30),
        status="completed",
    )
    return SimpleNamespace(upcoming=upcoming, completed=completed, treatment=treatment)


def ask(client, contact, **extra):
    return client.post("/my/", {"contact": contact}, **extra)


def sign_in_path(email: str = KNOWN) -> str:
    row = OutboundEmail.objects.filter(to__iexact=email).order_by("-pk").first()
    assert row is not None and row.subject == "Your link to see your consultations"
    return LINK.search(row.body_text).group(1)


def signed_in(client, email: str = KNOWN):
    ask(client, email)
    path = sign_in_path(email)
    assert client.post(path).status_code == 302
    return client


# --- asking for a link -----------------------------------------------------------------


def test_known_and_unknown_addresses_get_the_same_answer(client, patient):
    known = ask(client, KNOWN)
    unknown = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "If we have consultations for this email address, we have sent it a link" in (
        known.content.decode()
    )
    assert OutboundEmail.objects.filter(to__iexact=KNOWN).count() == 1
    assert not OutboundEmail.objects.filter(to="nobody@example.com").exists()


def test_the_link_carries_a_random_key_and_no_email_address(client, patient):
    ask(client, KNOWN)
    token = sign_in_path().split("/")[-2]
    key = signing.loads(token, salt=SIGN_IN_SALT)
    assert key == PatientSignIn.objects.get().key
    assert "@" not in signing.b64_decode(token.split(":")[0].encode()).decode()
    assert "example.com" not in sign_in_path()


def test_a_phone_number_sends_the_link_to_each_address_booked_with_it(client, patient):
    ConsultationFactory(email="sister@example.com", phone="+923001234567")
    response = ask(client, "0300 1234567")
    assert response.status_code == 200
    assert "an email address for them, we have sent a link to that email address" in (
        response.content.decode()
    )
    assert set(PatientSignIn.objects.values_list("email", flat=True)) == {
        KNOWN,
        "sister@example.com",
    }
    # Each link signs in as its own address only.
    client.post(sign_in_path("sister@example.com"))
    page = client.get("/my/").content.decode()
    assert patient.upcoming.reference not in page


def test_the_email_matches_in_any_case(client, patient):
    signed_in(client, "AYESHA.KHAN@EXAMPLE.COM")
    page = client.get("/my/").content.decode()
    assert patient.upcoming.reference in page
    assert patient.completed.reference in page


# --- the link --------------------------------------------------------------------------


def test_opening_the_link_changes_nothing(client, patient):
    ask(client, KNOWN)
    path = sign_in_path()
    sessions = Session.objects.count()
    for _ in range(5):
        response = client.get(path)
        assert response.status_code == 200
        assert "Continue" in response.content.decode()
    assert client.head(path).status_code == 200
    assert PatientSignIn.objects.get().uses == 0
    assert Session.objects.count() == sessions
    assert SESSION_KEY not in client.session
    assert patient.upcoming.reference not in client.get("/my/").content.decode()


def test_the_link_works_three_times_then_says_it_was_used(client, patient):
    ask(client, KNOWN)
    path = sign_in_path()
    for _ in range(3):
        assert Client().post(path).status_code == 302
    again = Client()
    refused = again.post(path)
    assert refused.status_code == 410
    assert "already been used" in refused.content.decode()
    assert again.get(path).status_code == 410
    assert SESSION_KEY not in again.session
    assert PatientSignIn.objects.get().uses == 3


def test_the_number_of_uses_is_a_setting(client, patient, settings):
    settings.PATIENT_LINK_USES = 1
    ask(client, KNOWN)
    path = sign_in_path()
    assert client.post(path).status_code == 302
    assert client.post(path).status_code == 410


def test_the_link_expires_after_thirty_minutes(client, patient, monkeypatch):
    ask(client, KNOWN)
    path = sign_in_path()
    real = time.time
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real() + 29 * 60))
    assert client.get(path).status_code == 200
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real() + 31 * 60))
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 410
        assert "has expired" in response.content.decode()
    assert PatientSignIn.objects.get().uses == 0


def test_a_link_past_its_row_expiry_is_refused(client, patient, settings):
    settings.PATIENT_LINK_MINUTES = 10
    ask(client, KNOWN)
    row = PatientSignIn.objects.get()
    assert row.expires_at - row.created_at < dt.timedelta(minutes=11)
    PatientSignIn.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.post(sign_in_path()).status_code == 410
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "token",
    [
        "tampered",
        "x" * 300,
        "%00",
        "' OR 1=1 --",
    ],
)
def test_a_made_up_link_is_not_recognised(client, patient, token):
    response = client.post(f"/my/sign-in/{token}/")
    assert response.status_code == 404
    assert "do not recognise this link" in response.content.decode()


def test_a_changed_or_borrowed_signature_is_refused(client, patient):
    ask(client, KNOWN)
    path = sign_in_path()
    token = path.split("/")[-2]
    key = PatientSignIn.objects.get().key
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_salt = signing.dumps(key, salt=MANAGE_SALT)
    # A manage link is signed too, but for something else.
    manage = manage_token(patient.upcoming)
    for bad in (changed, other_salt, manage, signing.dumps({"k": key}, salt=SIGN_IN_SALT)):
        assert client.post(f"/my/sign-in/{bad}/").status_code == 404
    assert PatientSignIn.objects.get().uses == 0


# --- the session -----------------------------------------------------------------------


def test_signing_in_starts_a_short_session_under_a_new_key(client, patient):
    ask(client, KNOWN)
    client.get(sign_in_path())
    before = client.session.session_key
    response = client.post(sign_in_path())
    assert response["Location"] == "/my/"
    session = client.session
    assert session[SESSION_KEY] == {"email": KNOWN}
    assert session.get_expiry_age() == 20 * 60
    assert session.session_key != before
    assert not session.get("_auth_user_id")  # no account: only the contact


def test_the_session_ends_after_twenty_minutes_without_a_page(client, patient):
    signed_in(client)
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    assert expires - timezone.now() <= dt.timedelta(minutes=20)
    assert patient.upcoming.reference in client.get("/my/").content.decode()
    # Twenty minutes pass without a request.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    page = client.get("/my/").content.decode()
    assert patient.upcoming.reference not in page
    assert "Email me a link" in page


def test_signing_out_ends_the_session(client, patient):
    signed_in(client)
    assert client.get("/my/sign-out/").status_code == 405
    response = client.post("/my/sign-out/", follow=True)
    assert "You are signed out" in response.content.decode()
    assert patient.upcoming.reference not in response.content.decode()
    assert SESSION_KEY not in client.session


# --- the page --------------------------------------------------------------------------


def test_the_page_lists_coming_and_earlier_consultations_with_their_links(client, patient):
    someone_else = ConsultationFactory(
        email="someone@example.com", starts_at=timezone.now() + dt.timedelta(days=12)
    )
    signed_in(client)
    page = client.get("/my/").content.decode()
    assert page.index(patient.upcoming.reference) < page.index("Earlier")
    assert page.index("Earlier") < page.index(patient.completed.reference)
    assert someone_else.reference not in page
    assert f"/manage/{manage_token(patient.upcoming)}/" in page
    assert f"/manage/{manage_token(patient.completed)}/aftercare/" in page
    # The course's next session: after four to six weeks from last month's.
    assert f"/manage/{manage_token(patient.completed)}/next/" in page
    assert "Book your next session" in page
    # Once the next session is booked, it is no longer offered.
    ConsultationFactory(
        treatment=patient.treatment, email=KNOWN, starts_at=timezone.now() + dt.timedelta(days=15)
    )
    assert "/next/" not in client.get("/my/").content.decode()
    assert "Confirmed" in page and "Completed" in page
    assert "Book another consultation" in page


def test_the_page_shows_no_screening_answers_or_messages(client, patient):
    signed_in(client)
    page = client.get("/my/").content.decode()
    assert patient.upcoming.reference in page
    assert "pregnant" not in page
    assert "private note" not in page


def test_the_statuses_are_in_the_patients_words(client, patient):
    start = timezone.now() + dt.timedelta(days=9)
    for status in ("pending", "declined"):
        ConsultationFactory(email=KNOWN, status=status, starts_at=start)
    signed_in(client)
    page = client.get("/my/").content.decode()
    assert "we are holding the time and will contact you to confirm it" in page
    assert "we will contact you to talk it through" in page


def test_old_consultations_have_no_expired_links(client, patient):
    old = ConsultationFactory(
        email=KNOWN,
        status="cancelled",
        starts_at=timezone.now() - dt.timedelta(days=200),
    )
    signed_in(client)
    page = client.get("/my/").content.decode()
    assert old.reference in page
    assert manage_token(old) not in page


def test_booking_another_fills_in_the_patients_details(client, patient, free_slots):
    Consultation.objects.update(full_name="Ayesha Khan")
    day = min(free_slots())
    path = f"/book/?treatment={patient.treatment.slug}&date={day.isoformat()}"
    assert "Ayesha Khan" not in client.get(path).content.decode()
    signed_in(client)
    page = client.get(path).content.decode()
    assert 'value="Ayesha Khan"' in page
    assert f'value="{patient.completed.email}"' in page  # the latest one's spelling
    assert 'value="0300 1234567"' in page
    assert "Ayesha" not in path


def test_every_patient_email_links_to_the_page(client, form_data, privacy_notice):
    from bookings.emails import send_due

    client.post("/book/", form_data())
    send_due()
    email = OutboundEmail.objects.get(to="ayesha@example.com")
    assert "https://khanclinic.example/my/" in email.body_text
    assert 'href="https://khanclinic.example/my/"' in email.body_html


# --- limits and hostile input ----------------------------------------------------------


def test_links_asked_for_from_one_address_are_limited(client, patient):
    for i in range(5):
        assert ask(client, f"person{i}@example.com").status_code == 200
    assert ask(client, KNOWN).status_code == 429
    assert not OutboundEmail.objects.exists()


def test_one_contact_gets_at_most_three_links_an_hour_with_the_same_answer(client, patient):
    answers = {ask(client, KNOWN, REMOTE_ADDR=f"10.9.0.{i}").content.decode() for i in range(5)}
    assert len(answers) == 1
    assert OutboundEmail.objects.filter(to__iexact=KNOWN).count() == 3


@pytest.mark.parametrize(
    "value",
    [
        "a" * 10_000 + "@example.com",
        "ayesha\x00@example.com",
        "ayesha\u202e@example.com",
        "ayesha@example.com\r\nBcc: everyone@example.com",
        "' OR 1=1; DROP TABLE bookings_consultation; --",
        "x@example.com' OR '1'='1",
        "0300 1234567 OR 1=1",
        "",
        "   ",
    ],
)
def test_hostile_input_is_refused_calmly(client, patient, value):
    response = ask(client, value)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Email me a link" in page
    assert not OutboundEmail.objects.exists()
    assert Consultation.objects.count() == 2


def test_a_strange_but_valid_address_gets_the_usual_answer(client, patient):
    response = ask(client, "o'brien+test@example.com")
    assert response.status_code == 200
    assert not OutboundEmail.objects.exists()
