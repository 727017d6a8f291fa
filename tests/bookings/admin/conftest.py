import datetime as dt

import pytest

from bookings import services
from bookings.models import Consultation
from tests.auth import login_staff
from tests.bookings.admin.roles import staff
from tests.factories import ConsultationFactory, UserFactory

PATIENT = "ayesha@example.com"


@pytest.fixture
def admin_client(client, booking_rules):
    """A superuser signed in with the second factor; ``client.user`` is who."""
    user = UserFactory(is_superuser=True)
    login_staff(client, user)
    client.user = user
    return client


@pytest.fixture
def as_role(client, booking_rules):
    def sign_in(role: str, **kwargs):
        user = staff(role, **kwargs)
        login_staff(client, user)
        client.user = user
        return client

    return sign_in


@pytest.fixture
def consultation(treatment, privacy_notice, first_free):
    """A request made through the booking service, with a yes to a screening question."""
    return services.consultation_request(
        treatment=treatment,
        starts_at=first_free(),
        full_name="Ayesha Khan",
        email=PATIENT,
        phone="+923001234567",
        contact_preference="phone",
        screening_answers=[
            services.ScreeningAnswer(1, "Pregnancy", "Are you pregnant?", "rules_out", True)
        ],
    ).consultation


@pytest.fixture
def booking(treatment, first_free):
    def make(index: int = 0, **kwargs) -> Consultation:
        starts = kwargs.pop("starts_at", None) or first_free(index)
        kwargs.setdefault("full_name", "Ayesha Khan")
        kwargs.setdefault("email", PATIENT)
        return ConsultationFactory(
            treatment=treatment,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=30),
            **kwargs,
        )

    return make
