"""Who has a secret calendar address. Staff turn their own on and off from the
consultations' "My calendar feed" page (``views.feed_settings``); here an administrator
sees who has one and revokes it by deleting the row."""

from django.contrib import admin

from bookings.models import StaffCalendarFeed


@admin.register(StaffCalendarFeed)
class StaffCalendarFeedAdmin(admin.ModelAdmin):
    """Tokens are never shown here: the address is its only key."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = fields
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
