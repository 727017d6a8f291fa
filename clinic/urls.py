from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from clinic import two_factor, views

admin.site.site_header = "Khan Aesthetic & Laser Clinic"
admin.site.site_title = "Clinic admin"
admin.site.index_title = "Today at the clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("contact/", views.contact, name="contact"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz/", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("treatments/", include("treatments.urls")),
    path("", include("bookings.urls")),
    path(f"{settings.ADMIN_URL}two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path(f"{settings.ADMIN_URL}two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Uploaded images; in production nginx serves /media/ directly.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler404 = "clinic.views.page_not_found"
