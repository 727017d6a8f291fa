"""Every change to a consultation. Nothing else writes a consultation's status.

Each function is keyword-only and runs in one transaction: it locks what it changes,
guards the allowed previous states (``TransitionNotAllowed``), saves only the fields it
changed, appends a ``ConsultationEvent`` and queues the patient's email in the outbox.
The email goes out after the transaction commits (see ``bookings.emails``). Calling a
function for a state already reached changes nothing and sends nothing.
"""

import contextlib
import datetime as dt
import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.utils import timezone

from bookings import availability
from bookings.emails import (
    calendar_attachment,
    consultation_context,
    queue_consultation_email,
    queue_email,
    save_and_send_after_commit,
    send_after_commit,
)
from bookings.models import (
    BookingDay,
    Consultation,
    ConsultationEvent,
    ConsultationNote,
    OutboundEmail,
)
from clinic.models import PrivacyNotice
from treatments.models import Treatment

Status = Consultation.Status


class BookingError(Exception):
    """A booking rule refused the change; the message is safe to show a patient."""


class SlotUnavailable(BookingError):
    """The time is full (someone took the last place) or no longer bookable."""


class TransitionNotAllowed(BookingError):
    """The consultation's current status does not allow this change."""


@dataclass(frozen=True)
class ScreeningAnswer:
    contraindication_id: int | None
    name: str
    question: str
    severity: str
    answer: bool

    def as_json(self) -> dict:
        return {
            "contraindication_id": self.contraindication_id,
            "name": self.name,
            "question": self.question,
            "severity": self.severity,
            "answer": "yes" if self.answer else "no",
        }


@dataclass(frozen=True)
class RequestResult:
    consultation: Consultation
    created: bool


# --- helpers --------------------------------------------------------------------------


# The lock and the seat count run on every booking while other patients wait for the
# day's lock. They are written as SQL, which costs a tenth of building the same query
# with the ORM on each request; tests check they agree with ``availability.overlapping``.


def _db(model, field: str, value):
    return model._meta.get_field(field).get_db_prep_value(value, connection)


@functools.cache
def _lock_day_sql() -> str:
    q = connection.ops.quote_name
    table, date = q(BookingDay._meta.db_table), q(BookingDay._meta.get_field("date").column)
    # Names come from the model, values are parameters.
    return (
        f"INSERT INTO {table} ({date}) VALUES (%s) "  # noqa: S608
        f"ON CONFLICT ({date}) DO UPDATE SET {date} = excluded.{date}"
    )


def _lock_day(day: dt.date) -> None:
    """Lock the clinic day's row until the transaction ends, in one statement: an upsert
    creates the row for the day's first booking and otherwise locks the existing one
    (INSERT ... ON CONFLICT DO UPDATE takes the row lock, as SELECT FOR UPDATE would)."""
    with connection.cursor() as cursor:
        cursor.execute(_lock_day_sql(), [_db(BookingDay, "date", day)])


@functools.cache
def _seats_sql(*, with_key: bool, without_pk: bool) -> str:
    """Active consultations overlapping a time (as ``availability.overlapping``), and the
    consultation made with an idempotency key if one is given, marked 1.

    Two plain lookups joined by UNION ALL rather than one WHERE with OR: the booking
    statement is prepared once per connection, often while the table is still small, and
    PostgreSQL plans an OR across two indexes as a scan of the whole table when it
    believes the table is tiny. Each lookup alone is planned on its own index at any size."""
    q = connection.ops.quote_name
    column = {f.name: q(f.column) for f in Consultation._meta.concrete_fields}
    table = q(Consultation._meta.db_table)
    statuses = ", ".join(["%s"] * len(Consultation.ACTIVE_STATUSES))
    other = f" AND {column['id']} <> %s" if without_pk else ""
    # Names come from the model, values are parameters.
    sql = (
        f"SELECT {column['id']}, {column['seat']}, 0 FROM {table} "  # noqa: S608
        f"WHERE {column['status']} IN ({statuses}) AND {column['starts_at']} < %s "
        f"AND {column['starts_at']} > %s AND {column['ends_at']} > %s{other}"
    )
    if with_key:
        key = column["idempotency_key"]
        sql += (
            f" AND {key} IS DISTINCT FROM %s UNION ALL "  # noqa: S608
            f"SELECT {column['id']}, {column['seat']}, 1 FROM {table} WHERE {key} = %s{other}"
        )
    return sql


