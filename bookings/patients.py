"""A patient's own page of consultations (/my/), signed in by an emailed link.

There are no patient accounts or passwords. A patient types the email address (or the
phone number) they booked with; if consultations have that address, a sign-in link is
emailed to it. The answer on the page is the same whether or not any were found, so the
page reveals nothing about who is a patient.

A link carries only the signed random key of a ``PatientSignIn`` row: the address stays
in the database. It works for ``PATIENT_LINK_MINUTES`` and at most ``PATIENT_LINK_USES``
times, each use counted in that row by a conditional update (so two tabs opening it at
once cannot both use its last turn). Opening it (GET) changes nothing, since mail
scanners follow links; the patient presses Continue (POST), which starts a session
holding the address under ``SESSION_KEY`` that ends after ``PATIENT_IDLE_MINUTES``
without a page opened.

A phone number is matched to the email addresses on consultations (and waitlist places)
booked with it, and the link goes to those addresses, each signing in as itself: a phone
shared in a family never shows one person's consultations to another. Patients who gave no email address
are helped by reception, who can see their consultations in the back office.
"""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException

from bookings import availability, selectors
from bookings.emails import queue_email, save_and_send_after_commit
from bookings.forms import has_unsafe_characters
from bookings.links import manage_expires_at, manage_token
from bookings.models import BookingSettings, Consultation, PatientSignIn, WaitlistEntry

Status = Consultation.Status

SIGN_IN_SALT = "bookings.patient-sign-in.v1"
SESSION_KEY = "patient_contact"
# Expired links are kept a day, so that opening one says "expired", not "unknown".
KEEP_EXPIRED = dt.timedelta(days=1)
# A phone number shared by several people sends at most this many links.
MOST_ADDRESSES_PER_PHONE = 3
EARLIER_SHOWN = 30


def link_minutes() -> int:
    return getattr(settings, "PATIENT_LINK_MINUTES", 30)


# --- What the patient types ------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """An email address (lower case) or a phone number (E.164), never both."""

    email: str = ""
    phone: str = ""

    def digest(self) -> str:
        """A stand-in for the contact in rate-limit keys, which are not patient data."""
        return salted_hmac(SIGN_IN_SALT, self.email or self.phone).hexdigest()


NOT_A_CONTACT = (
    "Please enter an email address like name@example.com or a phone number like 0300 1234567."
)


