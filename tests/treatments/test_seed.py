import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from treatments.models import Contraindication, Treatment
from treatments.seed import SLUG, ensure_microneedling
from treatments.selectors import screening_questions


@pytest.mark.django_db
def test_fresh_install_has_microneedling_with_every_part(microneedling):
    assert microneedling.is_published
    assert microneedling.price_from_pkr is None
    assert (microneedling.sessions_min, microneedling.sessions_max) == (3, 6)
    assert (microneedling.weeks_between_min, microneedling.weeks_between_max) == (4, 6)
    assert (microneedling.session_minutes_min, microneedling.session_minutes_max) == (30, 60)
    assert microneedling.benefits.count() == 11
    assert microneedling.process_steps.count() == 4
    assert set(microneedling.aftercare.values_list("period", flat=True)) == {
        "first_24_hours",
        "first_week",
        "ongoing",
    }
    assert microneedling.questions.public().count() >= 7
    for field in ("summary", "introduction", "areas", "downtime", "results_timeline"):
        assert getattr(microneedling, field)
    for field in ("side_effects", "preparation", "seo_title", "seo_description"):
        assert getattr(microneedling, field)
    assert len(microneedling.seo_title) <= 70 and len(microneedling.seo_description) <= 160


@pytest.mark.django_db
def test_seeded_content_passes_model_validation(microneedling):
    microneedling.full_clean()
    for manager in ("benefits", "process_steps", "aftercare", "contraindications", "questions"):
        for part in getattr(microneedling, manager).all():
            part.full_clean()


@pytest.mark.django_db
def test_every_contraindication_is_a_yes_no_screening_question(microneedling):
    questions = screening_questions(microneedling)
    assert len(questions) >= 8
    assert all(q.screening_question.endswith("?") for q in questions)
    rules_out = {q.name for q in questions if q.severity == Contraindication.Severity.RULES_OUT}
    assert {"Active skin infection", "Open wounds"} <= rules_out


@pytest.mark.django_db
def test_under_18_is_a_contraindication_left_to_the_forms_age_confirmation(microneedling):
    under_18 = microneedling.contraindications.get(name="Under 18")
    assert under_18.severity == Contraindication.Severity.RULES_OUT
    assert under_18.screening_question == ""
    assert under_18 not in screening_questions(microneedling)


@pytest.mark.django_db
def test_ensure_microneedling_is_idempotent(microneedling):
    assert ensure_microneedling().pk == microneedling.pk
    assert Treatment.objects.filter(slug=SLUG).count() == 1


@pytest.mark.django_db(transaction=True)
def test_seed_and_group_migrations_reverse_and_reapply():
    ensure_microneedling()
    executor = MigrationExecutor(connection)
    executor.migrate([("treatments", "0002_hero_renditions")])
    from django.contrib.auth.models import Group

    assert not Treatment.objects.filter(slug=SLUG).exists()
    assert not Group.objects.filter(name="Content editors").exists()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # every app back to its latest migration (bookings depends on treatments and was
    # unapplied with it)
    executor.migrate(executor.loader.graph.leaf_nodes())
    treatment = Treatment.objects.get(slug=SLUG)
    assert treatment.contraindications.filter(name="Eczema").exists()
    assert Group.objects.get(name="Content editors").permissions.exists()