def _seat_params(
    *,
    rules: availability.Rules,
    starts_at: dt.datetime,
    idempotency_key: uuid.UUID | None = None,
    exclude_pk: int | None = None,
) -> list:
    """The parameters of ``_seats_sql`` for this time, key and left-out consultation."""
    end = starts_at + rules.length + rules.buffer
    other = [exclude_pk] if exclude_pk is not None else []
    params = [*Consultation.ACTIVE_STATUSES]
    params += [
        _db(Consultation, "starts_at", moment)
        for moment in (end, starts_at - rules.buffer - availability.LONGEST)
    ]
    params.append(_db(Consultation, "ends_at", starts_at - rules.buffer))
    params += other
    if idempotency_key:
        key = _db(Consultation, "idempotency_key", idempotency_key)
        params += [key, key, *other]
    return params


def _seat_rows(
    *,
    rules: availability.Rules,
    starts_at: dt.datetime,
    idempotency_key: uuid.UUID | None = None,
    exclude_pk: int | None = None,
) -> list[tuple[int, int, int]]:
    """(pk, seat, 1 if made with ``idempotency_key`` else 0) for each active consultation
    overlapping ``starts_at`` and for the one made with the key."""
    params = _seat_params(
        rules=rules, starts_at=starts_at, idempotency_key=idempotency_key, exclude_pk=exclude_pk
    )
    sql = _seats_sql(with_key=bool(idempotency_key), without_pk=exclude_pk is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _claim_seat(
    *,
    rules: availability.Rules,
    starts_at: dt.datetime,
    idempotency_key: uuid.UUID | None = None,
    exclude_pk: int | None = None,
) -> tuple[int | None, Consultation | None]:
    """Inside the day's lock: a free seat for ``starts_at``, or the consultation already
    made with this idempotency key. Raises SlotUnavailable when every place is taken."""
    rows = _seat_rows(
        rules=rules, starts_at=starts_at, idempotency_key=idempotency_key, exclude_pk=exclude_pk
    )
    seats = set()
    for pk, seat, same_key in rows:
        if same_key:
            return None, Consultation.objects.select_related("treatment").get(pk=pk)
        seats.add(seat)
    if len(seats) >= rules.capacity:
        raise SlotUnavailable("That time was just taken.")
    seat = next(n for n in range(1, rules.capacity + 1) if n not in seats)
    return seat, None


@functools.cache
def _insert_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


# Columns a new request's rows take from the statement itself rather than from Python.
_FROM_STATEMENT = {
    Consultation: {"seat": "free.seat"},
    ConsultationEvent: {"consultation": "new_consultation.id"},
    OutboundEmail: {"consultation": "new_consultation.id"},
}


@functools.cache
def _new_request_sql(*, emails: int, with_key: bool) -> str:
    """A new request in one PostgreSQL statement, run once the clinic day is locked:
    find the consultation made earlier with the idempotency key, or else the lowest free
    seat, and only with a seat write the consultation, its first event and its emails.
    Rows out: (kind, id, seat), kind 0 the consultation, 1 the event, 2 + n the n-th
    email, -1 the earlier consultation; none when the time is full."""
    q = connection.ops.quote_name

    def insert(name: str, model, source: str, returning: str = "") -> str:
        given = _FROM_STATEMENT[model]
        fields = _insert_fields(model)
        columns = ", ".join(q(f.column) for f in fields)
        row = ", ".join(given.get(f.name, "%s") for f in fields)
        return (
            f"{name} AS (INSERT INTO {q(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {row} FROM {source} RETURNING {q('id')} AS id{returning})"
        )

    seat = q(Consultation._meta.get_field("seat").column)
    writes = [
        insert("new_consultation", Consultation, "free", returning=f", {seat} AS seat"),
        insert("new_event", ConsultationEvent, "new_consultation"),
    ]
    writes += [insert(f"new_email_{n}", OutboundEmail, "new_consultation") for n in range(emails)]
    rows = [
        "SELECT -1, id, NULL FROM earlier",
        "SELECT 0, id, seat FROM new_consultation",
        "SELECT 1, id, NULL FROM new_event",
    ]
    rows += [f"SELECT {2 + n}, id, NULL FROM new_email_{n}" for n in range(emails)]  # noqa: S608
    parts = [
        f"taken (id, seat, same_key) AS ({_seats_sql(with_key=with_key, without_pk=False)})",
        "earlier AS (SELECT id FROM taken WHERE same_key = 1 LIMIT 1)",
        "free AS (SELECT n AS seat FROM generate_series(1, %s) AS n "
        "WHERE NOT EXISTS (SELECT 1 FROM earlier) "
        "AND (SELECT count(DISTINCT seat) FROM taken WHERE same_key = 0) < %s "
        "AND n NOT IN (SELECT seat FROM taken WHERE same_key = 0) ORDER BY n LIMIT 1)",
        *writes,
    ]
    # Names come from the models, values are parameters.
    return f"WITH {', '.join(parts)} {' UNION ALL '.join(rows)}"


# Fields whose value the ORM sends as it is when it already has this type (or is None):
# no pre_save behaviour, and their get_db_prep_save returns such a value unchanged.
_SENT_AS_IS = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
}