class ContactForm(forms.Form):
    contact = forms.CharField(
        label="Email address or phone number",
        max_length=254,
        help_text="The one you gave when you booked, for example name@example.com or 0300 1234567.",
        error_messages={
            "required": "Please enter your email address or phone number.",
            "max_length": "That is too long for an email address or phone number.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "email", "maxlength": 254}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_contact(self) -> Contact:
        value = self.cleaned_data["contact"]
        if has_unsafe_characters(value):
            raise forms.ValidationError("Please remove unusual invisible characters.")
        if "@" in value:
            try:
                validate_email(value)
            except forms.ValidationError:
                raise forms.ValidationError(NOT_A_CONTACT) from None
            return Contact(email=value.lower())
        try:
            phone = PhoneNumber.from_string(value, region=settings.PHONENUMBER_DEFAULT_REGION)
        except NumberParseException:
            phone = None
        if phone is None or len(value) > 32 or not phone.is_valid():
            raise forms.ValidationError(NOT_A_CONTACT)
        return Contact(phone=phone.as_e164)


# --- Sign-in links ---------------------------------------------------------------------


def addresses_for(contact: Contact) -> list[str]:
    """The email addresses to send a link to: the one typed, as our latest consultation
    (or waitlist place) with it spells it, or those booked with the phone number typed."""
    found: dict[str, str] = {}
    for model in (Consultation, WaitlistEntry):
        if contact.email:
            rows = model.objects.filter(email__iexact=contact.email)
        else:
            rows = model.objects.filter(phone=contact.phone).exclude(email="")
        order = "-created_at" if model is Consultation else "-joined_at"
        for email in rows.order_by(order).values_list("email", flat=True)[:20]:
            found.setdefault(email.lower(), email)
    return list(found.values())[:MOST_ADDRESSES_PER_PHONE]


def sign_in_url(row: PatientSignIn) -> str:
    token = signing.dumps(row.key, salt=SIGN_IN_SALT)
    return settings.SITE_URL + reverse("bookings:my_sign_in", args=[token])


def sign_in_links_send(contact: Contact, *, now: dt.datetime | None = None) -> int:
    """Email a sign-in link to each address ``contact`` matches (none for an unknown
    one); returns how many. In one transaction: delete links expired over a day ago,
    save the new links and queue their emails, which are sent after commit."""
    now = now or timezone.now()
    addresses = addresses_for(contact)
    if not addresses:
        return 0
    minutes = link_minutes()
    with transaction.atomic():
        PatientSignIn.objects.filter(expires_at__lt=now - KEEP_EXPIRED).delete()
        rows = [
            PatientSignIn(
                email=address.lower(),
                expires_at=now + dt.timedelta(minutes=minutes),
                max_uses=getattr(settings, "PATIENT_LINK_USES", 3),
            )
            for address in addresses
        ]
        for row in rows:
            row.save(force_insert=True)
        save_and_send_after_commit(
            queue_email(
                to=address,
                subject="Your link to see your consultations",
                template="my_sign_in",
                context={
                    "sign_in_url": sign_in_url(row),
                    "minutes": minutes,
                    "uses": row.max_uses,
                    "by_phone": bool(contact.phone),
                    "site_url": settings.SITE_URL,
                    "clinic": _clinic(),
                },
            )
            for address, row in zip(addresses, rows, strict=True)
        )
    return len(rows)


def _clinic():
    from clinic.models import ClinicProfile

    return ClinicProfile.current()


class SignInLinkError(Exception):
    """Why a sign-in link cannot be used: ``reason`` is invalid, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sign_in_link(token: str, *, now: dt.datetime | None = None) -> PatientSignIn:
    """The link's row, if the link may still be used; reads only. SignInLinkError when
    tampered with, expired or used up."""
    now = now or timezone.now()
    try:
        key = signing.loads(token, salt=SIGN_IN_SALT, max_age=link_minutes() * 60)
    except signing.SignatureExpired as exc:
        raise SignInLinkError("expired") from exc
    except signing.BadSignature as exc:
        raise SignInLinkError("invalid") from exc
    if not isinstance(key, str):
        raise SignInLinkError("invalid")
    row = PatientSignIn.objects.filter(key=key).first()
    if row is None:
        raise SignInLinkError("invalid")
    if now >= row.expires_at:
        raise SignInLinkError("expired")
    if row.uses >= row.max_uses:
        raise SignInLinkError("used")
    return row


def sign_in_link_use(token: str, *, now: dt.datetime | None = None) -> str:
    """Count one use of the link and return the address it signs in as. The count is a
    conditional update, so the last use cannot be taken twice."""
    now = now or timezone.now()
    row = sign_in_link(token, now=now)
    used = PatientSignIn.objects.filter(
        pk=row.pk, uses__lt=F("max_uses"), expires_at__gt=now
    ).update(uses=F("uses") + 1)
    if used != 1:
        raise SignInLinkError("used")
    return row.email


# --- The patient's session -------------------------------------------------------------


def sign_in(request, email: str) -> None:
    """A new session key (the old one may have been seen by someone else) holding the
    address, ending after ``PATIENT_IDLE_MINUTES`` without a request."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"email": email}
    request.session.set_expiry(getattr(settings, "PATIENT_IDLE_MINUTES", 20) * 60)


def signed_in_email(request) -> str | None:
    data = request.session.get(SESSION_KEY)
    email = data.get("email") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None


def sign_out(request) -> None:
    """End the patient's session; a member of staff signed in on the same browser stays
    signed in to the back office."""
    from django.contrib.auth import SESSION_KEY as STAFF_KEY

    if STAFF_KEY in request.session:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session.flush()


def booking_initial(request) -> dict:
    """The signed-in patient's name, email and phone for a new booking form, from their
    latest consultation; nothing for anyone else (and no query without a session)."""
    email = signed_in_email(request)
    if email is None:
        return {}
    latest = (
        Consultation.objects.filter(email__iexact=email)
        .order_by("-created_at")
        .values("full_name", "email", "phone", "contact_preference")
        .first()
    )
    if latest is None:
        return {}
    return {**latest, "phone": str(latest["phone"])}


# --- What the page shows ---------------------------------------------------------------

PATIENT_STATUS = {
    Status.PENDING: "Requested: we are holding the time and will contact you to confirm it",
    Status.CONFIRMED: "Confirmed",
    Status.CANCELLED: "Cancelled",
    Status.DECLINED: "Not going ahead: we will contact you to talk it through",
    Status.COMPLETED: "Completed",
    Status.NO_SHOW: "Not attended",
}


@dataclass
class PatientConsultation:
    consultation: Consultation
    starts_local: dt.datetime
    status: str
    manage_path: str = ""
    aftercare_path: str = ""
    next_path: str = ""
    next_window: tuple[dt.date, dt.date] | None = None


def _row(consultation: Consultation, *, now: dt.datetime, latest_of_course: bool):
    row = PatientConsultation(
        consultation=consultation,
        starts_local=timezone.localtime(consultation.starts_at, availability.clinic_tz()),
        status=PATIENT_STATUS.get(consultation.status, consultation.get_status_display()),
    )
    if now > manage_expires_at(consultation):
        return row  # its links have expired: the patient calls instead
    token = manage_token(consultation)
    row.manage_path = reverse("bookings:manage", args=[token])
    if consultation.status == Status.COMPLETED:
        row.aftercare_path = reverse("bookings:manage_aftercare", args=[token])
        if latest_of_course:
            row.next_window = selectors.next_session_offer(consultation)
            if row.next_window is not None:
                row.next_path = reverse("bookings:manage_next", args=[token])
    return row


def patient_consultations(email: str, *, now: dt.datetime | None = None) -> dict:
    """The consultations booked with ``email`` (any case): those still to come in time
    order, then the latest ``EARLIER_SHOWN`` others, newest first. No screening answers
    or messages are read. The next session of a course is offered from its latest
    completed session only (``selectors.next_session_offer`` says no for the others)."""
    now = now or timezone.now()
    rows = list(
        Consultation.objects.filter(email__iexact=email)
        .select_related("treatment")
        .defer("screening_answers", "message")
        .order_by("-starts_at", "-pk")
    )
    upcoming = [c for c in rows if c.is_active and c.ends_at >= now]
    coming = {c.pk for c in upcoming}
    earlier = [c for c in rows if c.pk not in coming][:EARLIER_SHOWN]
    latest_completed: dict[int, int] = {}
    for c in rows:
        if c.status == Status.COMPLETED:
            latest_completed.setdefault(c.treatment_id, c.pk)
    latest = set(latest_completed.values())
    return {
        "upcoming": [_row(c, now=now, latest_of_course=False) for c in reversed(upcoming)],
        "earlier": [_row(c, now=now, latest_of_course=c.pk in latest) for c in earlier],
        "notice_hours": BookingSettings.load().patient_change_notice_hours,
    }
