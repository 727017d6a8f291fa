"""The clinic's microneedling pages, so a fresh install shows a finished treatment.

Data migrations write the content with the historical models: 0003 the treatment and its
parts (``treatments.seed.microneedling``), 0007 the wording of the fields added after it
(``treatments.seed.microneedling_wording``). Tests that flush the database (transactional
and live-server tests) call ``ensure_microneedling()`` to put both back.
"""

from __future__ import annotations

from treatments.seed import microneedling_wording as wording
from treatments.seed.microneedling import (
    AFTERCARE,
    BENEFITS,
    CONTRAINDICATIONS,
    PROCESS_STEPS,
    QUESTIONS,
    SLUG,
    TREATMENT,
)

__all__ = [
    "SLUG",
    "ensure_microneedling",
    "seed_microneedling",
    "unseed_microneedling",
    "unwrite_microneedling_wording",
    "write_microneedling_wording",
]


def _models(apps):
    if apps is None:
        from django.apps import apps as real_apps

        apps = real_apps
    return apps


def seed_microneedling(apps=None) -> None:
    """Write the microneedling treatment and its parts, unless a treatment with its slug exists.

    `apps` is the migration's app registry; without it the real models are used.
    """
    apps = _models(apps)
    Treatment = apps.get_model("treatments", "Treatment")
    if Treatment.objects.filter(slug=SLUG).exists():
        return
    Benefit = apps.get_model("treatments", "Benefit")
    ProcessStep = apps.get_model("treatments", "ProcessStep")
    AftercareInstruction = apps.get_model("treatments", "AftercareInstruction")
    Contraindication = apps.get_model("treatments", "Contraindication")
    Question = apps.get_model("treatments", "Question")

    treatment = Treatment.objects.create(**TREATMENT)
    step = 10
    Benefit.objects.bulk_create(
        Benefit(treatment=treatment, title=title, body=body, order=i * step)
        for i, (title, body) in enumerate(BENEFITS, start=1)
    )
    ProcessStep.objects.bulk_create(
        ProcessStep(treatment=treatment, title=title, body=body, order=i * step)
        for i, (title, body) in enumerate(PROCESS_STEPS, start=1)
    )
    AftercareInstruction.objects.bulk_create(
        AftercareInstruction(
            treatment=treatment, period=period, text=text, detail=detail, order=i * step
        )
        for i, (period, text, detail) in enumerate(AFTERCARE, start=1)
    )
    Contraindication.objects.bulk_create(
        Contraindication(
            treatment=treatment,
            name=name,
            screening_question=question,
            explanation=explanation,
            severity=severity,
            order=i * step,
        )
        for i, (name, question, explanation, severity) in enumerate(CONTRAINDICATIONS, start=1)
    )
    Question.objects.bulk_create(
        Question(
            treatment=treatment,
            question=question,
            answer=answer,
            is_published=True,
            source="staff",
            order=i * step,
        )
        for i, (question, answer) in enumerate(QUESTIONS, start=1)
    )


def unseed_microneedling(apps=None) -> None:
    """Remove the seeded treatment (its parts go with it)."""
    _models(apps).get_model("treatments", "Treatment").objects.filter(slug=SLUG).delete()


def write_microneedling_wording(apps=None) -> None:
    """Give the seeded microneedling its wording in the fields added after 0003, and its
    medicines question a six-month look-back. Fields staff have filled in and a question
    staff have reworded are left as they are."""
    apps = _models(apps)
    treatment = apps.get_model("treatments", "Treatment").objects.filter(slug=SLUG).first()
    if treatment is None:
        return
    empty = [name for name, value in wording.WORDING.items() if not getattr(treatment, name)]
    for name in empty:
        setattr(treatment, name, wording.WORDING[name])
    if empty:
        treatment.save(update_fields=empty)
    amount, unit = wording.MEDICINES_LOOKBACK
    apps.get_model("treatments", "Contraindication").objects.filter(
        treatment=treatment,
        name=wording.MEDICINES,
        screening_question=wording.MEDICINES_QUESTION_BEFORE,
    ).update(
        screening_question=wording.MEDICINES_QUESTION,
        lookback_amount=amount,
        lookback_unit=unit,
    )


def unwrite_microneedling_wording(apps=None) -> None:
    """The reverse: the seeded wording emptied and the medicines question as it was. What
    staff wrote themselves is kept."""
    apps = _models(apps)
    treatment = apps.get_model("treatments", "Treatment").objects.filter(slug=SLUG).first()
    if treatment is None:
        return
    seeded = [name for name, value in wording.WORDING.items() if getattr(treatment, name) == value]
    for name in seeded:
        setattr(treatment, name, "")
    if seeded:
        treatment.save(update_fields=seeded)
    amount, unit = wording.MEDICINES_LOOKBACK
    apps.get_model("treatments", "Contraindication").objects.filter(
        treatment=treatment,
        name=wording.MEDICINES,
        screening_question=wording.MEDICINES_QUESTION,
        lookback_amount=amount,
        lookback_unit=unit,
    ).update(
        screening_question=wording.MEDICINES_QUESTION_BEFORE,
        lookback_amount=None,
        lookback_unit="",
    )


def ensure_microneedling():
    """The microneedling Treatment with all its seeded content, written if it is missing.

    For tests that run on a flushed database (transactional and live-server tests) and for
    other apps' tests that need a real treatment with screening questions.
    """
    from treatments.models import Treatment

    seed_microneedling()
    write_microneedling_wording()
    return Treatment.objects.get(slug=SLUG)
