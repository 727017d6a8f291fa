"""WhatsApp in one click: ``wa.me`` links that open a chat with the message already
written, for reception to check and send from their own phone or WhatsApp Web.

The messages are the plain-text part of the patient's emails (``templates/emails/*.txt``,
rendered with ``bookings.emails.consultation_context``), so a WhatsApp message and its
email never say different things. What an email leaves to its subject line or its
calendar file is added before the signature when the text does not already say it: the
reference, the time in clinic time, the address, the number to call and the patient's
manage link (and, while the screening questions are not yet answered, the page to
answer them on). Like the emails, the messages carry no health information.

A ``wa.me`` address holds the whole message, so it is never logged: staff open it in
their own browser, nothing is sent by the clinic's server.
"""

from urllib.parse import quote

import phonenumbers
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat

from bookings.emails import consultation_context
from bookings.links import manage_token
from bookings.models import Consultation
from clinic.models import ClinicProfile

Status = Consultation.Status

WA_ME = "https://wa.me/"

# (email template, button label), by the consultation's status.
ACKNOWLEDGEMENT = ("consultation_requested", "Request received")
CONFIRMATION = ("consultation_confirmed", "Confirmation")
REMINDER = ("consultation_reminder", "Reminder")
CANCELLATION = ("consultation_cancelled", "Cancellation")
AFTERCARE = ("consultation_completed", "Aftercare")
BY_STATUS = {
    Status.PENDING: [ACKNOWLEDGEMENT],
    Status.CONFIRMED: [CONFIRMATION, REMINDER],
    Status.CANCELLED: [CANCELLATION],
    Status.COMPLETED: [AFTERCARE],
}


def phone_digits(phone) -> str:
    """The digits of ``phone`` in E.164 form without the "+" (what ``wa.me`` wants), or
    "" when it is not a possible number. Local numbers are read as Pakistani ones."""
    if not phone:
        return ""
    if isinstance(phone, phonenumbers.PhoneNumber):
        number = phone
    else:
        try:
            number = phonenumbers.parse(str(phone), settings.PHONENUMBER_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def whatsapp_url(phone, text: str) -> str:
    """``https://wa.me/<digits>?text=<text>``, the text percent-encoded as UTF-8 (Urdu,
    emoji and new lines included); "" when ``phone`` is not a usable number."""
    digits = phone_digits(phone)
    return _wa_me(digits, text) if digits else ""


def _wa_me(digits: str, text: str) -> str:
    return f"{WA_ME}{digits}?text={quote(text, safe='')}"


def _signature(context: dict) -> str:
    # Rendered as the emails include it: inside their autoescape-off block.
    template = engines["django"].from_string(
        '{% autoescape off %}{% include "emails/_signature.txt" %}{% endautoescape %}'
    )
    return template.render(context).strip()


def screening_url(consultation: Consultation) -> str:
    return settings.SITE_URL + reverse(
        "bookings:manage_screening", args=[manage_token(consultation)]
    )


def message_text(consultation: Consultation, template: str, context: dict | None = None) -> str:
    """The plain-text email ``template`` for this consultation, as a WhatsApp message."""
    context = context or consultation_context(consultation)
    body = render_to_string(f"emails/{template}.txt", context).strip()
    signature = _signature(context)
    if signature and body.endswith(signature):
        body = body[: -len(signature)].rstrip()
    else:
        signature = ""
    clinic = context["clinic"]
    when = dateformat.format(context["starts_local"], "l j F Y, H:i")
    address = ", ".join(clinic.address_lines)
    details = []
    if consultation.reference not in body:
        details.append(f"Reference: {consultation.reference}")
    if when not in body or "Islamabad time" not in body:
        details.append(f"Time: {when} (Islamabad time)")
    if address and address not in body:
        details.append(f"Address: {address}")
    if clinic.phone not in body + signature:
        details.append(f"Call us: {clinic.phone}")
    if context["manage_url"] not in body:
        details.append(f"Your booking: {context['manage_url']}")
    if consultation.screening_pending and consultation.is_active:
        details.append(
            f"Before your visit, please answer the health questions here: "
            f"{screening_url(consultation)}"
        )
    return "\n\n".join(part for part in (body, "\n".join(details), signature) if part)


def messages_for(
    consultation: Consultation, *, templates: list[str] | None = None
) -> list[tuple[str, str]]:
    """(label, wa.me URL) for each message that fits the consultation's status, or only
    those of ``templates``; none without a usable phone number or once anonymised."""
    kinds = BY_STATUS.get(consultation.status, [])
    if templates is not None:
        kinds = [kind for kind in kinds if kind[0] in templates]
    digits = phone_digits(consultation.phone)
    if not kinds or not digits or consultation.anonymised_at is not None:
        return []
    context = consultation_context(consultation)
    return [
        (label, _wa_me(digits, message_text(consultation, template, context)))
        for template, label in kinds
    ]


def clinic_chat_url(reference: str, clinic: ClinicProfile | None = None) -> str:
    """For a patient: a chat with the clinic's WhatsApp number (its phone number when it
    has none), the message naming only their reference."""
    clinic = clinic or ClinicProfile.current()
    text = f"Hello, I am writing about my consultation, reference {reference}."
    return whatsapp_url(clinic.whatsapp or clinic.phone, text)


def clinic_chat_for(consultation: Consultation) -> str:
    """``clinic_chat_url`` for a patient who chose WhatsApp; "" for the others."""
    if consultation.contact_preference != Consultation.ContactPreference.WHATSAPP:
        return ""
    return clinic_chat_url(consultation.reference)
