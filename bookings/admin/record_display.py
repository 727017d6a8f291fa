"""How one consultation's record reads in the admin: its time in clinic time, its status
and course, and its screening, which only the roles that need health data see in full
(clinicians and the owner: ``bookings.view_health_record``); everyone else reads one
line saying whether a clinician must look."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import availability, selectors
from bookings.admin import phone_booking
from bookings.models import Consultation


def status_badge(consultation: Consultation):
    # The label is the text, the colour only repeats it.
    return format_html(
        '<span class="status-badge status-{}">{}</span>',
        consultation.status,
        consultation.get_status_display(),
    )


class ConsultationRecordDisplay:
    """The display fields and the health-data rule of ``ConsultationAdmin``."""

    @admin.display(description="Time (clinic)", ordering="starts_at")
    def time(self, obj):
        local = timezone.localtime(obj.starts_at, availability.clinic_tz())
        return f"{local:%a %d %b %Y, %H:%M}"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj)

    @admin.display(description="Session")
    def session_of(self, obj):
        return selectors.session_of(obj)

    @admin.display(description="Next session due")
    def next_due(self, obj):
        window = selectors.next_session_offer(obj)
        if window is None:
            return ""
        return f"{window[0]:%d %b} – {window[1]:%d %b %Y}"

    @admin.display(description="Screening", ordering="flagged")
    def screening_flag(self, obj):
        if obj.screening_pending and obj.is_active:
            return format_html('<span class="pending-badge">{}</span>', "Not yet answered")
        if obj.flagged:
            return format_html('<span class="flag-badge">{}</span>', "Review")
        return "—"

    @admin.display(description="Screening")
    def screening_summary(self, obj):
        """What Reception may know: whether a clinician must look, never the answers."""
        if obj.screening_pending:
            return phone_booking.SCREENING_PENDING
        if not obj.screening_answers:
            return "No screening questions were asked."
        if not obj.flagged:
            return "Nothing to review: every screening answer was no."
        count = len(obj.flagged_answers)
        answers = "answer" if count == 1 else "answers"
        return f"Flagged for a clinician: {count} screening {answers} to review before the visit."

    @admin.display(description="Screening answers")
    def screening(self, obj):
        if obj.screening_pending:
            return phone_booking.SCREENING_PENDING
        if not obj.screening_answers:
            return "No screening questions were asked."
        return format_html(
            '<ul class="screening-answers">{}</ul>',
            format_html_join(
                "",
                '<li class="{}"><strong>{}</strong>: {} ({})</li>',
                (
                    (
                        "screening-yes" if a.get("answer") == "yes" else "screening-no",
                        a.get("answer", "").upper(),
                        a.get("question", ""),
                        a.get("name", ""),
                    )
                    for a in obj.screening_answers
                ),
            ),
        )

    # --- health data -----------------------------------------------------------------

    HEALTH_FIELDS = ("screening", "message")

    @staticmethod
    def sees_health_record(request) -> bool:
        return request.user.has_perm("bookings.view_health_record")

    def get_fieldsets(self, request, obj=None):
        """Screening answers and the patient's message for those who need them
        (clinicians, the owner); a one-line flag for everyone else."""
        if self.sees_health_record(request):
            return self.fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "screening_summary" if field == "screening" else field
                        for field in options["fields"]
                        if field != "message"
                    ],
                },
            )
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        if self.sees_health_record(request):
            return self.readonly_fields
        return [f for f in self.readonly_fields if f not in self.HEALTH_FIELDS] + [
            "screening_summary"
        ]
