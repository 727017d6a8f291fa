import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.models import ClinicProfile, PrivacyNotice
from clinic.page_cache import cached_public_page, content_version, serve_cached
from clinic.structured_data import medical_clinic
from treatments.models import Treatment

logger = logging.getLogger(__name__)


@require_GET
@cached_public_page
def home(request):
    treatments = Treatment.objects.published().only("name", "slug", "summary")
    return render(
        request,
        "clinic/home.html",
        {"treatments": treatments, "clinic_jsonld": medical_clinic(ClinicProfile.current())},
    )


@require_GET
@cached_public_page
def contact(request):
    return render(
        request, "clinic/contact.html", {"clinic_jsonld": medical_clinic(ClinicProfile.current())}
    )


@require_GET
def privacy(request):
    # Stored per notice: one scheduled for later replaces the page when it takes over.
    version = content_version()
    notice = PrivacyNotice.current(version=version)
    return serve_cached(
        request,
        f"page:{version}:{request.path}:{notice.pk if notice else 0}",
        lambda: render(request, "clinic/privacy.html", {"notice": notice}),
    )


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database did not answer")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /book/done/",
        "Disallow: /manage/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def too_many_requests(request, exception):
    """Shown when a visitor sends too many forms in a short time (django-ratelimit)."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "600"
    return response
