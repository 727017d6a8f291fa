"""The sections about visits: cancellations and attendance, when patients want to come,
and who comes back for the next session of a course."""

from bookings.reports import Report
from bookings.reports.charts import (
    BLUE,
    GREEN,
    GREY,
    HIDDEN,
    ORANGE,
    PURPLE,
    VERMILLION,
    Bar,
    Cell,
    bars,
    heatmap,
)
from bookings.reports.diary import RETURNS
from bookings.reports.layout import (
    DAYS,
    SHORT_DAYS,
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
    hidden,
    percent,
    rate_label,
    rate_text,
    share,
    shown,
    week_name,
)
from bookings.reports.period import LEAD_BUCKETS

REASON_CHARS = 44  # a reason's words in the picture; the table has them all

# --- Cancellations and attendance ------------------------------------------------------


def cancellations_section(report: Report) -> Section:
    section = Section(
        "cancellations",
        "Cancellations and no-shows",
        "Reasons: requests by the week they came in. No-shows: appointments by their "
        "week, weekday and how far ahead they were booked.",
    )
    by_patient = sum(report.requests.by_outcome["cancelled_patient"])
    by_clinic = sum(report.requests.by_outcome["cancelled_clinic"])
    section.summary.append(
        f"{count_text(by_patient + by_clinic)} requests were cancelled: "
        f"{count_text(by_patient)} by the patient, {count_text(by_clinic)} by the clinic."
    )
    section.figures.append(_reasons(report, by_patient, by_clinic))
    attendance = report.attendance
    came, missed = (sum(counts) for counts in zip(*attendance.by_week, strict=True))
    section.summary.append(
        f"No-show rate {rate_text(missed, came + missed)}: of the "
        f"{count_text(came + missed)} appointments that were attended or missed, "
        f"{count_text(missed)} were missed."
    )
    by_week = [(week_name(week), label) for week, label in weeks(report)]
    for slug, title, names, counts, label_width in (
        ("no-shows-by-week", "week", by_week, attendance.by_week, week_labels_width(report)),
        ("no-shows-by-weekday", "weekday", [(d, d) for d in DAYS], attendance.by_weekday, 84),
        (
            "no-shows-by-lead-time",
            "days booked ahead",
            [(f"Booked {name} ahead", name) for name, _ in LEAD_BUCKETS],
            attendance.by_lead,
            84,
        ),
    ):
        rows = [
            Bar(
                short,
                (("no_show", share(missed, came + missed)),),
                rate_label(missed, came + missed),
            )
            for (_, short), (came, missed) in zip(names, counts, strict=True)
        ]
        rates = [row.parts[0][1] for row in rows if row.parts[0][1]]
        caption = f"No-show rate by {title}, appointments of {span(report)}"
        chart = bars(
            slug=slug,
            title=caption,
            description=f"A bar per {title}: the share of appointments not attended; its "
            "table gives each figure.",
            rows=rows,
            colours={"no_show": ("Did not attend", PURPLE)},
            label_width=label_width,
            maximum=max(rates, default=1),
        )
        table = Table(
            slug,
            caption,
            [title.capitalize(), "Appointments", "Did not attend", "No-show rate"],
            [
                [
                    name,
                    count_text(came + missed),
                    count_text(missed),
                    rate_text(missed, came + missed),
                ]
                for (name, _), (came, missed) in zip(names, counts, strict=True)
            ],
        )
        section.figures.append(Figure(chart, table))
    return section


def _reasons(report: Report, by_patient: int, by_clinic: int) -> Figure:
    """The most given reasons, then every other cancellation in one row (the totals by
    who cancelled come from the request counts, so the rows add up to them)."""
    reasons = [(r.text or "No reason given", r.by_patient, r.by_clinic) for r in report.reasons]
    other = (
        by_patient - sum(r[1] for r in reasons),
        by_clinic - sum(r[2] for r in reasons),
    )
    if sum(other):
        reasons.append(("Other reasons (each given fewer than 5 times)", *other))
    colours = {
        "patient": ("By the patient", ORANGE),
        "clinic": ("By the clinic", VERMILLION),
        "hidden": HIDDEN,
    }
    caption = f"Why requests were cancelled, requests of {span(report)}"
    rows = [
        Bar(
            text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…",
            with_rest([("patient", patient), ("clinic", clinic)], patient + clinic),
            count_text(patient + clinic),
        )
        for text, patient, clinic in reasons
    ]
    chart = bars(
        slug="cancellation-reasons",
        title=caption,
        description="A bar per reason, split by who cancelled; its table gives each "
        "reason in full and each figure.",
        rows=rows,
        colours=colours,
    )
    table = Table(
        "cancellation-reasons",
        caption,
        ["Reason", "By the patient", "By the clinic", "All"],
        [
            [text, count_text(patient), count_text(clinic), count_text(patient + clinic)]
            for text, patient, clinic in reasons
        ],
        ["All cancellations", count_text(by_patient), count_text(by_clinic),
         count_text(by_patient + by_clinic)],
    )  # fmt: skip
    return Figure(chart if rows else None, table)


# --- When patients want to come --------------------------------------------------------


