"""Reads for the treatment pages, each a small fixed number of queries."""

from __future__ import annotations

from django.db.models import CharField, IntegerField, Value
from django.utils.html import strip_tags

from clinic.markdown import render_markdown
from treatments.models import AftercareInstruction, Contraindication, ProcessStep, Treatment


def plain_text(markdown_text: str) -> str:
    """Markdown as one line of plain text (for JSON-LD and meta tags)."""
    return " ".join(strip_tags(render_markdown(markdown_text)).split())


def procedure_outline(treatment: Treatment) -> tuple[list[dict], list[dict]]:
    """Process steps and aftercare instructions in ONE query (a UNION of both tables).

    Returns (steps, aftercare), each a list of dicts with title/body/period, in order.
    """
    steps = (
        ProcessStep.objects.filter(treatment=treatment)
        .annotate(
            kind=Value("step", output_field=CharField()),
            period=Value("", output_field=CharField()),
            kind_order=Value(0, output_field=IntegerField()),
        )
        .values_list("kind_order", "order", "pk", "kind", "period", "title", "body")
        .order_by()
    )
    aftercare = (
        AftercareInstruction.objects.filter(treatment=treatment)
        .annotate(
            kind=Value("aftercare", output_field=CharField()),
            kind_order=Value(1, output_field=IntegerField()),
        )
        .values_list("kind_order", "order", "pk", "kind", "period", "text", "detail")
        .order_by()
    )
    rows = sorted(steps.union(aftercare, all=True))
    step_list, aftercare_list = [], []
    for _kind_order, _order, _pk, kind, period, title, body in rows:
        item = {"title": title, "body": body, "period": period}
        (step_list if kind == "step" else aftercare_list).append(item)
    return step_list, aftercare_list


def screening_questions(treatment: Treatment) -> list[Contraindication]:
    """The booking form's yes/no screening questions for a treatment, in page order.

    Each item has `screening_question`, `name`, `explanation` and `severity`
    (Contraindication.Severity.RULES_OUT or DISCUSS). Contraindications without a
    question are covered by the form itself (the age confirmation) and left out.
    """
    return list(treatment.contraindications.exclude(screening_question=""))


def aftercare_groups(instructions) -> list[dict]:
    """Aftercare grouped by period (first 24 hours, first week, ongoing), empty groups left out."""
    groups = []
    for value, label in AftercareInstruction.Period.choices:
        items = [i for i in instructions if i.period == value]
        if items:
            groups.append({"period": value, "label": label, "items": items})
    return groups
