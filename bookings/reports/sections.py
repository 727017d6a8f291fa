"""The reports page as the owner reads it on a Monday morning: one section per question,
each a picture with its table beside it (the same figures, for screen readers, copying
and the CSV download), every count under five hidden (``numbers``)."""

import itertools

from bookings.models import Consultation
from bookings.reports import Report, visits
from bookings.reports.charts import (
    BLUE,
    GREEN,
    GREY,
    HIDDEN,
    ORANGE,
    PINK,
    PURPLE,
    SKY,
    VERMILLION,
    Bar,
    bars,
)
from bookings.reports.incoming import OUTCOMES
from bookings.reports.layout import (
    Figure,
    Section,
    Table,
    span,
    week_labels_width,
    weeks,
    with_rest,
)
from bookings.reports.numbers import (
    count_and_rate,
    count_text,
    duration_text,
    hidden,
    rate_text,
    share,
    shown,
    week_name,
)

# A source added later takes a colour from the start again; the legend still names it.
SOURCES = {
    value: (label, colour)
    for (value, label), colour in zip(
        Consultation.Source.choices, itertools.cycle((BLUE, ORANGE, GREEN, PINK))
    )
}
OUTCOME_COLOURS = dict(
    zip(OUTCOMES, (SKY, BLUE, GREEN, ORANGE, VERMILLION, PINK, PURPLE), strict=True)
)


# --- Requests -------------------------------------------------------------------------


def requests_section(report: Report) -> Section:
    data = report.requests
    section = Section("requests", "Requests per week", "By the week each request came in.")
    count = len(data.weeks)
    section.summary.append(
        f"{count_text(data.requested)} requests in {count} week{'s' * (count != 1)}."
    )
    if data.requested:
        section.summary.append(
            "; ".join(
                f"{name}: {count_and_rate(sum(data.by_source[key]), data.requested)}"
                for key, (name, _) in SOURCES.items()
            )
            + "."
        )
    for slug, title, groups, names in (
        ("requests-by-source", "by source", data.by_source, SOURCES),
        ("requests-by-outcome", "by outcome", data.by_outcome, _outcome_names()),
    ):
        rows, table = [], []
        for i, (week, label) in enumerate(weeks(report)):
            parts = [(key, groups[key][i]) for key in names]
            rows.append(Bar(label, with_rest(parts, data.total[i]), count_text(data.total[i])))
            table.append(
                [week_name(week), count_text(data.total[i])]
                + [count_text(groups[key][i]) for key in names]
            )
        caption = f"Requests per week {title}, {span(report)}"
        chart = bars(
            slug=slug,
            title=caption,
            description=f"A bar per week, split {title}; its table gives each figure.",
            rows=rows,
            colours={**names, "hidden": HIDDEN},
            label_width=week_labels_width(report),
        )
        columns = ["Week", "Requests", *(name for name, _ in names.values())]
        footer = ["All weeks", count_text(data.requested)] + [
            count_text(sum(groups[key])) for key in names
        ]
        section.figures.append(Figure(chart, Table(slug, caption, columns, table, footer)))
    return section


def _outcome_names() -> dict[str, tuple[str, str]]:
    return {key: (label, OUTCOME_COLOURS[key]) for key, label in OUTCOMES.items()}


def funnel_section(report: Report) -> Section:
    data = report.requests
    section = Section("funnel", "From request to visit", "By the week each request came in.")
    requested, confirmed, attended = data.requested, data.confirmed, data.count("completed")
    steps = [
        ("Requested", "step", requested),
        ("Confirmed (at any point)", "step", confirmed),
        ("Attended", "step", attended),
        ("Declined by the clinic", "out", data.count("declined")),
        ("Cancelled by the patient before confirmation", "out", _cancelled(data, "patient", False)),
        ("Cancelled by the clinic before confirmation", "out", _cancelled(data, "clinic", False)),
        ("Cancelled by the patient after confirmation", "out", _cancelled(data, "patient", True)),
        ("Cancelled by the clinic after confirmation", "out", _cancelled(data, "clinic", True)),
        ("Did not attend", "out", data.count("no_show")),
        ("Still awaiting an answer", "open", data.count("pending")),
        ("Confirmed, not yet attended", "open", data.count("confirmed")),
    ]
    section.summary.append(
        f"Of {count_text(requested)} requests, {count_and_rate(confirmed, requested)} were "
        f"confirmed and {count_and_rate(attended, requested)} attended."
    )
    if confirmed:
        section.summary.append(
            f"Of those confirmed, {rate_text(attended, confirmed)} attended and "
            f"{rate_text(data.count('no_show'), confirmed)} did not come."
        )
    colours = {
        "step": ("Request to visit", GREEN),
        "out": ("Dropped out", VERMILLION),
        "open": ("Still open", GREY),
    }
    chart = bars(
        slug="funnel",
        title=f"From request to visit, requests of {span(report)}",
        description="A bar per step and per way requests dropped out, as a share of all "
        "requests; its table gives each figure.",
        rows=[
            Bar(name, ((key, shown(n)),), count_and_rate(n, requested)) for name, key, n in steps
        ],
        colours=colours,
        maximum=max(requested, 1),
    )
    after = {"Attended", "Did not attend", "Confirmed, not yet attended"}
    rows = [
        [
            name,
            count_text(n),
            rate_text(n, requested),
            rate_text(n, confirmed) if name in after or "after confirmation" in name else "",
        ]
        for name, _, n in steps
    ]
    table = Table(
        "funnel",
        chart.title,
        ["Step", "Requests", "Share of requests", "Share of those confirmed"],
        rows,
    )
    section.figures.append(Figure(chart, table))
    return section