@functools.cache
def _value_plan(model) -> list[tuple[models.Field, str, type | None]]:
    given = _FROM_STATEMENT[model]
    return [
        (f, f.attname, _SENT_AS_IS.get(type(f)))
        for f in _insert_fields(model)
        if f.name not in given
    ]


def _values(obj) -> list:
    """The row ``obj`` would insert, as the ORM prepares it (defaults and auto_now set),
    less the columns the statement fills in."""
    db = connections[DEFAULT_DB_ALIAS]
    values = []
    for field, attname, as_is in _value_plan(type(obj)):
        value = getattr(obj, attname)
        if as_is is None or not (value is None or type(value) is as_is):
            value = field.get_db_prep_save(field.pre_save(obj, True), db)
        values.append(value)
    return values


def _saved(obj, pk: int) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def _book_in_one_statement(
    consultation: Consultation,
    event: ConsultationEvent,
    emails: list[OutboundEmail],
    *,
    rules: availability.Rules,
    day: dt.date,
) -> Consultation | None:
    """PostgreSQL: save a new request's rows (``consultation`` gets its seat), or return
    the consultation made earlier with the same idempotency key. Raises SlotUnavailable
    when the time is full.

    One message holds two statements: the day's lock, then the booking as a statement
    prepared once per connection. Each statement reads with its own snapshot, taken
    after the lock is granted, so the count sees every booking committed before. In
    autocommit the message is its own transaction: the lock is held for the statement
    only, not while Python works, and a booking costs one round trip instead of four
    (BEGIN, lock and count, insert, COMMIT)."""
    key = consultation.idempotency_key
    params = [_db(BookingDay, "date", day)]
    params += _seat_params(rules=rules, starts_at=consultation.starts_at, idempotency_key=key)
    params += [rules.capacity, rules.capacity]
    params += _values(consultation) + _values(event)
    for email in emails:
        params += _values(email)
    name = f"clinic_new_request_{len(emails)}_{int(bool(key))}"
    sql = _new_request_sql(emails=len(emails), with_key=bool(key))
    # Inside a caller's transaction, a savepoint keeps a refused insert from ending it.
    savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with savepoint, connection.cursor() as cursor:
        connection.execute_prepared(cursor, name, sql, params, before=f"{_lock_day_sql()}; ")
        rows = {kind: (pk, seat) for kind, pk, seat in cursor.fetchall()}
    if -1 in rows:
        return Consultation.objects.select_related("treatment").get(pk=rows[-1][0])
    if 0 not in rows:
        raise SlotUnavailable("That time was just taken.")
    consultation.seat = rows[0][1]
    _saved(consultation, rows[0][0])
    event.consultation = consultation
    _saved(event, rows[1][0])
    for n, email in enumerate(emails):
        email.consultation = consultation
        _saved(email, rows[2 + n][0])
    return None


