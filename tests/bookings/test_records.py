"""Retention, consent records, subject access and erasure."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from bookings import records, services
from bookings.models import (
    BookingSettings,
    Consultation,
    ConsultationAccess,
    ConsultationEvent,
    ConsultationNote,
    ErasureLog,
    OutboundEmail,
)
from clinic.models import PrivacyNotice
from tests.factories import ConsultationFactory, TreatmentFactory, UserFactory
from treatments.models import Question

PATIENT = "ayesha@example.com"


@pytest.fixture
def request_for(treatment, privacy_notice, first_free):
    def make(index=0, email=PATIENT, **extra):
        return services.consultation_request(
            treatment=treatment,
            starts_at=first_free(index),
            full_name="Ayesha Khan",
            email=email,
            phone="+923001234567",
            contact_preference="phone",
            message="Acne scars on my cheeks.",
            screening_answers=[
                services.ScreeningAnswer(1, "Pregnancy", "Are you pregnant?", "rules_out", True)
            ],
            **extra,
        ).consultation

    return make


def _age(consultation, *, months):
    """Move a request's whole history `months` into the past."""
    past = records.months_before(timezone.now(), months)
    Consultation.objects.filter(pk=consultation.pk).update(
        updated_at=past, created_at=past, starts_at=past, ends_at=past + dt.timedelta(minutes=30)
    )
    # The history refuses changes, so time passing is simulated below its manager.
    QuerySet(ConsultationEvent).filter(consultation=consultation).update(at=past)


# --- consent --------------------------------------------------------------------------


def test_each_request_records_the_notice_version_and_time(request_for):
    before = timezone.now()
    consultation = request_for()
    assert consultation.consent_version == "2026-11"
    assert before <= consultation.consented_at <= timezone.now()


def test_a_new_notice_version_applies_to_new_requests_and_old_ones_keep_theirs(
    request_for, django_capture_on_commit_callbacks
):
    old = request_for(0)
    with django_capture_on_commit_callbacks(execute=True):
        PrivacyNotice.objects.create(
            version="2027-01",
            effective_from=timezone.now() - dt.timedelta(minutes=1),
            summary="Updated.",
            body="## Changes",
        )
    new = request_for(1, email="bilal@example.com")
    old.refresh_from_db()
    assert new.consent_version == "2027-01"
    assert old.consent_version == "2026-11"


def test_a_notice_scheduled_for_later_applies_from_its_start_without_any_save(
    request_for, first_free, django_capture_on_commit_callbacks
):
    takes_over = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        PrivacyNotice.objects.create(
            version="2027-02", effective_from=takes_over, summary="Later.", body="## Later"
        )
    assert request_for(0).consent_version == "2026-11"
    assert PrivacyNotice.current(now=takes_over - dt.timedelta(seconds=1)).version == "2026-11"
    assert PrivacyNotice.current(now=takes_over).version == "2027-02"
    later = request_for(1, email="bilal@example.com", now=takes_over)
    assert later.consent_version == "2027-02"


def test_the_privacy_page_shows_a_scheduled_notice_once_it_applies(
    client, privacy_notice, django_capture_on_commit_callbacks, monkeypatch
):
    takes_over = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        PrivacyNotice.objects.create(
            version="2027-02", effective_from=takes_over, summary="Later.", body="## Later"
        )
    assert "2026-11" in client.get("/privacy/").content.decode()
    monkeypatch.setattr(timezone, "now", lambda: takes_over + dt.timedelta(seconds=1))
    page = client.get("/privacy/").content.decode()
    assert "2027-02" in page
    assert "Later." in page


# --- retention ------------------------------------------------------------------------


def test_months_before_clamps_to_the_end_of_the_month():
    moment = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert records.months_before(moment, 1) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert records.months_before(moment, 24) == dt.datetime(2024, 3, 31, 12, tzinfo=dt.UTC)
    assert records.months_before(moment, 3) == dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC)


def test_retention_defaults_to_24_months(db):
    assert BookingSettings.load().retention_months == 24


def test_purge_anonymises_only_requests_past_the_retention_period(request_for, capsys):
    old = request_for(0)
    ConsultationNote.objects.create(
        consultation=old, author=UserFactory(), text="Patient has rosacea."
    )
    recent = request_for(1, email="bilal@example.com")
    _age(old, months=25)
    _age(recent, months=23)

    call_command("purge_expired")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.anonymised_at is not None
    assert old.full_name == "Anonymised"
    assert old.email == "" and str(old.phone) == "" and old.message == ""
    assert old.screening_answers == []
    assert not ConsultationNote.objects.filter(consultation=old).exists()
    assert set(old.events.values_list("note", flat=True)) == {""}
    assert set(OutboundEmail.objects.filter(consultation=old).values_list("to", "body_text")) == {
        ("", "")
    }
    # kept for statistics
    assert old.treatment_id and old.status == "pending" and old.flagged is True
    assert old.created_at and old.starts_at
    assert recent.anonymised_at is None and recent.full_name == "Ayesha Khan"
    out = capsys.readouterr().out
    assert "Anonymised 1 request" in out and old.reference in out
    assert "Ayesha" not in out and PATIENT not in out


