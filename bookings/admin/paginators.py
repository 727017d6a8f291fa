"""Lists that stay as quick with years of consultations as with a week's.

Django's paginator counts every row of a list (``SELECT COUNT(*)``) to number its pages,
and the date drill-down finds the years to offer with ``SELECT DISTINCT`` over every
row; with a diary of years both read the whole table on each page. Here a list is
counted exactly only while it is short (the count stops after ``EXACT_UP_TO`` rows); a
longer one takes PostgreSQL's planner estimate, from its statistics, without reading the
rows. The estimate is close (statistics are renewed as the table changes), and for a
list of thousands a page number that is a few pages off is the price of not reading
them all; the last page of an estimate that is too high is simply empty.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Lists up to this long are counted exactly: counting them reads at most this many rows.
EXACT_UP_TO = 1000


def planner_rows(queryset: QuerySet) -> int | None:
    """The number of rows PostgreSQL's planner expects the queryset to return (its
    ``EXPLAIN``; nothing is read), or None on other databases."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    if isinstance(plan, list):
        plan = plan[0]
    return int(plan["Plan"]["Plan Rows"])


def is_short(queryset: QuerySet) -> bool:
    """Whether the queryset has at most ``EXACT_UP_TO`` rows (reads at most one more)."""
    return queryset.order_by()[: EXACT_UP_TO + 1].count() <= EXACT_UP_TO


class EstimatedCountPaginator(Paginator):
    """Pages of a list counted exactly while short, estimated by the planner when long
    (see the module docstring). One query for a short list, two for a long one."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        counted = queryset.order_by()[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        estimate = planner_rows(queryset)
        if estimate is None:  # no planner to ask (SQLite, for local work): count them
            return queryset.count()
        return max(estimate, counted)