def _book_with_orm(
    consultation: Consultation,
    event: ConsultationEvent,
    emails: list[OutboundEmail],
    *,
    rules: availability.Rules,
    day: dt.date,
) -> Consultation | None:
    """``_book_in_one_statement`` for other databases, in a transaction."""
    with transaction.atomic():
        _lock_day(day)
        consultation.seat, existing = _claim_seat(
            rules=rules,
            starts_at=consultation.starts_at,
            idempotency_key=consultation.idempotency_key,
        )
        if existing is not None:
            return existing
        consultation.save(force_insert=True)
        event.consultation = consultation
        event.save(force_insert=True)
        for email in emails:
            email.consultation = consultation
        OutboundEmail.objects.bulk_create(emails)
    return None


def _event(
    consultation: Consultation,
    *,
    previous: str,
    actor: AbstractBaseUser | None,
    note: str = "",
) -> ConsultationEvent:
    """The history row for a change just made to ``consultation`` (not saved)."""
    return ConsultationEvent(
        consultation=consultation,
        actor=actor if actor is not None and actor.is_authenticated else None,
        previous_status=previous,
        new_status=consultation.status,
        note=note[:500],
    )


def _log(
    consultation: Consultation, *, previous: str, actor: AbstractBaseUser | None, note: str = ""
) -> ConsultationEvent:
    event = _event(consultation, previous=previous, actor=actor, note=note)
    event.save()
    return event


def _patient_email(consultation: Consultation, template: str, subject: str) -> OutboundEmail:
    """The patient's email; a confirmed time comes with a calendar file."""
    attachments = []
    if consultation.status == Status.CONFIRMED:
        attachments.append(calendar_attachment(consultation))
    return queue_email(
        to=consultation.email,
        subject=f"{subject} ({consultation.reference})",
        template=template,
        context=consultation_context(consultation),
        consultation=consultation,
        attachments=attachments,
    )


def _locked(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update().select_related("treatment").get(pk=consultation.pk)
    )


def _refresh(target: Consultation, source: Consultation) -> Consultation:
    """Copy the saved state back onto the caller's instance."""
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- creating -------------------------------------------------------------------------


def consultation_request(
    *,
    treatment: Treatment,
    starts_at: dt.datetime,
    full_name: str,
    email: str,
    phone: str,
    contact_preference: str,
    screening_answers: Sequence[ScreeningAnswer] = (),
    message: str = "",
    idempotency_key: uuid.UUID | None = None,
    rules: availability.Rules | None = None,
    now: dt.datetime | None = None,
    privacy_notice: PrivacyNotice | None = None,
) -> RequestResult:
    """A patient asks for a consultation: hold the time (status pending).

    In one transaction: lock the clinic day, return the earlier request if this
    idempotency key was used already, refuse when the time is full (``SlotUnavailable``),
    save the request with its screening snapshot and privacy consent, log it, and queue
    the patient's acknowledgement and the clinic's alert. Both emails are sent after
    commit; the unique (start, seat) constraint backs up the lock. ``privacy_notice``:
    the notice in force, if the caller has it (otherwise it is looked up).
    """
    now = now or timezone.now()
    rules = rules or availability.load_rules()
    if timezone.is_naive(starts_at):
        raise SlotUnavailable("That time is not one we can offer.")
    if not availability.is_bookable_start(rules, starts_at, now):
        raise SlotUnavailable("That time is no longer available.")
    day = timezone.localdate(starts_at, availability.clinic_tz())
    answers = [a.as_json() for a in screening_answers]
    # Read before taking the day's lock, which other patients may be waiting for.
    notice = privacy_notice or PrivacyNotice.current(now=now)
    consultation = Consultation(
        treatment=treatment,
        starts_at=starts_at,
        ends_at=starts_at + rules.length,
        status=Status.PENDING,
        full_name=full_name,
        email=email,
        phone=phone,
        contact_preference=contact_preference,
        message=message,
        screening_answers=answers,
        flagged=any(a["answer"] == "yes" for a in answers),
        consent_version=notice.version if notice else "",
        consented_at=now,
        idempotency_key=idempotency_key,
    )
    event = _event(consultation, previous="", actor=None, note="Requested online.")
    emails = [
        queue_consultation_email(
            consultation=consultation,
            to=consultation.email,
            subject=f"We have your consultation request ({consultation.reference})",
            template="consultation_requested",
        ),
        queue_consultation_email(
            consultation=consultation,
            to=settings.CLINIC_STAFF_EMAIL,
            subject=f"New consultation request {consultation.reference}",
            template="staff_new_request",
        ),
    ]
    book = _book_in_one_statement if connection.vendor == "postgresql" else _book_with_orm
    try:
        existing = book(consultation, event, emails, rules=rules, day=day)
    except IntegrityError as exc:
        # The constraint caught what the lock should have: a duplicate key or a seat
        # taken at the same instant (also a reference clash, one in hundreds of millions).
        if idempotency_key is not None:
            earlier = (
                Consultation.objects.filter(idempotency_key=idempotency_key)
                .select_related("treatment")
                .first()
            )
            if earlier is not None:
                return RequestResult(earlier, created=False)
        raise SlotUnavailable("That time was just taken.") from exc
    if existing is not None:
        return RequestResult(existing, created=False)
    # After commit: at once in autocommit, else when the caller's transaction commits.
    availability.bookings_changed()
    send_after_commit(emails)
    return RequestResult(consultation, created=True)


