import pytest
from django.utils import timezone

from treatments.seed import ensure_microneedling

pytestmark = pytest.mark.django_db


def test_microneedling_form_asks_about_age_once(client, booking_rules, first_free):
    treatment = ensure_microneedling()
    day = timezone.localtime(first_free()).date()
    text = client.get("/book/", {"treatment": treatment.slug, "date": day.isoformat()}).content
    text = text.decode()
    assert "18 or over" in text
    assert "under 18" not in text.lower()
    assert "rosacea" in text.lower()
