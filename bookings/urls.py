from django.urls import path

from bookings import admin_views, manage_views, views

app_name = "bookings"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/done/<str:token>/", views.done, name="done"),
    path("manage/<str:token>/", manage_views.manage, name="manage"),
    path("manage/<str:token>/cancel/", manage_views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/move/", manage_views.manage_move, name="manage_move"),
    path("manage/<str:token>/aftercare/", manage_views.manage_aftercare, name="manage_aftercare"),
    path("manage/<str:token>/next/", manage_views.manage_next, name="manage_next"),
    path("staff/emails/", manage_views.email_previews, name="email_previews"),
    path("staff/emails/<slug:name>/", manage_views.email_preview, name="email_preview"),
    path("calendar/<str:token>.ics", admin_views.calendar_feed, name="calendar_feed"),
]