def opening_hours_text(hours: dict) -> str:
    """ "Mon–Sat 10:00–13:00, 15:00–19:00; Sun closed": runs of days alike, together."""
    runs: list[list] = []
    for day in range(7):
        spans = hours.get(day, ())
        if runs and runs[-1][2] == spans:
            runs[-1][1] = day
        else:
            runs.append([day, day, spans])
    return "; ".join(
        (SHORT_DAYS[first] if first == last else f"{SHORT_DAYS[first]}–{SHORT_DAYS[last]}")
        + " "
        + (", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans) or "closed")
        for first, last, spans in runs
    )


def demand_section(report: Report) -> Section:
    data = report.demand
    section = Section(
        "demand",
        "When patients want to come",
        "Requested times in these weeks (clinic time, any outcome), against the opening "
        "hours; full: every place taken at that time, whatever the treatment.",
    )
    section.summary.append(f"Opening hours now: {opening_hours_text(data.opening_hours)}.")
    bookable, full = sum(data.bookable.values()), sum(data.full.values())
    section.summary.append(
        f"{count_and_rate(full, bookable)} of the {count_text(bookable)} bookable times in "
        "these weeks were full."
    )
    hours = data.hours
    cells = [(day, hour) for hour in hours for day in range(7)]
    busiest = max(cells, key=lambda cell: data.requests.get(cell, 0), default=None)
    if busiest and not hidden(data.requests.get(busiest, 0)) and data.requests.get(busiest):
        day, hour = busiest
        section.summary.append(
            f"Most asked for: {DAYS[day]} {hour:02d}:00–{hour + 1:02d}:00 "
            f"({count_text(data.requests[busiest])} requests)."
        )
    rows = [f"{hour:02d}:00" for hour in hours]
    most = max((shown(n) or 0 for n in data.requests.values()), default=0) or 1

    def requested(day: int, hour: int) -> Cell:
        n, open_ = data.requests.get((day, hour), 0), bool(data.bookable.get((day, hour)))
        text = "" if not n else ("<5" if hidden(n) else str(n))
        title = f"{DAYS[day]} {hour:02d}:00: {count_text(n)} requests"
        return Cell(shown(n) and shown(n) / most, text, open_, title)

    def filled(day: int, hour: int) -> Cell:
        times, n = data.bookable.get((day, hour), 0), data.full.get((day, hour), 0)
        value = share(n, times) if times else None
        text = "" if not times else ("<5" if hidden(n) else percent(n / times))
        title = f"{DAYS[day]} {hour:02d}:00: {count_text(n)} of {times} times full"
        return Cell(value, text, bool(times), title)

    for slug, title, make, describe, cell_text in (
        (
            "requested-times",
            "Requested times by weekday and hour",
            requested,
            "the number of requests for a time in that hour",
            lambda d, h: count_text(data.requests.get((d, h), 0)),
        ),
        (
            "full-times",
            "Share of bookable times that were full",
            filled,
            "the share of the clinic's bookable times in that hour that were full",
            lambda d, h: (
                rate_text(data.full.get((d, h), 0), data.bookable[(d, h)])
                if data.bookable.get((d, h))
                else "closed"
            ),
        ),
    ):
        caption = f"{title}, {span(report)}"
        chart = heatmap(
            slug=slug,
            title=caption,
            description=f"A grid of weekdays and hours: each cell gives {describe}; its "
            "table gives each figure.",
            columns=SHORT_DAYS,
            rows=rows,
            cells=[[make(day, hour) for day in range(7)] for hour in hours],
            colour=BLUE if slug == "requested-times" else VERMILLION,
            **({} if slug == "requested-times" else {"low": "0%", "high": "100%"}),
        )
        table = Table(
            slug,
            caption,
            ["Hour", *SHORT_DAYS],
            [[f"{hour:02d}:00", *(cell_text(day, hour) for day in range(7))] for hour in hours],
            grid=True,
        )
        section.figures.append(Figure(chart if hours else None, table))
    return section


# --- Courses ----------------------------------------------------------------------------


def courses_section(report: Report, *, overdue_url: str = "") -> Section:
    data = report.returns
    section = Section(
        "courses",
        "Courses: who comes back",
        "Completed sessions of a course in these weeks, and whether each patient came "
        "back, or booked, for the next within the treatment's longest usual gap (back in "
        "time), after it (back later), or not yet: not due yet, or overdue.",
    )
    section.summary.append(
        f"{count_text(data.overdue)} patients whose last session was in these weeks are "
        "overdue for their next one."
    )
    if overdue_url and data.overdue:
        section.links.append((overdue_url, "The list of overdue patients, to call"))
    if data.finished:
        section.summary.append(f"{count_text(data.finished)} sessions completed a course.")
    colours = {
        "on_time": (RETURNS["on_time"], GREEN),
        "late": (RETURNS["late"], BLUE),
        "not_due": (RETURNS["not_due"], GREY),
        "overdue": (RETURNS["overdue"], VERMILLION),
        "hidden": HIDDEN,
    }
    rows, table = [], []
    for session, counts in data.by_session.items():
        total = sum(counts.values())
        name = f"After session {session}, for session {session + 1}"
        rows.append(Bar(name, with_rest(list(counts.items()), total), count_text(total)))
        table.append([name, count_text(total), *(count_text(counts[key]) for key in RETURNS)])
    caption = f"Patients coming back for their next session, sessions of {span(report)}"
    chart = bars(
        slug="courses",
        title=caption,
        description="A bar per session of a course, split by whether the patient came back "
        "for the next in time, later, is not due yet or is overdue; its table gives "
        "each figure.",
        rows=rows,
        colours=colours,
    )
    table = Table(
        "courses", caption, ["Session", "Patients", *(RETURNS[key] for key in RETURNS)], table
    )
    section.figures.append(Figure(chart if rows else None, table))
    return section
