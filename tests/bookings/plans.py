"""PostgreSQL's query plans in tests: how many consultation rows a query, a page or a
booking reads, over a diary of years (bench/fill.py, the growth benchmark's fixture).

Rows read are counted from ``EXPLAIN (ANALYZE, FORMAT JSON)``: for every scan of the
consultations table, the rows it returned plus those its filter or recheck threw away,
times its loops; the rows an index leads to, not the index entries themselves.
"""

import datetime as dt
import json
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import fill
from bookings import availability
from bookings.models import Consultation

TABLE = "bookings_consultation"
TABLE_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: query plans, trigram indexes and planner estimates are "
            "PostgreSQL's; SQLite is only the local default. Set DATABASE_URL=postgres://..."
        )


def plan(sql: str, params=None, *, analyze: bool = True) -> dict:
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        (result,) = cursor.fetchone()
    if isinstance(result, str):
        result = json.loads(result)
    return result[0]["Plan"]


def nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def rows_read(node: dict) -> int:
    total = 0
    for scan in nodes(node):
        if scan["Node Type"] in TABLE_SCANS and scan.get("Relation Name") == TABLE:
            per_loop = (
                scan["Actual Rows"]
                + scan.get("Rows Removed by Filter", 0)
                + scan.get("Rows Removed by Index Recheck", 0)
            )
            total += per_loop * scan["Actual Loops"]
    return total


def scans(node: dict) -> set[tuple[str, str]]:
    """(node type, index or table) of every scan touching the consultations."""
    found = set()
    for scan in nodes(node):
        if scan.get("Relation Name") == TABLE or scan.get("Index Name", "").startswith(
            ("consultation", "bookings_consultation")
        ):
            found.add((scan["Node Type"], scan.get("Index Name") or scan.get("Relation Name")))
    return found


@contextmanager
def no_table_scans(*, index_walks: bool = True):
    """Plans that read no table whole (``enable_seqscan = off``) for the block. A test's
    diary is small enough that PostgreSQL may rightly read it whole instead of using an
    index; forbidding it shows each query has an index path that reads only what it
    needs, the plan the planner takes once the table is large (the growth benchmark's
    500,000 rows). A query with no such path still reads the table, and fails.

    ``index_walks=False`` forbids walking a whole index too, leaving bitmap scans: the
    path of a search, whose only indexes are the trigram ones (at a test's size the
    planner may prefer to walk another index over every row and filter)."""
    settings = ["enable_seqscan"] + ([] if index_walks else ["enable_indexscan"])
    with connection.cursor() as cursor:
        for name in settings:
            cursor.execute(f"SET LOCAL {name} = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in settings:
                cursor.execute(f"SET LOCAL {name} = on")


def queryset_rows_read(queryset) -> int:
    sql, params = queryset.query.sql_with_params()
    return rows_read(plan(sql, params))


class Reads:
    """The consultation rows read by every SELECT run inside the block, each run again
    under EXPLAIN ANALYZE afterwards (writes are not run twice)."""

    def __enter__(self):
        self.capture = CaptureQueriesContext(connection)
        self.capture.__enter__()
        return self

    def __exit__(self, *exc):
        self.capture.__exit__(*exc)
        if exc[0] is not None:
            return False
        self.per_query = []
        for query in self.capture.captured_queries:
            sql = query["sql"]
            # A SELECT, or a UNION of them, that reads the consultations.
            if sql.lstrip("( \n").upper().startswith("SELECT") and TABLE in sql:
                self.per_query.append((rows_read(plan(sql)), sql[:300]))
        self.total = sum(rows for rows, _ in self.per_query)
        return False

    def report(self) -> str:
        return "\n".join(f"{rows:7} {sql}" for rows, sql in self.per_query)


def far_future(count: int, *, treatment_id: int) -> None:
    """``count`` confirmed consultations a year and more ahead, one a day: booked by staff
    beyond the patients' window, so no page about the coming weeks needs them."""
    tz = availability.clinic_tz()
    first = timezone.localdate(timezone.now(), tz) + dt.timedelta(days=400)
    now = timezone.now()
    rows = []
    for n in range(count):
        start = dt.datetime.combine(first + dt.timedelta(days=n), dt.time(11), tzinfo=tz)
        rows.append(
            Consultation(
                reference=fill.spare_reference("C", n),
                treatment_id=treatment_id,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                status=Consultation.Status.CONFIRMED,
                full_name="Far Ahead",
                email=f"ahead{n}@example.com",
                phone="+923001234567",
                consent_version="2026-11",
                consented_at=now,
            )
        )
    Consultation.objects.bulk_create(rows, batch_size=1000)


def diary(total: int, *, ahead: int = 0) -> dict:
    """A diary of ``total`` consultations as bench/fill.py makes it (years of history,
    the oldest anonymised, the bookable weeks partly booked), plus ``ahead`` far in the
    future; statistics brought up to date, as autovacuum keeps them."""
    made = fill.fill_to(total)
    if ahead:
        far_future(ahead, treatment_id=fill._treatment_id())
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
    return made
