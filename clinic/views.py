from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_xml
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic.middleware import database_answers, database_outage_answer
from clinic.models import ClinicProfile, PrivacyNotice
from clinic.page_cache import cache_reachable, cached_public_page, public_page
from clinic.sitemaps import SITEMAPS
from clinic.structured_data import medical_clinic
from treatments.models import Treatment


@require_safe
@cached_public_page
def home(request):
    treatments = Treatment.objects.published().only("name", "name_in_sentence", "slug", "summary")
    return render(
        request,
        "clinic/home.html",
        {"treatments": treatments, "clinic_jsonld": medical_clinic(ClinicProfile.current())},
    )


@require_safe
@cached_public_page
def contact(request):
    return render(
        request, "clinic/contact.html", {"clinic_jsonld": medical_clinic(ClinicProfile.current())}
    )


def _notice_in_force(version: int) -> int:
    notice = PrivacyNotice.current(version=version)
    return notice.pk if notice else 0


@require_safe
# Stored and tagged per notice: one scheduled for later replaces the page when it takes over.
@cached_public_page(key_extra=_notice_in_force)
def privacy(request):
    return render(request, "clinic/privacy.html", {"notice": PrivacyNotice.current()})


@never_cache
@require_safe
def healthz(request):
    """For load balancers: 503 when the database does not answer a query (within its
    connect timeout), since no booking can be made; 200 otherwise, with the cache
    reported "down" and the status "degraded" while Redis is not answering (pages are
    then built from the database)."""
    cache = "up" if cache_reachable() else "down"
    if not database_answers():
        return database_outage_answer(
            request,
            JsonResponse({"status": "unavailable", "database": "down", "cache": cache}, status=503),
        )
    status = "ok" if cache == "up" else "degraded"
    return JsonResponse({"status": status, "database": "up", "cache": cache})


@require_safe
@cached_public_page
def sitemap(request):
    """Stored with the public pages, so a content edit renews it at once."""
    return sitemap_xml(request, sitemaps=SITEMAPS)


@require_safe
@public_page
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
