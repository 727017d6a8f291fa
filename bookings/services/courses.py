"""Which session of each patient's course waits for the next one.

A course is a patient's consultations for one treatment (their email in any case). Its
latest completed session, when nothing pending or confirmed comes after it, carries the
number of sessions completed so far in ``Consultation.course_sessions_done``; every
other row has none. The overdue list reads only those rows, through a partial index,
so it costs the same with years of diary as with a few weeks
(``bookings.selectors.overdue_consultations``). Whether a course is finished, and how
long the gap may be, are the treatment's and are read with the list, so a change to
the treatment needs no rewrite here.

The services refresh a course in the transaction that changes one of its sessions (a
request, a status change, a move, an email corrected, details removed under the
retention rules). Two changes to one patient's course at the same instant could leave
the mark on the wrong session; the daily retention pass (``purge_expired``) recomputes
every course with ``refresh_all_courses``, so such a slip lasts a day at most.
"""

from collections.abc import Iterable
from itertools import groupby

from django.db.models import QuerySet
from django.db.models.functions import Upper

from bookings.models import Consultation

Status = Consultation.Status
COUNTED = (Status.COMPLETED, *Consultation.ACTIVE_STATUSES)
BATCH = 2000


def awaiting_next(rows: Iterable[tuple[int, str, object]]) -> tuple[int, int] | None:
    """(pk, sessions completed) of the session that waits for the course's next one,
    from the course's (pk, status, starts_at) rows; None when nothing is completed or
    a pending or confirmed session comes after the latest completed one."""
    rows = list(rows)
    completed = [(starts_at, pk) for pk, status, starts_at in rows if status == Status.COMPLETED]
    if not completed:
        return None
    last_at, last_pk = max(completed)
    later = any(
        status != Status.COMPLETED and starts_at > last_at for _pk, status, starts_at in rows
    )
    return None if later else (last_pk, len(completed))


def _mark(consultations: QuerySet, course: QuerySet, latest: tuple[int, int] | None) -> None:
    keep = latest[0] if latest else None
    course.filter(course_sessions_done__isnull=False).exclude(pk=keep).update(
        course_sessions_done=None
    )
    if latest:
        consultations.filter(pk=keep).exclude(course_sessions_done=latest[1]).update(
            course_sessions_done=latest[1]
        )


def refresh_course(email: str, treatment_id: int) -> None:
    """Recompute one course after a change to one of its sessions (three small queries
    through the patient index)."""
    if not email:
        return
    course = (
        Consultation.objects.annotate(patient=Upper("email"))
        .filter(patient=email.upper(), treatment_id=treatment_id)
        .exclude(email="")
    )
    rows = course.filter(status__in=COUNTED).values_list("pk", "status", "starts_at")
    _mark(Consultation.objects, course, awaiting_next(rows))


def booked_in_course(consultation: Consultation) -> None:
    """A new pending session: the course's earlier completed one no longer waits for
    the next (one update through the patient index, nothing to read)."""
    if not consultation.email:
        return
    Consultation.objects.annotate(patient=Upper("email")).filter(
        patient=consultation.email.upper(),
        treatment_id=consultation.treatment_id,
        course_sessions_done__isnull=False,
        starts_at__lt=consultation.starts_at,
    ).exclude(email="").update(course_sessions_done=None)


def refresh_all_courses(consultations: QuerySet | None = None) -> int:
    """Recompute every course (the daily pass, and the migration that added the mark):
    one read of the consultations that still have an email, in course order, then the
    marks that changed, in batches. Returns how many sessions wait for a next one."""
    consultations = Consultation.objects.all() if consultations is None else consultations
    rows = (
        consultations.exclude(email="")
        .filter(status__in=[str(s) for s in COUNTED])
        .annotate(patient=Upper("email"))
        .order_by("patient", "treatment_id", "starts_at", "pk")
        .values_list("patient", "treatment_id", "pk", "status", "starts_at")
        .iterator(chunk_size=BATCH)
    )
    waiting: dict[int, int] = {}
    for _course, sessions in groupby(rows, key=lambda row: (row[0], row[1])):
        latest = awaiting_next(row[2:] for row in sessions)
        if latest:
            waiting[latest[0]] = latest[1]
    marked = dict(
        consultations.filter(course_sessions_done__isnull=False).values_list(
            "pk", "course_sessions_done"
        )
    )
    stale = [pk for pk in marked if pk not in waiting]
    for start in range(0, len(stale), BATCH):
        consultations.filter(pk__in=stale[start : start + BATCH]).update(course_sessions_done=None)
    changed = [(pk, done) for pk, done in waiting.items() if marked.get(pk) != done]
    for start in range(0, len(changed), BATCH):
        for done, batch in groupby(
            sorted(changed[start : start + BATCH], key=lambda row: row[1]), key=lambda r: r[1]
        ):
            consultations.filter(pk__in=[pk for pk, _ in batch]).update(course_sessions_done=done)
    return len(waiting)
