"""WhatsApp links: E.164 digits, the text percent-encoded (Urdu and emoji included), and
the messages written from the emails' own templates with the details a chat needs."""

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

from bookings import whatsapp
from bookings.emails import send_due
from bookings.links import consultation_for_token
from bookings.models import Consultation, OutboundEmail
from bookings.services import consultation_cancel, consultation_confirm
from clinic.models import ClinicProfile
from tests.factories import AftercareInstructionFactory, ConsultationFactory

pytestmark = pytest.mark.django_db

URDU = "السلام علیکم، آپ کی مشاورت کل صبح 11:00 بجے ہے۔"
EMOJI = "See you tomorrow 😊👩🏽‍⚕️ — 10% off? & = + # ?"


def decoded(url: str) -> str:
    """The message a wa.me URL carries, decoded the way WhatsApp reads it."""
    (text,) = parse_qs(urlsplit(url).query, strict_parsing=True)["text"]
    return text


@pytest.mark.parametrize("text", [URDU, EMOJI, "line one\nline two\n\n", ""])
def test_the_text_survives_the_url_unchanged(text):
    url = whatsapp.whatsapp_url("+92 300 1234567", text)
    assert url.startswith("https://wa.me/923001234567?text=")
    query = url.split("?text=", 1)[1]
    assert unquote(query, errors="strict") == text
    if text:
        assert decoded(url) == text
    # Only unreserved ASCII and percent escapes: nothing a browser or WhatsApp re-reads.
    assert all(ch.isascii() and (ch.isalnum() or ch in "%-._~") for ch in query)


def test_urdu_is_encoded_as_utf8_bytes():
    url = whatsapp.whatsapp_url("03001234567", "سلام")
    assert url == "https://wa.me/923001234567?text=%D8%B3%D9%84%D8%A7%D9%85"


@pytest.mark.parametrize(
    ("phone", "digits"),
    [
        ("+92 300 1234567", "923001234567"),
        ("0300 1234567", "923001234567"),
        ("+44 20 7946 0958", "442079460958"),
        ("call me maybe", ""),
        ("", ""),
        (None, ""),
        ("12", ""),
    ],
)
def test_the_number_is_e164_digits_without_the_plus(phone, digits):
    assert whatsapp.phone_digits(phone) == digits
    assert (whatsapp.whatsapp_url(phone, "Hi") == "") is (digits == "")


@pytest.fixture
def confirmed(treatment, first_free, privacy_notice):
    start = first_free()
    consultation = ConsultationFactory(
        treatment=treatment,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        email="",
        phone="+923217654321",
        contact_preference="whatsapp",
        message="Acne scars on my cheeks.",
        screening_answers=[{"name": "Pregnancy", "question": "Pregnant?", "answer": "yes"}],
        flagged=True,
    )
    return consultation_confirm(consultation=consultation)


def has_manage_link(text: str, consultation: Consultation) -> bool:
    """The patient's own manage link (signed with the time, so found by whom it opens)."""
    found = re.findall(r"https://khanclinic\.example/manage/([^/\s]+)/", text)
    return bool(found) and consultation_for_token(found[0]) == consultation


def without_tokens(text: str) -> str:
    return re.sub(r"/manage/[^/\s]+/", "/manage/…/", text)


def details_of(consultation: Consultation) -> list[str]:
    clinic = ClinicProfile.current()
    local = timezone.localtime(consultation.starts_at, dt.timezone(dt.timedelta(hours=5)))
    return [
        consultation.reference,
        f"{local:%A} {local.day} {local:%B %Y, %H:%M}",
        "Islamabad time",
        ", ".join(clinic.address_lines),
        clinic.phone,
    ]


