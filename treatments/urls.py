from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path("", views.treatment_list, name="list"),
    path("<slug:slug>/", views.section, {"page": "overview"}, name="overview"),
    path("<slug:slug>/benefits/", views.section, {"page": "benefits"}, name="benefits"),
    path("<slug:slug>/process/", views.section, {"page": "process"}, name="process"),
    path("<slug:slug>/aftercare/", views.section, {"page": "aftercare"}, name="aftercare"),
    path(
        "<slug:slug>/contraindications/",
        views.section,
        {"page": "contraindications"},
        name="contraindications",
    ),
    path("<slug:slug>/faq/", views.section, {"page": "faq"}, name="faq"),
    path("<slug:slug>/ask/", views.ask, name="ask"),
]
