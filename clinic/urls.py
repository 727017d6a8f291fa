from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.static import serve

from clinic import two_factor, views
from clinic.sitemaps import SITEMAPS

admin.site.site_header = "Khan Aesthetic & Laser Clinic"
admin.site.site_title = "Clinic admin"
admin.site.index_title = "Today at the clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("contact/", views.contact, name="contact"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz/", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        cache_page(60 * 60)(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("treatments/", include("treatments.urls")),
    path("", include("bookings.urls")),
    path(f"{settings.ADMIN_URL}two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path(f"{settings.ADMIN_URL}two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Uploaded images; in production nginx serves /media/ directly.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

if settings.BENCH_FLOOR:
    from clinic.bench import floor

    urlpatterns.append(path("bench/floor/", floor, name="bench_floor"))

handler404 = "clinic.views.page_not_found"
