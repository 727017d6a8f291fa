"""schema.org data about the clinic, for search engines (JSON-LD)."""

from django.conf import settings
from django.urls import reverse

from bookings.availability import CACHE_TIMEOUT, RULES_VERSION
from bookings.models import OpeningHours
from clinic.models import ClinicProfile
from clinic.page_cache import shared_value, versions

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def opening_hours_specification() -> list[dict]:
    """schema.org opening hours from the booking hours staff set: one entry per period,
    so a day with a midday break has two. Closures are not listed: search engines read
    them as regular hours, and a closed day's page says so anyway. Cached under the
    booking rules' version (one query when staff have changed them)."""
    (version,) = versions(RULES_VERSION)
    periods = shared_value(
        "clinic:opening-hours",
        f"clinic:opening-hours:{version}",
        lambda: list(OpeningHours.objects.values_list("weekday", "opens", "closes")),
        CACHE_TIMEOUT,
    )
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": f"https://schema.org/{DAYS[weekday]}",
            "opens": f"{opens:%H:%M}",
            "closes": f"{closes:%H:%M}",
        }
        for weekday, opens, closes in sorted(periods)
    ]


def medical_clinic(profile: ClinicProfile) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "@id": f"{settings.SITE_URL}/#clinic",
        "name": profile.name,
        "url": settings.SITE_URL + reverse("home"),
        "telephone": profile.phone,
        "email": profile.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": profile.street_address,
            "addressLocality": profile.locality,
            "addressRegion": profile.region,
            "postalCode": profile.postal_code,
            "addressCountry": profile.country,
        },
        "openingHoursSpecification": opening_hours_specification(),
        "medicalSpecialty": "Dermatology",
    }


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict:
    """crumbs: (name, path) pairs from the home page down to the current page."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": settings.SITE_URL + path}
            for i, (name, path) in enumerate(crumbs, start=1)
        ],
    }
