from django.urls import path

from bookings import manage_views, patient_views, views, waitlist_views
from bookings.admin.views import calendar_feed

app_name = "bookings"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/done/<str:token>/", views.done, name="done"),
    path("manage/<str:token>/", manage_views.manage, name="manage"),
    path("manage/<str:token>/cancel/", manage_views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/move/", manage_views.manage_move, name="manage_move"),
    path("manage/<str:token>/aftercare/", manage_views.manage_aftercare, name="manage_aftercare"),
    path("manage/<str:token>/next/", manage_views.manage_next, name="manage_next"),
    path("manage/<str:token>/screening/", manage_views.manage_screening, name="manage_screening"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("my/", patient_views.my_consultations, name="my"),
    path("my/sign-in/<str:token>/", patient_views.my_sign_in, name="my_sign_in"),
    path("my/sign-out/", patient_views.my_sign_out, name="my_sign_out"),
    path("waitlist/", waitlist_views.waitlist_join_view, name="waitlist_join"),
    path("waitlist/offer/<str:token>/", waitlist_views.waitlist_offer, name="waitlist_offer"),
    path(
        "waitlist/offer/<str:token>/decline/",
        waitlist_views.waitlist_decline,
        name="waitlist_decline",
    ),
    path("waitlist/<str:token>/", waitlist_views.waitlist_entry, name="waitlist_entry"),
    path("waitlist/<str:token>/leave/", waitlist_views.waitlist_leave_view, name="waitlist_leave"),
]