def test_recent_activity_keeps_an_old_request(request_for):
    consultation = request_for()
    _age(consultation, months=30)
    ConsultationEvent.objects.create(
        consultation=consultation, previous_status="pending", new_status="pending"
    )
    assert records.purge_expired().count == 0


def test_staff_set_the_retention_period(request_for):
    consultation = request_for()
    _age(consultation, months=7)
    assert records.purge_expired(dry_run=True).count == 0
    BookingSettings.objects.update(retention_months=6)
    assert records.purge_expired(dry_run=True).references == [consultation.reference]


def test_dry_run_changes_nothing_and_names_no_patient(request_for, capsys):
    consultation = request_for()
    _age(consultation, months=25)
    call_command("purge_expired", "--dry-run")
    out = capsys.readouterr().out
    assert "Would anonymise 1 request" in out and consultation.reference in out
    assert "Ayesha" not in out and PATIENT not in out and "0300" not in out
    consultation.refresh_from_db()
    assert consultation.anonymised_at is None and consultation.full_name == "Ayesha Khan"


def test_purge_is_idempotent(request_for, capsys):
    consultation = request_for()
    _age(consultation, months=25)
    call_command("purge_expired")
    consultation.refresh_from_db()
    first = consultation.anonymised_at
    call_command("purge_expired")
    assert "Anonymised 0 request" in capsys.readouterr().out
    consultation.refresh_from_db()
    assert consultation.anonymised_at == first
    assert records.consultations_anonymise(ids=[consultation.pk]) == 0


def test_an_anonymised_request_still_validates_and_counts(request_for):
    consultation = request_for()
    _age(consultation, months=25)
    records.purge_expired()
    consultation.refresh_from_db()
    assert Consultation.objects.filter(flagged=True).count() == 1
    assert str(consultation) == consultation.reference


# --- subject access and erasure -------------------------------------------------------


@pytest.fixture
def patient_data(request_for):
    first = request_for(0)
    second = request_for(1, email=PATIENT.upper())
    ConsultationNote.objects.create(
        consultation=first, author=UserFactory(), text="Patient has rosacea."
    )
    other = request_for(2, email="bilal@example.com")
    treatment = TreatmentFactory()
    question = Question.objects.create(
        treatment=treatment,
        question="Is it safe while breastfeeding?",
        source="patient",
        asker_name="Ayesha",
        asker_email=PATIENT,
    )
    return {"consultations": [first, second], "other": other, "question": question}


def test_subject_access_finds_everything_held_about_one_address(patient_data):
    data = records.subject_access(PATIENT)
    assert sorted(c["reference"] for c in data["consultations"]) == sorted(
        c.reference for c in patient_data["consultations"]
    )
    first = next(c for c in data["consultations"] if c["notes"])
    assert first["notes"][0]["text"] == "Patient has rosacea."
    assert first["events"][0]["new_status"] == "pending"
    assert first["screening_answers"][0]["answer"] == "yes"
    assert first["phone"] == "+923001234567"
    assert {m["to"] for m in data["emails"]} >= {PATIENT}
    assert data["questions"][0]["question"] == "Is it safe while breastfeeding?"
    assert "bilal" not in json.dumps(data, default=str)


def test_subject_access_exports_json_and_csv(patient_data):
    exported = json.loads(records.subject_access_json(PATIENT))
    assert len(exported["consultations"]) == 2
    csv_text = records.subject_access_csv(PATIENT)
    assert csv_text.startswith("section,item,field,value")
    assert "Patient has rosacea." in csv_text
    assert "'+923001234567" in csv_text  # formula-safe


def test_erasure_removes_the_patient_and_logs_only_counts(patient_data):
    staff = UserFactory()
    entry = records.subject_erase(email=PATIENT, actor=staff)

    for consultation in patient_data["consultations"]:
        consultation.refresh_from_db()
        assert consultation.full_name == "Anonymised" and consultation.email == ""
        assert consultation.anonymised_at is not None
    assert not OutboundEmail.objects.filter(to__iexact=PATIENT).exists()
    question = Question.objects.get(pk=patient_data["question"].pk)
    assert question.asker_email == "" and question.asker_name == ""
    assert question.question  # the question itself stays for the FAQ
    other = patient_data["other"]
    other.refresh_from_db()
    assert other.full_name == "Ayesha Khan" and other.email == "bilal@example.com"
    assert records.subject_records(PATIENT).is_empty

    assert (entry.actor, entry.consultations, entry.emails, entry.questions) == (staff, 2, 4, 1)
    stored = json.dumps(list(ErasureLog.objects.values()), default=str).lower()
    assert "ayesha" not in stored and "example.com" not in stored
    for consultation in patient_data["consultations"]:
        assert consultation.reference.lower() not in stored


def test_erasure_log_and_access_trail_are_append_only(patient_data):
    staff = UserFactory()
    entry = records.subject_erase(email=PATIENT, actor=staff)
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    records.record_access(staff, patient_data["other"])
    access = ConsultationAccess.objects.get()
    assert access.user == staff and access.consultation == patient_data["other"]
    access.at = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        access.save()
    with pytest.raises(ValidationError):
        access.delete()
    assert ConsultationAccess.objects.count() == 1


def test_factory_consultations_can_be_anonymised(db):
    consultation = ConsultationFactory()
    assert records.consultations_anonymise(ids=[consultation.pk]) == 1