# --- transitions ----------------------------------------------------------------------


def _transition(
    *,
    consultation: Consultation,
    allowed: Sequence[str],
    target: str | Callable[[str], str],
    actor: AbstractBaseUser | None,
    note: str,
    email: tuple[str, str] | None | Callable[[str], tuple[str, str] | None],
    extra_fields: dict | None = None,
    needs_seat: bool = False,
    noop: Sequence[str] = (),
) -> Consultation:
    with transaction.atomic():
        if needs_seat:
            _lock_day(timezone.localdate(consultation.starts_at, availability.clinic_tz()))
        current = _locked(consultation)
        if callable(target):
            target = target(current.status)
        if current.status == target or current.status in noop:
            return _refresh(consultation, current)
        if current.status not in allowed:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} "
                f"cannot become {Status(target).label.lower()}."
            )
        previous = current.status
        fields = ["status", "updated_at"]
        if needs_seat:
            rules = availability.load_rules()
            seat, _ = _claim_seat(rules=rules, starts_at=current.starts_at, exclude_pk=current.pk)
            current.seat = seat
            fields.append("seat")
        for name, value in (extra_fields or {}).items():
            setattr(current, name, value)
            fields.append(name)
        current.status = target
        current.save(update_fields=fields)
        availability.bookings_changed()
        _log(current, previous=previous, actor=actor, note=note)
        if callable(email):
            email = email(previous)
        if email is not None:
            save_and_send_after_commit([_patient_email(current, *email)])
    return _refresh(consultation, current)


