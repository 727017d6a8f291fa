"""Health records as a clinic must keep them: retention, subject access, erasure, audit.

- ``expired_consultations`` / ``consultations_anonymise``: requests whose last activity
  is older than the staff-set retention period lose the patient's details; what the clinic
  needs for statistics (treatment, time, status, flag, dates) stays.
- ``subject_access``: everything held about one email address, as data for JSON or CSV.
- ``subject_erase``: removes it, and writes an ``ErasureLog`` row that says who did it and
  how much went, never whose data it was.
- ``record_access``: the back office calls it when a consultation's record is opened.

Nothing here logs patient data: log lines carry counts and references only.
"""

import calendar
import csv
import datetime as dt
import io
import json
import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import DateTimeField, Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from bookings.models import (
    BookingSettings,
    Consultation,
    ConsultationAccess,
    ConsultationEvent,
    ConsultationNote,
    ErasureLog,
    OutboundEmail,
)
from bookings.services.courses import refresh_course
from clinic.spreadsheet import csv_safe
from treatments.models import Question

logger = logging.getLogger(__name__)

ANONYMISED_NAME = "Anonymised"


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months earlier (clamped to month end)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- retention ------------------------------------------------------------------------


def with_last_activity(queryset: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """Annotate ``last_activity``: the latest of updated_at, ends_at and the last event."""
    return queryset.annotate(
        last_event_at=Max("events__at"),
    ).annotate(
        last_activity=Greatest(
            "updated_at",
            "ends_at",
            Coalesce("last_event_at", "updated_at"),
            output_field=DateTimeField(),
        )
    )


def retention_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    now = now or timezone.now()
    return months_before(now, BookingSettings.load().retention_months)


def expired_consultations(*, now: dt.datetime | None = None) -> QuerySet[Consultation]:
    """Requests not yet anonymised whose last activity is older than the retention period."""
    cutoff = retention_cutoff(now=now)
    return (
        with_last_activity(Consultation.objects.filter(anonymised_at__isnull=True))
        .filter(last_activity__lt=cutoff)
        .order_by("pk")
    )


def consultations_anonymise(*, ids: list[int], now: dt.datetime | None = None) -> int:
    """Remove the patient's details from these consultations; return how many changed.

    In one transaction: blank name (to "Anonymised"), email, phone, message, screening
    answers and cancellation reason and set ``anonymised_at``; delete the internal notes;
    blank the events' notes; empty the recipient, bodies and attachments of the emails
    about them (a queued one is marked failed so it is never sent). Treatment, times,
    status, flag and dates stay for statistics. Rows already anonymised are skipped, so
    a repeated call changes nothing. ``updated_at`` is left alone (queryset updates).
    """
    now = now or timezone.now()
    with transaction.atomic():
        target = list(
            Consultation.objects.select_for_update()
            .filter(pk__in=ids, anonymised_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not target:
            return 0
        courses = set(
            Consultation.objects.filter(pk__in=target)
            .exclude(email="")
            .values_list("email", "treatment_id")
        )
        changed = Consultation.objects.filter(pk__in=target).update(
            full_name=ANONYMISED_NAME,
            email="",
            phone="",
            message="",
            screening_answers=[],
            cancellation_reason="",
            anonymised_at=now,
            course_sessions_done=None,
        )
        # What is left of each course (the patient's younger sessions) is counted anew.
        for email, treatment_id in courses:
            refresh_course(email, treatment_id)
        ConsultationNote.objects.filter(consultation_id__in=target).delete()
        # Events are append-only; blanking their free text is the one change the
        # retention rules allow.
        ConsultationEvent.objects.filter(consultation_id__in=target).exclude(
            note=""
        ).blank_for_retention(note="")
        _scrub_emails(OutboundEmail.objects.filter(consultation_id__in=target))
    return changed


def _scrub_emails(emails: QuerySet[OutboundEmail]) -> int:
    emails.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.FAILED, last_error="Removed under the retention rules."
    )
    return emails.update(to="", body_text="", body_html="", attachments=[])


@dataclass(frozen=True)
class PurgeResult:
    count: int
    references: list[str]


def purge_expired(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeResult:
    """Anonymise every expired request (or, with ``dry_run``, only say which)."""
    now = now or timezone.now()
    rows = list(expired_consultations(now=now).values_list("pk", "reference"))
    references = [reference for _, reference in rows]
    if dry_run or not rows:
        return PurgeResult(len(rows), references)
    count = consultations_anonymise(ids=[pk for pk, _ in rows], now=now)
    logger.info("Anonymised %s consultations past the retention period", count)
    return PurgeResult(count, references)


# --- subject access and erasure -------------------------------------------------------


@dataclass
class SubjectRecords:
    consultations: list[Consultation]
    emails: list[OutboundEmail]
    questions: list[Question]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "consultations": len(self.consultations),
            "notes": sum(len(c.notes.all()) for c in self.consultations),
            "events": sum(len(c.events.all()) for c in self.consultations),
            "emails": len(self.emails),
            "questions": len(self.questions),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.consultations or self.emails or self.questions)


def subject_records(email: str) -> SubjectRecords:
    """Everything held about one email address (compared case-insensitively).

    The consultations are looked up by the patient index (``consultation_patient_idx``:
    the email in capitals, on consultations that still have one), so finding them costs
    the same in a diary of years as in a new one; the empty email it leaves out is never
    asked for."""
    email = (email or "").strip()
    if not email:
        return SubjectRecords([], [], [])
    consultations = list(
        Consultation.objects.filter(email__iexact=email)
        .exclude(email="")
        .select_related("treatment")
        .prefetch_related("notes", "events")
        .order_by("created_at", "pk")
    )
    emails = list(
        OutboundEmail.objects.filter(
            Q(to__iexact=email) | Q(consultation__in=[c.pk for c in consultations])
        ).order_by("created_at", "pk")
    )
    questions = list(
        Question.objects.filter(asker_email__iexact=email)
        .select_related("treatment")
        .order_by("created_at", "pk")
    )
    return SubjectRecords(consultations, emails, questions)


def subject_access(email: str) -> dict:
    """The subject access export: plain data, ready for JSON."""
    records = subject_records(email)
    return {
        "generated_at": timezone.now(),
        "email": email.strip(),
        "consultations": [
            {
                "reference": c.reference,
                "treatment": c.treatment.name,
                "starts_at": c.starts_at,
                "ends_at": c.ends_at,
                "status": c.status,
                "full_name": c.full_name,
                "email": c.email,
                "phone": str(c.phone),
                "contact_preference": c.contact_preference,
                "message": c.message,
                "screening_answers": c.screening_answers,
                "flagged": c.flagged,
                "consent_version": c.consent_version,
                "consented_at": c.consented_at,
                "cancelled_by": c.cancelled_by,
                "cancellation_reason": c.cancellation_reason,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
                "notes": [{"created_at": n.created_at, "text": n.text} for n in c.notes.all()],
                "events": [
                    {
                        "at": e.at,
                        "previous_status": e.previous_status,
                        "new_status": e.new_status,
                        "note": e.note,
                    }
                    for e in c.events.all()
                ],
            }
            for c in records.consultations
        ],
        "emails": [
            {
                "created_at": m.created_at,
                "to": m.to,
                "subject": m.subject,
                "status": m.status,
                "sent_at": m.sent_at,
                "body_text": m.body_text,
            }
            for m in records.emails
        ],
        "questions": [
            {
                "created_at": q.created_at,
                "treatment": q.treatment.name,
                "question": q.question,
                "answer": q.answer,
                "asker_name": q.asker_name,
                "asker_email": q.asker_email,
            }
            for q in records.questions
        ],
    }


def subject_access_json(email: str) -> str:
    return json.dumps(subject_access(email), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def subject_access_csv(email: str) -> str:
    """One row per value: section, item, field, value (nested lists flattened)."""
    data = json.loads(subject_access_json(email))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for section in ("consultations", "emails", "questions"):
        for index, item in enumerate(data[section], start=1):
            label = item.get("reference") or str(index)
            for field, value in item.items():
                if isinstance(value, list):
                    for n, part in enumerate(value, start=1):
                        for key, sub in part.items() if isinstance(part, dict) else [("", part)]:
                            writer.writerow(
                                [section, label, f"{field}[{n}].{key}".rstrip("."), csv_safe(sub)]
                            )
                else:
                    writer.writerow([section, label, field, csv_safe(value)])
    return out.getvalue()


def subject_erase(*, email: str, actor: AbstractBaseUser) -> ErasureLog:
    """Erase what is held about one email address; return the log entry.

    In one transaction: anonymise the consultations (as the retention purge does),
    empty the recipient and bodies of every email to that address or about those
    consultations, blank the asker's name and email on patient questions, and append an
    ``ErasureLog`` row with the actor, time and counts only.
    """
    with transaction.atomic():
        records = subject_records(email)
        ids = [c.pk for c in records.consultations]
        consultations = consultations_anonymise(ids=ids) if ids else 0
        emails = _scrub_emails(OutboundEmail.objects.filter(pk__in=[m.pk for m in records.emails]))
        questions = Question.objects.filter(pk__in=[q.pk for q in records.questions]).update(
            asker_name="", asker_email=""
        )
        entry = ErasureLog(
            actor=actor, consultations=consultations, emails=emails, questions=questions
        )
        entry.save()
    logger.info(
        "Erasure %s: %s consultations, %s emails, %s questions",
        entry.pk,
        consultations,
        emails,
        questions,
    )
    return entry


# --- access trail ---------------------------------------------------------------------


def record_access(user: AbstractBaseUser, consultation: Consultation | int) -> None:
    """Append who opened this consultation's record, and when."""
    if user is None or not user.is_authenticated:
        return
    pk = consultation.pk if isinstance(consultation, Consultation) else int(consultation)
    ConsultationAccess(consultation_id=pk, user=user).save()
