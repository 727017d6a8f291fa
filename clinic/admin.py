from django.contrib import admin

from clinic.models import ClinicProfile, PrivacyNotice
from clinic.page_cache import bump_content_version


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        ("Address", {"fields": ["street_address", "locality", "region", "postal_code", "country"]}),
        ("Contact", {"fields": ["phone", "whatsapp", "email"]}),
        ("Opening hours", {"fields": ["hours_text"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The details appear on every page: a new content version renews them all.
        bump_content_version()


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    """Versions are added, never edited: records of consent point at them."""

    list_display = ["version", "effective_from", "created_at"]
    ordering = ["-effective_from"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "effective_from", "summary", "body", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bump_content_version()

    def has_delete_permission(self, request, obj=None):
        return False
