"""schema.org data about the clinic, for search engines (JSON-LD)."""

from django.conf import settings
from django.urls import reverse

from clinic.models import ClinicProfile


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
        "openingHours": profile.hours_lines,
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
