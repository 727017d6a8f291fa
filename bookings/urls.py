from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/done/<str:token>/", views.done, name="done"),
]
