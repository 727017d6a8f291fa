import datetime as dt

import pytest
from django.utils import timezone

from bookings import availability
from bookings.seed import ensure_booking_defaults
from tests.factories import ContraindicationFactory, TreatmentFactory

KARACHI = dt.timezone(dt.timedelta(hours=5))


def karachi(*args) -> dt.datetime:
    """An aware clinic-time datetime (Pakistan has no daylight saving: always +05:00)."""
    return dt.datetime(*args, tzinfo=KARACHI)


@pytest.fixture
def booking_rules(db):
    ensure_booking_defaults()
    return availability.load_rules()


@pytest.fixture
def privacy_notice(db):
    from clinic.models import PrivacyNotice

    notice, _ = PrivacyNotice.objects.get_or_create(
        version="2026-11",
        defaults={
            "effective_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "summary": "We collect only what we need.",
            "body": "## Who we are",
        },
    )
    return notice


@pytest.fixture
def treatment(db):
    treatment = TreatmentFactory(name="Microneedling", slug="microneedling-test")
    ContraindicationFactory(
        treatment=treatment,
        name="Active acne",
        screening_question="Do you have active acne or a skin infection on the area?",
        explanation="Needling over active acne can spread infection.",
        order=1,
    )
    ContraindicationFactory(
        treatment=treatment,
        name="Pregnancy",
        screening_question="Are you pregnant or breastfeeding?",
        explanation="We wait until after pregnancy and breastfeeding.",
        order=2,
    )
    return treatment


@pytest.fixture
def free_slots(booking_rules):
    """Free times from now, as the booking page computes them."""

    def compute():
        return availability.upcoming_free_slots(availability.load_rules(), now=timezone.now())

    return compute


def slot_value(start: dt.datetime) -> str:
    from bookings.forms import slot_value as value

    return value(start)


@pytest.fixture
def first_free(free_slots):
    def pick(index: int = 0) -> dt.datetime:
        return availability.next_free(free_slots(), limit=index + 1)[index]

    return pick


@pytest.fixture
def form_data(treatment, first_free):
    """A complete, valid submission for the first free time."""

    def build(**overrides) -> dict:
        data = {
            "treatment": treatment.slug,
            "slot": slot_value(first_free()),
            "full_name": "Ayesha Khan",
            "email": "ayesha@example.com",
            "phone": "0300 1234567",
            "contact_preference": "whatsapp",
            "is_adult": "yes",
            "message": "Acne scars on my cheeks.",
            "privacy_consent": "on",
            "token": "6f1c1d1e-6a4b-4c43-9a7d-2b1f3c4d5e6f",
            "website": "",
        }
        for contraindication in treatment.contraindications.all():
            data[f"screen_{contraindication.pk}"] = "no"
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build


def patient_request(treatment, starts_at: dt.datetime, **extra):
    """One patient's request for ``starts_at`` through the booking service."""
    from bookings import services

    values = {
        "full_name": "Sana Malik",
        "email": "sana@example.com",
        "phone": "+923001234567",
        "contact_preference": "phone",
        **extra,
    }
    return services.consultation_request(treatment=treatment, starts_at=starts_at, **values)