def consultation_confirm(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Pending → confirmed; emails the patient their confirmed time."""
    return _transition(
        consultation=consultation,
        allowed=[Status.PENDING],
        target=Status.CONFIRMED,
        actor=actor,
        note=note,
        email=("consultation_confirmed", "Your consultation is confirmed"),
    )


def consultation_decline(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Pending → declined (a clinician judged the treatment unsuitable); frees the time
    and emails the patient that the clinic will call them."""
    return _transition(
        consultation=consultation,
        allowed=[Status.PENDING],
        target=Status.DECLINED,
        actor=actor,
        note=note,
        email=("consultation_declined", "About your consultation request"),
    )


def consultation_cancel(
    *,
    consultation: Consultation,
    reason: str,
    by: str = Consultation.CancelledBy.CLINIC,
    actor: AbstractBaseUser | None = None,
) -> Consultation:
    """Pending or confirmed → cancelled, by the patient or the clinic, with a reason;
    frees the time and emails the patient."""
    if by not in Consultation.CancelledBy.values:
        raise ValueError(f"Unknown canceller: {by!r}")
    return _transition(
        consultation=consultation,
        allowed=[Status.PENDING, Status.CONFIRMED],
        target=Status.CANCELLED,
        actor=actor,
        note=reason,
        email=("consultation_cancelled", "Your consultation is cancelled"),
        extra_fields={"cancelled_by": by, "cancellation_reason": reason[:300]},
    )


def consultation_complete(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Confirmed → completed. Emails the patient the treatment's aftercare instructions
    (and, for a course, an invitation to book the next session)."""
    return _transition(
        consultation=consultation,
        allowed=[Status.CONFIRMED],
        target=Status.COMPLETED,
        actor=actor,
        note=note,
        email=("consultation_completed", "Your aftercare instructions"),
    )


def consultation_mark_no_show(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Confirmed → no show. No email."""
    return _transition(
        consultation=consultation,
        allowed=[Status.CONFIRMED],
        target=Status.NO_SHOW,
        actor=actor,
        note=note,
        email=None,
    )


def consultation_reinstate(
    *, consultation: Consultation, actor: AbstractBaseUser | None = None, note: str = ""
) -> Consultation:
    """Undo a cancellation, decline or no-show. Cancelled or declined → pending (staff
    confirm it again), no show → confirmed. The time must still have a free place
    (``SlotUnavailable`` otherwise). A consultation already active is left as it is."""

    def target(status: str) -> str:
        return Status.CONFIRMED if status == Status.NO_SHOW else Status.PENDING

    return _transition(
        consultation=consultation,
        allowed=[Status.CANCELLED, Status.DECLINED, Status.NO_SHOW],
        target=target,
        actor=actor,
        note=note,
        # Undoing a no-show is a correction of the records: the patient hears nothing.
        email=lambda previous: (
            None
            if previous == Status.NO_SHOW
            else ("consultation_reinstated", "Your consultation is back in our diary")
        ),
        extra_fields={"cancelled_by": "", "cancellation_reason": ""},
        needs_seat=True,
        noop=Consultation.ACTIVE_STATUSES,
    )


def consultation_reschedule(
    *,
    consultation: Consultation,
    starts_at: dt.datetime,
    actor: AbstractBaseUser | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    enforce_booking_window: bool = False,
) -> Consultation:
    """Move a pending or confirmed consultation to another time, under the same capacity
    rules as a new request (``SlotUnavailable`` when full). Staff may choose any time in
    opening hours; with ``enforce_booking_window`` the patient's notice and days-ahead
    limits apply too. Emails the patient the new time. The same time is a no-op."""
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        raise SlotUnavailable("Give the new time with its time zone.")
    rules = availability.load_rules()
    local = timezone.localtime(starts_at, availability.clinic_tz())
    if enforce_booking_window:
        if not availability.is_bookable_start(rules, starts_at, now):
            raise SlotUnavailable("That time is not available.")
    elif starts_at <= now or local not in availability.day_starts(rules, local.date()):
        raise SlotUnavailable("Choose a future time within opening hours.")
    days = sorted(
        {
            timezone.localdate(consultation.starts_at, availability.clinic_tz()),
            local.date(),
        }
    )
    with transaction.atomic():
        for day in days:  # always in date order, so two moves cannot deadlock
            _lock_day(day)
        current = _locked(consultation)
        if current.starts_at == starts_at:
            return _refresh(consultation, current)
        if current.status not in Consultation.ACTIVE_STATUSES:
            raise TransitionNotAllowed(
                f"A consultation that is {current.get_status_display().lower()} cannot be moved."
            )
        seat, _ = _claim_seat(rules=rules, starts_at=starts_at, exclude_pk=current.pk)
        previous_start = current.starts_at
        current.starts_at = starts_at
        current.ends_at = starts_at + rules.length
        current.seat = seat
        # A new time deserves its own reminder.
        current.reminder_sent_at = None
        current.save(
            update_fields=["starts_at", "ends_at", "seat", "reminder_sent_at", "updated_at"]
        )
        availability.bookings_changed()
        tz = availability.clinic_tz()
        moved = (
            f"Moved from {timezone.localtime(previous_start, tz):%a %d %b %Y %H:%M} "
            f"to {local:%a %d %b %Y %H:%M}."
        )
        _log(current, previous=current.status, actor=actor, note=f"{moved} {note}".strip())
        save_and_send_after_commit(
            [_patient_email(current, "consultation_rescheduled", "Your consultation has moved")]
        )
    return _refresh(consultation, current)


def consultation_add_note(
    *, consultation: Consultation, author: AbstractBaseUser | None, text: str
) -> ConsultationNote:
    """An internal staff note. No email."""
    text = text.strip()
    if not text:
        raise ValueError("A note needs some text.")
    note = ConsultationNote(consultation=consultation, author=author, text=text)
    note.full_clean()
    note.save()
    return note
