"""Growth benchmark: does the site cost the same with years of consultations as with none?

`make bench GROWTH=1` (or `bench/run.py --growth`). In order:

1. For each size (0, 1,000, 50,000 and 500,000 consultations unless --sizes says
   otherwise) creates a throwaway PostgreSQL database `clinic_growth_<size>` on 127.0.0.1
   (user postgres), migrates it and fills it (bench/fill.py: years of history, the oldest
   anonymised, the bookable weeks partly booked), then starts one gunicorn on it as
   `make bench` does (bench.run.bench_env: production settings, the floor page routed,
   no per-address rate limit), each with its own cache prefix.
2. Creates a superuser with an authenticator device in each and signs in over HTTP with
   the password and a code from the device's key (bench/browser.py), as staff do.
3. Measures every size side by side: each timing round sends one request to each site in
   turn (the order reversed every other round), so the load of a shared machine falls
   on every size alike; the median of --repeat rounds, after one round of warm-up.
   - the back office: the consultation list (its default filter, upcoming, and
     unfiltered), a search by reference, name, email and phone, the agenda for a day
     and a week, the overdue patients, the CSV export of one day, the patients' rights
     search; in-process (bench/growth_probe.py) the overdue selectors and
     ``records.subject_records``;
   - booking: the free-time computation (in-process, uncached), the booking page for a
     day (as served, and right after a booking changed the free times), a booking
     (POST /book/) and a move (the admin's "move to another time").
4. Writes bench/results/growth.json and prints a Markdown table: each measurement's
   median in ms at each size, and the largest size's over each smaller one.

Figures, never tests: the query counts and rows read that keep them flat are tested in
tests/bookings/test_growth.py and tests/bookings/admin/test_scale.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from bench.backends import PG_ADMIN_URL, redis_url
from bench.booking import booking_bodies
from bench.browser import Browser, sign_in
from bench.report import RESULTS
from bench.server import ROOT, Server, free_port, manage, say

SIZES = "0,1000,50000,500000"
ADMIN = "/admin/bookings/consultation/"
RIGHTS = "/admin/bookings/erasurelog/rights/"
BENCH = Path(__file__).resolve().parent


@dataclass
class Site:
    """One size: its database, its server and a signed-in member of staff."""

    size: int
    db: str
    env: dict
    server: Server | None = None
    browser: Browser | None = None
    fill: dict = field(default_factory=dict)
    reads: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def admin_database(statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def probe(env: dict, mode: str, repeat: int = 1) -> dict:
    code = (BENCH / "growth_probe.py").read_text()
    out = manage({**env, "GROWTH_PROBE": mode, "GROWTH_REPEAT": str(repeat)}, "shell", "-c", code)
    line = next((x for x in out.splitlines() if x.startswith("PROBE_JSON ")), None)
    if line is None:
        raise SystemExit(f"growth_probe.py ({mode}) printed no result:\n{out[-2000:]}")
    return json.loads(line[len("PROBE_JSON ") :])


def side_by_side(sites: list[Site], call, repeat: int, expect=(200,)) -> dict[int, float]:
    """The median ms of ``call(site)`` per site, one call to each site per round."""
    samples: dict[int, list[float]] = {site.size: [] for site in sites}
    for index in range(repeat + 1):
        for site in sites if index % 2 else list(reversed(sites)):
            started = time.perf_counter()
            status = call(site, index)
            elapsed = (time.perf_counter() - started) * 1000
            if status not in expect:
                raise SystemExit(f"{site.size:,} consultations: answered {status}")
            if index:  # round 0 warms caches and code paths
                samples[site.size].append(elapsed)
    return {size: round(statistics.median(values), 2) for size, values in samples.items()}


def back_office_pages(reads: dict) -> dict[str, str]:
    agenda = f"{ADMIN}agenda/?date={reads['agenda_day']}"
    year, month, day = (int(x) for x in reads["export_day"].split("-"))
    search = {k: ADMIN + "?" + urllib.parse.urlencode({"q": v}) for k, v in reads["terms"].items()}
    return {
        "list_default": f"{ADMIN}?when=upcoming",
        "list_unfiltered": ADMIN,
        **{f"search_{k}": url for k, url in search.items()},
        "agenda_day": agenda,
        "agenda_week": agenda + "&span=week",
        "overdue_list": f"{ADMIN}?next_session=overdue",
        "export_day_csv": f"{ADMIN}export/?starts_at__year={year}&starts_at__month={month}"
        f"&starts_at__day={day}",
    }


def for_its_day(body: str) -> str:
    """A booking body with its screening questions answered for its own time's day, as
    the form words them once the patient picked that time (the bodies come from one day's
    form; dated questions worded for another day are asked again, and nothing is booked)."""
    data = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    if "screening_day" in data and data.get("slot"):
        data["screening_day"] = data["slot"][:10]
    return urllib.parse.urlencode(data)


def measure(sites: list[Site], repeat: int) -> dict[str, dict[int, float]]:
    results: dict[str, dict[int, float]] = {}
    names = back_office_pages(sites[0].reads)
    for name in names:
        results[name] = side_by_side(
            sites, lambda s, _, n=name: s.browser.request(back_office_pages(s.reads)[n])[0], repeat
        )
    for site in sites:
        site.extra["rights"] = {
            "csrfmiddlewaretoken": site.browser.form_token(RIGHTS),
            "email": site.reads["terms"]["email"],
            "action": "find",
        }
    results["rights_search"] = side_by_side(
        sites, lambda s, _: s.browser.request(RIGHTS, s.extra["rights"])[0], repeat
    )

    def day_page(site: Site) -> str:
        query = {"treatment": "microneedling", "date": site.reads["book_day"]}
        return "/book/?" + urllib.parse.urlencode(query)

    results["book_day_page"] = side_by_side(
        sites, lambda s, _: s.browser.request(day_page(s))[0], repeat
    )
    for site in sites:
        count = 2 * (repeat + 1)  # every booking below takes a time of its own
        bodies, headers, note = booking_bodies(site.server.url, site.env, count, None)
        if len(set(bodies)) < count:
            raise SystemExit(f"{site.size:,} consultations: no bookings to post ({note})")
        site.extra["bodies"] = [for_its_day(body) for body in bodies]
        site.extra["headers"] = {
            k: v.replace("{origin}", site.browser.origin) for k, v in headers.items()
        }
        site.extra["refused"] = 0

    def book(site: Site, index: int) -> int:
        body = site.extra["bodies"].pop()
        status, _ = site.browser.request("/book/", body, headers=site.extra["headers"])
        if status == 200:
            # Refused: in a diary of 500,000 a new random reference is one already held
            # about once in 500 bookings, and the patient is told "just taken". Counted.
            site.extra["refused"] += 1
            return 302
        return status

    results["book_post"] = side_by_side(sites, book, repeat, expect=(302,))

    def book_then_page(site: Site, index: int) -> int:
        book(site, index)
        started = time.perf_counter()
        status, _ = site.browser.request(day_page(site))  # the free times computed again
        site.extra.setdefault("pages", []).append((time.perf_counter() - started) * 1000)
        return status

    side_by_side(sites, book_then_page, repeat)
    results["book_day_page_after_booking"] = {
        s.size: round(statistics.median(s.extra["pages"][1:]), 2) for s in sites
    }
    for site in sites:
        target = probe(site.env, "move")
        if not target.get("ready"):
            raise SystemExit(f"{site.size:,} consultations: no move ({target.get('reason')})")
        site.extra["move"] = target

    def move(site: Site, index: int) -> int:
        target = site.extra["move"]
        path = f"{ADMIN}{target['pk']}/reschedule/"
        token = site.browser.form_token(path)
        data = {"csrfmiddlewaretoken": token, "starts_at": target["times"][index % 2], "note": ""}
        return site.browser.request(path, data)[0]

    results["move"] = side_by_side(sites, move, repeat, expect=(302,))
    # In-process reads: each site's probe twice, in opposite orders, the mean of medians.
    timings: dict[str, dict[int, list[float]]] = {}
    for site in [*sites, *reversed(sites)]:
        for name, value in probe(site.env, "reads", repeat)["timings"].items():
            timings.setdefault(name, {}).setdefault(site.size, []).append(value)
    for name, per_size in timings.items():
        results[name] = {size: round(statistics.mean(v), 2) for size, v in per_size.items()}
    return results


def label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 else str(size)


def table(document: dict) -> str:
    """Markdown: each measurement's median at each size, then the largest size's over
    each smaller one."""
    sizes = document["sizes"]
    last = label(sizes[-1])
    head = [f"{label(s)} ms" for s in sizes] + [f"{last} ÷ {label(s)}" for s in sizes[:-1]]
    lines = ["| measurement | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for name, row in document["measurements"].items():
        cells = [f"{row['median_ms'][str(s)]:.1f}" for s in sizes]
        cells += [f"{row['largest_over'][str(s)]:.2f}" for s in sizes[:-1]]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def measurements(sizes: list[int], results: dict[str, dict[int, float]]) -> dict:
    return {
        name: {
            "median_ms": {str(size): row[size] for size in sizes},
            "largest_over": {str(size): round(row[sizes[-1]] / row[size], 2) for size in sizes},
        }
        for name, row in results.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=SIZES, help=f"consultations, ascending ({SIZES})")
    parser.add_argument("--repeat", type=int, default=15, help="timing rounds (15)")
    parser.add_argument("--keep-db", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--output", default="", help="results file (bench/results/growth.json)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    from bench.run import bench_env

    say(f"Growth benchmark: sizes {sizes}, side by side, median of {args.repeat} rounds")
    cache_url = redis_url(SimpleNamespace(redis_url="", two_servers=False))
    workdir = Path(tempfile.mkdtemp(prefix="clinic-growth-"))
    static = workdir / "static"
    sites = [Site(size, f"clinic_growth_{size}", {}) for size in sizes]
    try:
        for site in sites:
            admin_database(f"DROP DATABASE IF EXISTS {site.db} WITH (FORCE)")
            admin_database(f"CREATE DATABASE {site.db}")
            url = f"postgres://postgres@127.0.0.1:5432/{site.db}"
            site.env = {**bench_env(url, cache_url, static), "DJANGO_CACHE_PREFIX": site.db}
            started = time.perf_counter()
            manage(site.env, "migrate", "--noinput")
            if site is sites[0]:
                manage(site.env, "collectstatic", "--noinput")
            code = f"import json; from bench.fill import fill_to; print('FILL', json.dumps(fill_to({site.size})))"
            out = manage(site.env, "shell", "-c", code)
            site.fill = json.loads(next(x for x in out.splitlines() if x.startswith("FILL"))[5:])
            say(
                f"{site.size:>9,} consultations: {time.perf_counter() - started:4.0f} s {site.fill}"
            )
            port = free_port()
            site.server = Server(
                {**site.env, **bench_env(url, cache_url, static, port)}, port, workdir
            )
        for site in sites:
            site.server.wait_ready()
            site.browser = Browser(site.server.url)
            sign_in(site.browser, probe(site.env, "staff"))
            site.reads = probe(site.env, "reads", 1)
        results = measure(sites, args.repeat)
        document = {
            "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "method": f"one gunicorn per size on loopback, requests one at a time, each round "
            f"one request per size; median of {args.repeat} rounds after a warm-up round. "
            "In-process reads timed in a manage.py shell, twice per size.",
            "machine": {"cores": os.cpu_count(), "postgres": sites[0].reads["postgres"]},
            "sizes": sizes,
            "fills": {
                str(s.size): {
                    **s.fill,
                    "overdue_patients": s.reads["overdue"],
                    "bookings_refused": s.extra.get("refused", 0),
                }
                for s in sites
            },
            "measurements": measurements(sizes, results),
        }
        output = Path(args.output) if args.output else RESULTS / "growth.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        say("\n" + table(document))
        say(f"\nWritten: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
        return 0
    finally:
        for site in sites:
            if site.server is not None:
                site.server.stop()
            if not args.keep_db:
                admin_database(f"DROP DATABASE IF EXISTS {site.db} WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)
