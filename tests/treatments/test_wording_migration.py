"""The migrations that moved microneedling's wording into its own fields, run both ways."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from treatments.seed import SLUG, ensure_microneedling, microneedling_wording

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("treatments", "0005_screening_question_optional")]
PARTS = ("Benefit", "ProcessStep", "AftercareInstruction", "Contraindication", "Question")
SKIP = {"id", "treatment", "treatment_id", "created_at", "updated_at"}


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def content(apps) -> dict:
    """Everything microneedling's pages are made of, as plain values."""
    treatment = apps.get_model("treatments", "Treatment").objects.get(slug=SLUG)
    fields = [f.attname for f in treatment._meta.concrete_fields if f.attname not in SKIP]
    data = {"treatment": {name: getattr(treatment, name) for name in fields}}
    for model_name in PARTS:
        model = apps.get_model("treatments", model_name)
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in SKIP]
        rows = model.objects.filter(treatment=treatment).order_by("order", "pk")
        data[model_name] = [tuple(getattr(row, name) for name in names) for row in rows]
    return data


def test_the_wording_migrations_reverse_and_reapply_to_the_same_content():
    ensure_microneedling()
    try:
        latest = content(_migrate())
        before = content(_migrate(BEFORE))
        again = content(_migrate())
    finally:
        _migrate()
    assert again == latest

    # Back before the fields existed: the pages' own content is untouched, the medicines
    # question reads as it did, and none of the new fields is left.
    assert set(before["treatment"]) < set(latest["treatment"])
    for name, value in before["treatment"].items():
        assert latest["treatment"][name] == value, name
    assert before["Benefit"] == latest["Benefit"]
    assert before["Question"] == latest["Question"]
    questions_before = [row[2] for row in before["Contraindication"]]
    assert microneedling_wording.MEDICINES_QUESTION_BEFORE in questions_before
    assert microneedling_wording.MEDICINES_QUESTION not in questions_before

    # Forwards: today's wording in the new fields, the look-back on the medicines question.
    for name, value in microneedling_wording.WORDING.items():
        assert latest["treatment"][name] == value, name


def test_reversing_keeps_a_medicines_question_staff_reworded():
    from treatments.models import Contraindication

    ensure_microneedling()
    reworded = "Have you taken any medicine for acne, or blood thinners?"
    Contraindication.objects.filter(name=microneedling_wording.MEDICINES).update(
        screening_question=reworded
    )
    try:
        apps = _migrate(BEFORE)
        old = apps.get_model("treatments", "Contraindication")
        assert old.objects.get(name=microneedling_wording.MEDICINES).screening_question == reworded
        _migrate()
    finally:
        _migrate()
    medicines = Contraindication.objects.get(name=microneedling_wording.MEDICINES)
    assert medicines.screening_question == reworded
    assert not medicines.has_lookback
