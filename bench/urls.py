"""The product's URLconf plus the floor page, for the benchmark servers (bench.settings)."""

from django.urls import include, path

from bench import views
from clinic.urls import handler404  # noqa: F401 (Django reads it from the root URLconf only)

urlpatterns = [
    path("", include("clinic.urls")),
    path("bench/floor/", views.floor, name="bench_floor"),
]