def test_a_confirmed_patient_gets_the_confirmation_and_the_reminder(confirmed):
    messages = whatsapp.messages_for(confirmed)
    assert [label for label, _ in messages] == ["Confirmation", "Reminder"]
    for _, url in messages:
        assert url.startswith("https://wa.me/923217654321?text=")
        text = decoded(url)
        for detail in details_of(confirmed):
            assert detail in text
        assert has_manage_link(text, confirmed)
        # No health data, as in the emails.
        assert "Pregnan" not in text and "Acne scars" not in text
    assert "is confirmed" in decoded(messages[0][1])
    assert "reminder" in decoded(messages[1][1])


def test_the_message_is_the_email_text(treatment, first_free, privacy_notice):
    """The same words as the email the patient gets, so the two never drift apart."""
    start = first_free()
    consultation = ConsultationFactory(
        treatment=treatment, starts_at=start, ends_at=start + dt.timedelta(minutes=30)
    )
    consultation_confirm(consultation=consultation)
    send_due()
    email = OutboundEmail.objects.get(consultation=consultation)
    (label, url), _ = whatsapp.messages_for(consultation)
    text = without_tokens(decoded(url))
    for line in without_tokens(email.body_text).strip().splitlines():
        assert line in text


@pytest.mark.parametrize(
    ("change", "labels", "words"),
    [
        (None, ["Request received"], "held this time"),
        ("cancel", ["Cancellation"], "is cancelled"),
        ("complete", ["Aftercare"], "Your aftercare"),
        ("decline", [], ""),
    ],
)
def test_each_status_has_its_message_with_every_detail(
    treatment, first_free, privacy_notice, change, labels, words
):
    AftercareInstructionFactory(treatment=treatment, text="Keep the skin clean.")
    start = first_free()
    consultation = ConsultationFactory(
        treatment=treatment, starts_at=start, ends_at=start + dt.timedelta(minutes=30)
    )
    if change == "cancel":
        consultation_cancel(consultation=consultation, reason="Patient called")
    elif change == "complete":
        consultation_confirm(consultation=consultation)
        Consultation.objects.filter(pk=consultation.pk).update(status="completed")
        consultation.refresh_from_db()
    elif change == "decline":
        Consultation.objects.filter(pk=consultation.pk).update(status="declined")
        consultation.refresh_from_db()
    messages = whatsapp.messages_for(consultation)
    assert [label for label, _ in messages] == labels
    for _, url in messages:
        text = decoded(url)
        assert words in text
        for detail in details_of(consultation):
            assert detail in text
        assert has_manage_link(text, consultation)
        assert text.rstrip().endswith(ClinicProfile.current().phone) or "khanclinic" in text


def test_screening_left_for_later_sends_the_page_to_answer_it(confirmed):
    Consultation.objects.filter(pk=confirmed.pk).update(screening_pending=True)
    confirmed.refresh_from_db()
    text = decoded(whatsapp.messages_for(confirmed)[0][1])
    assert "please answer the health questions" in text
    assert "/screening/" in text


def test_no_buttons_without_a_usable_phone_or_once_anonymised(confirmed):
    confirmed.phone = "not a number"
    assert whatsapp.messages_for(confirmed) == []
    confirmed.phone = "+923217654321"
    confirmed.anonymised_at = timezone.now()
    assert whatsapp.messages_for(confirmed) == []


def test_the_patient_messages_the_clinic_with_only_their_reference(db):
    clinic = ClinicProfile(name="Clinic", phone="+92 51 2345678", whatsapp="0300 7654321")
    url = whatsapp.clinic_chat_url("KH-7F3K2Q", clinic)
    assert url.startswith("https://wa.me/923007654321?text=")
    assert decoded(url) == "Hello, I am writing about my consultation, reference KH-7F3K2Q."
    clinic.whatsapp = ""
    assert whatsapp.clinic_chat_url("KH-7F3K2Q", clinic).startswith("https://wa.me/92512345678?")


def test_only_patients_who_chose_whatsapp_are_offered_the_clinic_chat(confirmed):
    assert whatsapp.clinic_chat_for(confirmed).startswith("https://wa.me/")
    confirmed.contact_preference = "phone"
    assert whatsapp.clinic_chat_for(confirmed) == ""
