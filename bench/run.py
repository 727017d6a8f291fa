"""Load benchmark: the site as in production, driven by wrk on loopback (`make bench`).

What it does, in order:

1. Finds wrk (Debian: `apt-get install -y wrk`).
2. Picks the database: DATABASE_URL when set, otherwise a throwaway PostgreSQL database
   `clinic_bench` on 127.0.0.1 (user postgres), re-created now and dropped at the end.
   Migrates it, so the seeded microneedling pages and booking availability exist.
3. Collects static files into a temporary STATIC_ROOT (manifest storage, as in production).
4. Starts gunicorn with gunicorn.conf.py (debug off, manifest static, Redis cache when
   Redis listens), or two of them with `--two-servers`, sharing PostgreSQL and Redis.
   Two settings differ from production, for the benchmark only:
   DJANGO_SETTINGS_MODULE=bench.settings routes /bench/floor/ (the yardstick page,
   bench/views.py) on top of the product's URLconf, and DJANGO_RATELIMIT_ENABLE=0 lifts
   the per-address limit on POST /book/, which would otherwise refuse a load generator
   that sends everything from 127.0.0.1.
   Every request carries X-Forwarded-Proto: https, as nginx sends it, so the HTTPS
   redirect and the strict CSRF checks stay on.
5. For each page: a warm-up, then a fixed-time run (wrk --latency with bench/wrk.lua).
   Prints requests/s, p50/p99 latency, errors (HTTP status >= 400 and socket errors) and
   the ratio of each page's requests/s to the floor's.
6. After the booking POSTs, counts consultations per slot in the database: a slot holding
   more consultations than its capacity is a double booking. Then sends the emails the
   POSTs queued with the worker's code and checks none is left (the servers run with
   DJANGO_EMAIL_WORKER=1, as under `make serve`).
7. Writes bench/results/latest.json (or latest-two-servers.json) with machine details.

The parts: bench/server.py (gunicorn, manage.py, HTTP helpers; the page audits use it
too), bench/backends.py (the database and cache), bench/wrk.py, bench/pages.py (what is
measured and how), bench/booking.py (the POST bodies and the checks after them) and
bench/report.py (results file and table).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `python bench/run.py` puts bench/ itself first on the path; the project root goes there
# instead, so bench's modules import only as bench.* and never shadow top-level names.
if sys.path and Path(sys.path[0] or ".").resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import nginx, report  # noqa: E402
from bench.backends import database_url, drop_bench_database, redis_url  # noqa: E402
from bench.pages import run_pages  # noqa: E402
from bench.server import Server, free_port, manage, say, server_env  # noqa: E402
from bench.wrk import find_wrk  # noqa: E402

# Where the benchmark servers differ from production, and why: see the docstring, item 4.
BENCH_ONLY_SETTINGS = {"DJANGO_SETTINGS_MODULE": "bench.settings", "DJANGO_RATELIMIT_ENABLE": "0"}


def bench_env(db_url: str, cache_url: str, static_root: Path, port: int | None = None) -> dict:
    return {**server_env(db_url, cache_url, static_root, port), **BENCH_ONLY_SETTINGS}


def main() -> int:
    if "--growth" in sys.argv[1:]:
        # The growth benchmark has its own database, sizes and measurements (bench/growth.py).
        from bench.growth import main as growth

        return growth([arg for arg in sys.argv[1:] if arg != "--growth"])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--two-servers", action="store_true", help="two gunicorn instances")
    parser.add_argument("--duration", type=float, default=10, help="seconds per page (10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per page (2)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--pages", default="", help="comma-separated subset, e.g. floor,home")
    parser.add_argument(
        "--no-paired",
        dest="paired",
        action="store_false",
        help="compare every page with the first floor run, not floor slices alongside it",
    )
    parser.add_argument(
        "--slices", type=int, default=5, help="page and floor alternate in this many slices (5)"
    )
    parser.add_argument("--redis-url", default="", help="cache for the servers")
    parser.add_argument(
        "--post-bodies", type=int, default=4000, help="distinct booking POST bodies (4000)"
    )
    parser.add_argument(
        "--practitioners", type=int, default=0, help="practitioners in all (throwaway db)"
    )
    parser.add_argument("--rooms", type=int, default=0, help="rooms every treatment needs")
    parser.add_argument("--keep-db", action="store_true", help="keep clinic_bench afterwards")
    parser.add_argument("--keep-servers", action="store_true", help="wait for Ctrl-C at the end")
    parser.add_argument(
        "--output", default="", help="results file (bench/results/latest*.json by the run's kind)"
    )
    parser.add_argument(
        "--nginx", action="store_true", help="also the microneedling page through nginx's cache"
    )
    parser.add_argument(
        "--growth",
        action="store_true",
        help="instead: the growth benchmark (bench/growth.py; its own options: --growth --help)",
    )
    args = parser.parse_args()

    wrk = find_wrk()
    if args.nginx:
        nginx.find_nginx()
    db_url, created_db = database_url(args)
    # Enough distinct free times for the POST run: in the throwaway database only.
    args.days_ahead = 730 if created_db else None
    cache_url = redis_url(args)
    say(f"Cache: {cache_url or 'local memory per worker (Redis not listening)'}")
    say(
        "Bench-only settings: DJANGO_SETTINGS_MODULE=bench.settings (routes /bench/floor/), "
        "DJANGO_RATELIMIT_ENABLE=0 (the POST /book/ rate limit would refuse one load "
        "generator on 127.0.0.1); everything else as in production."
    )
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    static_root = workdir / "static"
    servers: list[Server] = []
    try:
        env = bench_env(db_url, cache_url, static_root)
        say("Migrating and collecting static files ...")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        if args.practitioners or args.rooms:
            staffing = {
                **env,
                "BENCH_PRACTITIONERS": str(args.practitioners),
                "BENCH_ROOMS": str(args.rooms),
            }
            script = (ROOT / "bench" / "staffing_setup.py").read_text()
            out = manage(staffing, "shell", "-c", script)
            say(next(x for x in out.splitlines() if x.startswith("STAFFING_JSON")))
        ports = [free_port() for _ in range(2 if args.two_servers else 1)]
        for port in ports:
            servers.append(Server(bench_env(db_url, cache_url, static_root, port), port, workdir))
        for server in servers:
            server.wait_ready()
        workers = len(servers[0].workers())
        say(
            f"gunicorn: {len(servers)} server(s) on {', '.join(str(p) for p in ports)}, "
            f"{workers} sync workers each; wrk: {args.threads} threads, {args.connections} "
            f"connections, {args.warmup:g} s warm-up + {args.duration:g} s per page"
        )
        say()
        results = run_pages(args, wrk, servers, env)
        if args.nginx:
            results[nginx.NAME] = nginx.run(args, wrk, servers)
            say(report.line_for(nginx.NAME, results[nginx.NAME]))
        restarts = sum(server.worker_restarts() for server in servers)
        capacity = results.pop("_capacity", None)
        document = report.document(
            args,
            servers,
            workers,
            restarts,
            cache_url,
            BENCH_ONLY_SETTINGS,
            report.machine_info(env, wrk),
            results,
            capacity,
        )
        staffed = (args.practitioners, args.rooms) if args.practitioners or args.rooms else None
        output = report.write(document, args.output, args.two_servers, staffed)
        report.print_table(results, capacity)
        say(
            f"gunicorn recycled {restarts} worker(s) during the run (max_requests); each "
            "recycle imports Django again in a new worker, a stall that shows in p99."
        )
        say(f"\nWritten: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
        if args.keep_servers:
            say("Servers kept running: " + ", ".join(s.url for s in servers) + " (Ctrl-C ends)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return 0
    finally:
        for server in servers:
            server.stop()
        if created_db and not args.keep_db:
            drop_bench_database()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