def _cancelled(data, by: str, after: bool) -> int:
    return data.count(f"cancelled_{by}", after)


# --- How fast the clinic answers -------------------------------------------------------


def answers_section(report: Report) -> Section:
    data = report.answer_times
    section = Section(
        "answer-times",
        "How fast we confirm",
        "From the request to its first confirmation, by the week the request came in.",
    )
    overall = data.overall
    if hidden(overall.count) or not overall.count:
        section.summary.append(f"{count_text(overall.count)} requests were confirmed.")
    else:
        section.summary.append(
            f"Half of the {count_text(overall.count)} requests confirmed were confirmed "
            f"within {duration_text(overall.median)}, nine in ten within "
            f"{duration_text(overall.p90)}."
        )
    rows, table = [], []
    for (week, label), waits in zip(weeks(report), data.by_week, strict=True):
        enough = waits.count and not hidden(waits.count)
        median = waits.median if enough else None
        p90 = waits.p90 if enough else None
        if median is None:
            text, parts = ("fewer than 5 confirmed" if waits.count else "none confirmed"), ()
        else:
            text = f"{duration_text(median)} · {duration_text(p90)}"
            hours = median.total_seconds() / 3600
            parts = (("median", hours), ("p90", p90.total_seconds() / 3600 - hours))
        rows.append(Bar(label, parts, text))
        table.append(
            [week_name(week), count_text(waits.count), duration_text(median), duration_text(p90)]
        )
    caption = f"Time to confirm a request, by request week, {span(report)}"
    chart = bars(
        slug="answer-times",
        title=caption,
        description="A bar per week: dark up to the median wait, light up to the time "
        "within which nine in ten were confirmed; its table gives each figure.",
        rows=rows,
        colours={"median": ("Half confirmed within", BLUE), "p90": ("Nine in ten within", SKY)},
        label_width=week_labels_width(report),
    )
    enough = overall.count and not hidden(overall.count)
    footer = [
        "All weeks",
        count_text(overall.count),
        duration_text(overall.median if enough else None),
        duration_text(overall.p90 if enough else None),
    ]
    columns = ["Week", "Requests confirmed", "Half confirmed within", "Nine in ten within"]
    section.figures.append(Figure(chart, Table("answer-times", caption, columns, table, footer)))
    return section


# --- Screening ------------------------------------------------------------------------


def screening_section(report: Report) -> Section:
    requested, flagged = report.requests.requested, report.requests.flagged
    section = Section(
        "screening",
        "Screening answers",
        "Requests that answered yes to a screening question, by the week they came in.",
    )
    section.summary.append(
        f"{count_and_rate(flagged, requested)} of {count_text(requested)} requests were "
        "flagged for a clinician."
    )
    counts = sorted(report.screening.items(), key=lambda item: (-item[1], item[0] or ""))
    rows = [
        Bar("Any question (flagged)", (("any", share(flagged, requested)),),
            count_and_rate(flagged, requested)),
        *(
            Bar(name or "Unnamed question", (("yes", share(n, requested)),),
                count_and_rate(n, requested))
            for name, n in counts
        ),
    ]  # fmt: skip
    caption = f"Requests answering yes, by contraindication, {span(report)}"
    chart = bars(
        slug="screening",
        title=caption,
        description="A bar per contraindication: the share of all requests that answered "
        "yes to its question; its table gives each figure.",
        rows=rows,
        colours={"any": ("Flagged", PURPLE), "yes": ("Answered yes to this question", PINK)},
        maximum=max(flagged, 1) / max(requested, 1),
    )
    table = Table(
        "screening",
        caption,
        ["Contraindication", "Requests answering yes", "Share of requests"],
        [
            [name or "Unnamed question", count_text(n), rate_text(n, requested)]
            for name, n in counts
        ],
        ["Any question (flagged)", count_text(flagged), rate_text(flagged, requested)],
    )
    section.figures.append(Figure(chart if flagged else None, table))
    if flagged:
        section.summary.append(
            "A request anonymised under the retention rules stays counted as flagged, "
            "without its answers."
        )
    return section


# --- The page -------------------------------------------------------------------------

BUILDERS = {
    "requests": requests_section,
    "funnel": funnel_section,
    "answer-times": answers_section,
    "cancellations": visits.cancellations_section,
    "demand": visits.demand_section,
    "courses": visits.courses_section,
    "screening": screening_section,
}


def build_sections(report: Report, **options) -> list[Section]:
    """The sections the report was read for, in the page's order. ``options`` go to
    the builders that take them (``overdue_url``: the courses section's link)."""
    return [
        BUILDERS[name](report, **options) if name == "courses" else BUILDERS[name](report)
        for name in report.sections
    ]


# Each table's CSV download: table slug -> its section.
TABLES = {
    "requests-by-source": "requests",
    "requests-by-outcome": "requests",
    "funnel": "funnel",
    "answer-times": "answer-times",
    "cancellation-reasons": "cancellations",
    "no-shows-by-week": "cancellations",
    "no-shows-by-weekday": "cancellations",
    "no-shows-by-lead-time": "cancellations",
    "requested-times": "demand",
    "full-times": "demand",
    "courses": "courses",
    "screening": "screening",
}


def find_table(sections: list[Section], slug: str) -> Table | None:
    for section in sections:
        for figure in section.figures:
            if figure.table.slug == slug:
                return figure.table
    return None
