"""The outbox: every email the site sends, its attempts and errors, a way to send the
stuck ones again now, and previews of each email with sample details."""

from functools import partial

from django.contrib import admin, messages
from django.urls import path
from django.utils import timezone

from bookings.admin import previews
from bookings.emails import send_due
from bookings.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    fields = [
        "to",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
        "consultation",
        "template",
        "body_text",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected emails again now", permissions=["change"])
    def retry_now(self, request, queryset):
        """Sent emails are never sent twice; emails emptied under the retention rules
        (no recipient left) cannot be."""
        unsent = queryset.exclude(status=OutboundEmail.Status.SENT)
        emptied = unsent.filter(to="").count()
        ids = list(unsent.exclude(to="").values_list("pk", flat=True))
        OutboundEmail.objects.filter(pk__in=ids).update(
            status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now()
        )
        sent, failed = send_due(ids=ids)
        self.message_user(request, f"Sent {sent}, still waiting {failed}.")
        if emptied:
            self.message_user(
                request,
                f"Skipped {emptied}: emptied under the retention rules, nothing left to send.",
                messages.WARNING,
            )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(partial(view, model_admin=self))

        info = "bookings_outboundemail"
        return [
            path("previews/", wrap(previews.email_previews), name=f"{info}_previews"),
            path("previews/<slug:name>/", wrap(previews.email_preview), name=f"{info}_preview"),
            *super().get_urls(),
        ]
