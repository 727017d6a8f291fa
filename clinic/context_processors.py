from django.conf import settings

from clinic.models import ClinicProfile


def clinic(request):
    return {
        "clinic_profile": ClinicProfile.current(),
        "site_url": settings.SITE_URL,
    }
