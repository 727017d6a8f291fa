from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("book/", views.book, name="book"),
]
