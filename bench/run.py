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
   DJANGO_BENCH_FLOOR=1 routes /bench/floor/ (the yardstick page) and
   DJANGO_RATELIMIT_ENABLE=0 lifts the per-address limit on POST /book/, which would
   otherwise refuse a load generator that sends everything from 127.0.0.1.
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
"""

from __future__ import annotations

import argparse
import datetime
import html.parser
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
BENCH_DB = "clinic_bench"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_REDIS_DB = 14
FORWARDED_HEADERS = {"X-Forwarded-Proto": "https"}
# One key for every server of a run, as in production (signed links work on both).
SECRET_KEY = "bench-" + secrets.token_urlsafe(48)


@dataclass
class Page:
    name: str
    path: str
    method: str = "GET"
    target: float | None = None  # minimum ratio to the floor's requests/s
    p99_ms: float | None = None  # maximum p99 latency
    note: str = ""
    result: dict = field(default_factory=dict)


def pages() -> list[Page]:
    return [
        Page("floor", "/bench/floor/", note="tiny template, same middleware"),
        Page("home", "/"),
        Page("microneedling", "/treatments/microneedling/", target=0.9, p99_ms=100),
        Page("aftercare", "/treatments/microneedling/aftercare/", target=0.9, p99_ms=100),
        Page("book", "/book/", target=0.6),
        Page("book_post", "/book/", method="POST", target=0.25),
    ]


def say(message: str = "") -> None:
    print(message, flush=True)


# --- Preconditions --------------------------------------------------------------------


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "wrk is not installed. Install Debian's package: `sudo apt-get install -y wrk` "
            "(as root: `apt-get update && apt-get install -y wrk`), then run `make bench` again."
        )
    return wrk


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(args) -> tuple[str, bool]:
    """The database to benchmark against, and whether this run created it."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            say(f"warning: DATABASE_URL is not PostgreSQL ({url.split(':')[0]}); production is.")
        say("Database: DATABASE_URL (its data stays; booking POSTs add consultations to it)")
        return url, False
    import psycopg2

    say(
        f"Database: DATABASE_URL is not set, so this run creates a throwaway PostgreSQL "
        f"database '{BENCH_DB}' on 127.0.0.1 (user postgres) and drops it at the end"
        + (" (kept: --keep-db)" if args.keep_db else "")
    )
    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    connection.close()
    return f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}", True


def drop_bench_database() -> None:
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    connection.close()


def redis_url(args) -> str:
    if args.redis_url:
        url = args.redis_url
    elif listening("127.0.0.1", 6379):
        url = f"redis://127.0.0.1:6379/{BENCH_REDIS_DB}"
    else:
        if args.two_servers:
            sys.exit("Two app servers share their cache through Redis: start Redis on :6379.")
        return ""
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


# --- The site -------------------------------------------------------------------------


def server_env(db_url: str, cache_url: str, static_root: Path, port: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_MANIFEST="1",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_BENCH_FLOOR="1",
        DJANGO_RATELIMIT_ENABLE="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=db_url,
        REDIS_URL=cache_url,
        # Mail goes nowhere: the benchmark measures the site, not an SMTP server. As with
        # `make serve`, requests only queue their emails; the outbox is drained after the
        # POST run by the worker's own code (see drain_outbox).
        EMAIL_URL="dummymail://",
        DJANGO_EMAIL_WORKER="1",
        PYTHONUNBUFFERED="1",
    )
    if not cache_url:
        env.pop("REDIS_URL")
    if port is not None:
        env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        env["DJANGO_SITE_URL"] = f"https://127.0.0.1:{port}"
    return env


def manage(env: dict, *args: str, check: bool = True) -> str:
    """Output of a manage.py command; a failure ends the run unless check is False."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        if not check:
            return result.stdout + "\n" + result.stderr.strip().splitlines()[-1]
        sys.exit(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Server:
    def __init__(self, env: dict, port: int, log_dir: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_dir / f"gunicorn-{port}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "clinic.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"gunicorn on :{self.port} exited:")
            try:
                if fetch(self.url + "/healthz/")[0] == 200:
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.fail(f"gunicorn on :{self.port} did not answer /healthz/ in {timeout:.0f} s")

    def fail(self, message: str) -> None:
        self.log.flush()
        tail = self.log_path.read_text(errors="replace").splitlines()[-30:]
        sys.exit(message + "\n" + "\n".join(tail))

    def workers(self) -> list[int]:
        try:
            out = subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
            ).stdout
        except FileNotFoundError:
            return []
        return [int(pid) for pid in out.split()]

    def worker_restarts(self) -> int:
        """Workers gunicorn recycled so far (its max_requests setting)."""
        self.log.flush()
        text = self.log_path.read_text(errors="replace")
        return text.count("Autorestarting worker")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


# --- HTTP helpers ---------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, opener=None, data: bytes | None = None, headers: dict | None = None):
    """(status, body) without following redirects."""
    opener = opener or urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        url, data=data, headers={**FORWARDED_HEADERS, **(headers or {})}
    )
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


class FormParser(html.parser.HTMLParser):
    """The fields of the first POST form with a CSRF token: inputs, selects and options."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.done = False
        self.fields: list[dict] = []
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.in_form = True
            self.fields = []
        if not self.in_form:
            return
        if tag == "input" and attrs.get("name"):
            self.fields.append({"tag": "input", **attrs})
        elif tag == "textarea" and attrs.get("name"):
            self.fields.append({"tag": "textarea", **attrs})
        elif tag == "select" and attrs.get("name"):
            self._select = {"tag": "select", "options": [], **attrs}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form" and self.in_form:
            self.in_form = False
            if any(f.get("name") == "csrfmiddlewaretoken" for f in self.fields):
                self.done = True


def parse_form(body: str) -> list[dict]:
    parser = FormParser()
    parser.feed(body)
    return parser.fields


# --- wrk ------------------------------------------------------------------------------


def run_wrk(
    wrk: str,
    url: str,
    seconds: float,
    connections: int,
    threads: int,
    extra_env: dict,
    offset: int = 0,
    stride: int = 1,
) -> subprocess.Popen:
    """Start wrk; with several servers, `offset`/`stride` give each its own POST bodies."""
    # The address the browser would show: https through nginx, this server's host:port.
    origin = "https://" + urllib.parse.urlparse(url).netloc
    extra_env = {k: v.replace("{origin}", origin) for k, v in extra_env.items()}
    env = {
        **os.environ,
        **extra_env,
        "BENCH_THREADS": str(threads),
        "BENCH_OFFSET": str(offset),
        "BENCH_STRIDE": str(stride),
    }
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH / "wrk.lua"),
        url,
    ]
    return _start_wrk(command, env)


def _start_wrk(command, env) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def collect_wrk(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    sys.exit(f"wrk gave no summary:\n{out}\n{err}")


def merge(runs: list[dict], *, sequential: bool = False) -> dict:
    """Several wrk runs as one: concurrent ones (one per server) or sequential slices.
    Counts add up; latency percentiles come from the runs' quantile curves weighted by
    their request counts."""
    if len(runs) == 1:
        return runs[0]
    durations = [r["duration_us"] for r in runs]
    merged = {
        "duration_us": sum(durations) if sequential else max(durations),
        "requests": sum(r["requests"] for r in runs),
        "bytes": sum(r["bytes"] for r in runs),
        "errors": {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]},
        "status": {k: sum(r["status"][k] for r in runs) for k in runs[0]["status"]},
    }
    if not sequential:
        merged["per_server_rps"] = [
            round(r["requests"] / (r["duration_us"] / 1e6), 1) for r in runs
        ]
    merged["quantiles_us"] = []
    samples: list[tuple[int, float]] = []
    for r in runs:
        weight = r["requests"] / len(r["quantiles_us"])
        samples.extend((value, weight) for value in r["quantiles_us"])
    samples.sort()
    total = sum(w for _, w in samples)

    def percentile(p: float) -> int:
        running = 0.0
        for value, weight in samples:
            running += weight
            if running >= total * p / 100:
                return value
        return samples[-1][0]

    merged["quantiles_us"] = [percentile(q / 10) for q in range(1, 1001)]
    merged["latency_us"] = {
        "min": min(r["latency_us"]["min"] for r in runs),
        "max": max(r["latency_us"]["max"] for r in runs),
        "mean": sum(r["latency_us"]["mean"] * r["requests"] for r in runs)
        / max(1, sum(r["requests"] for r in runs)),
        "p50": percentile(50),
        "p90": percentile(90),
        "p99": percentile(99),
        "p999": percentile(99.9),
    }
    return merged


def summarise(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    result = {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 2),
        "p90_ms": round(raw["latency_us"]["p90"] / 1000, 2),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 2),
        "max_ms": round(raw["latency_us"]["max"] / 1000, 2),
        "status": raw["status"],
        "errors": {
            "http": raw["status"]["4xx"] + raw["status"]["5xx"] + raw["status"]["other"],
            "socket": socket_errors,
            **{k: v for k, v in errors.items() if k != "status"},
        },
        "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1024, 1),
    }
    result["errors"]["total"] = result["errors"]["http"] + result["errors"]["socket"]
    if "per_server_rps" in raw:
        result["per_server_rps"] = raw["per_server_rps"]
    return result


# --- Booking POSTs --------------------------------------------------------------------


def booking_bodies(server_url: str, env: dict, count: int, days_ahead: int | None):
    """Pre-built valid POST bodies for /book/, each for a different free time.

    Returns (bodies, headers, note). The free times, the treatment and its screening
    questions come from the database (bench/booking_setup.py); the CSRF cookie and token
    and the form's field names from one GET of the booking form, so the bodies follow
    the form as it changes. Every body has its own time, email and idempotency token.
    """
    setup_env = {**env, **({"BENCH_DAYS_AHEAD": str(days_ahead)} if days_ahead else {})}
    out = manage(setup_env, "shell", "-c", (BENCH / "booking_setup.py").read_text(), check=False)
    info = next(
        (
            json.loads(x[len("BOOKING_JSON ") :])
            for x in out.splitlines()
            if x.startswith("BOOKING_JSON ")
        ),
        {"ready": False, "reason": out.strip()[-300:]},
    )
    if not info.get("ready"):
        return [], {}, info.get("reason") or "booking data not ready"
    query = urllib.parse.urlencode({"treatment": info["treatment"], "date": info["first_day"]})
    request = urllib.request.Request(f"{server_url}/book/?{query}", headers=FORWARDED_HEADERS)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            body = response.read().decode()
            cookies = response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        return [], {}, f"GET /book/?{query} answered {error.code}"
    csrf_cookie = next((c.split(";")[0] for c in cookies if c.startswith("csrftoken=")), "")
    fields = parse_form(body)
    names = {f.get("name") for f in fields}
    if "csrfmiddlewaretoken" not in names or not csrf_cookie:
        return [], {}, "no booking form with a CSRF token on /book/ yet"
    if "slot" not in names:
        return [], {}, f"the booking form has no 'slot' field ({sorted(names)})"
    base = fill_form(fields, skip={"slot"})
    base.update(dict.fromkeys(info["screening"], "no"))
    known = {"is_adult": "yes", "privacy_consent": "on", "website": "", "message": ""}
    base.update({k: v for k, v in known.items() if k in names})
    slots = info["slots"]
    bodies = []
    for index in range(count):
        data = dict(base)
        data["slot"] = slots[index % len(slots)]
        if "email" in names:
            data["email"] = f"bench{index}@example.com"
        if "token" in names:
            data["token"] = str(uuid.uuid4())
        bodies.append(urllib.parse.urlencode(data))
    # {origin} becomes each server's own address when wrk starts (run_wrk).
    headers = {"Cookie": csrf_cookie, "Origin": "{origin}", "Referer": f"{{origin}}/book/?{query}"}
    note = (
        f"{len(slots)} free times (capacity {info['capacity']}, {info['days_ahead']} days "
        f"ahead), {count} bodies round-robin"
    )
    return bodies, headers, note


def fill_form(fields: list[dict], skip: set[str]) -> dict:
    """A valid answer for every field: the form's own values, or plausible ones by name."""
    data: dict[str, object] = {}
    radios: dict[str, list[str]] = {}
    for f in fields:
        name, tag, kind = f["name"], f["tag"], (f.get("type") or "text").lower()
        if name in skip:
            continue
        lowered = name.lower()
        if kind == "radio":
            radios.setdefault(name, []).append(f.get("value", ""))
            continue
        if kind in ("submit", "button", "image", "reset"):
            continue
        if kind == "hidden":
            data[name] = f.get("value", "")
        elif kind == "checkbox":
            # Consent boxes must be ticked; screening answers default to "no" (unticked).
            if "required" in f or any(w in lowered for w in ("consent", "agree", "privacy")):
                data[name] = f.get("value", "on")
        elif tag == "select":
            options = [v for v in f.get("options", []) if v]
            data[name] = options[0] if options else ""
        elif kind == "email" or "email" in lowered:
            data[name] = "bench@example.com"
        elif kind == "tel" or "phone" in lowered:
            data[name] = "0300 1234567"
        elif "name" in lowered:
            data[name] = "Bench Patient"
        elif kind == "date":
            data[name] = "1990-01-01"
        elif kind == "number":
            data[name] = f.get("min") or "30"
        elif tag == "textarea":
            data[name] = ""
        else:
            data[name] = f.get("value", "")
    for name, values in radios.items():
        lowered = name.lower()
        no = [v for v in values if v.lower() in ("no", "false", "0", "n")]
        data[name] = no[0] if no else values[0]
        if any(w in lowered for w in ("consent", "agree")):
            data[name] = values[0]
    return data


def capacity_check(env: dict) -> dict:
    """Slots holding more consultations than their capacity (must be none)."""
    code = (BENCH / "capacity_check.py").read_text()
    out = manage(env, "shell", "-c", code, check=False)
    for line in out.splitlines():
        if line.startswith("CAPACITY_JSON "):
            return json.loads(line[len("CAPACITY_JSON ") :])
    return {"checked": False, "reason": out.strip()[-300:]}


def drain_outbox(env: dict) -> dict:
    """Send what the booking POSTs queued, as the `send_queued_email` worker does, and time
    it: every accepted booking queued two emails, and none may be left behind."""
    before = capacity_check(env).get("emails", {})
    started = time.perf_counter()
    out = manage(env, "send_queued_email", "--batch", "1000000", check=False)
    seconds = time.perf_counter() - started
    after = capacity_check(env).get("emails", {})
    sent = after.get("sent", 0) - before.get("sent", 0)
    return {
        "queued_before": before.get("queued", 0),
        "sent": sent,
        "queued_after": after.get("queued", 0),
        "failed": after.get("failed", 0),
        "seconds": round(seconds, 2),
        "emails_per_s": round(sent / seconds, 1) if seconds else None,
        "worker_said": out.strip()[-200:],
    }


# --- Machine --------------------------------------------------------------------------


def machine_info(env: dict, wrk: str) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = manage(
        env,
        "shell",
        "-c",
        "import django, json; from django.db import connection; c = connection.cursor(); "
        "c.execute('select version()') if connection.vendor == 'postgresql' else None; "
        "print('V', json.dumps({'django': django.get_version(), 'database': "
        "(c.fetchone()[0] if connection.vendor == 'postgresql' else connection.vendor)}))",
    )
    info = {}
    for line in versions.splitlines():
        if line.startswith("V "):
            info = json.loads(line[2:])
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout
    import gunicorn

    memory_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu_model": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": info.get("django", ""),
        "postgres": info.get("database", ""),
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version.split("[")[0].strip(),
        "note": "wrk and the app servers share the same cores (loopback)",
    }


# --- Main -----------------------------------------------------------------------------


def main() -> int:
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
    parser.add_argument("--keep-db", action="store_true", help="keep clinic_bench afterwards")
    parser.add_argument("--keep-servers", action="store_true", help="wait for Ctrl-C at the end")
    parser.add_argument("--output", default="", help="results file (bench/results/latest.json)")
    args = parser.parse_args()

    wrk = find_wrk()
    db_url, created_db = database_url(args)
    # Enough distinct free times for the POST run: in the throwaway database only.
    args.days_ahead = 730 if created_db else None
    cache_url = redis_url(args)
    say(f"Cache: {cache_url or 'local memory per worker (Redis not listening)'}")
    say(
        "Bench-only settings: DJANGO_BENCH_FLOOR=1 (routes /bench/floor/), "
        "DJANGO_RATELIMIT_ENABLE=0 (the POST /book/ rate limit would refuse one load "
        "generator on 127.0.0.1); everything else as in production."
    )
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    static_root = workdir / "static"
    servers: list[Server] = []
    try:
        env = server_env(db_url, cache_url, static_root)
        say("Migrating and collecting static files ...")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        ports = [free_port() for _ in range(2 if args.two_servers else 1)]
        for port in ports:
            servers.append(Server(server_env(db_url, cache_url, static_root, port), port, workdir))
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
        restarts = sum(server.worker_restarts() for server in servers)
        capacity = results.pop("_capacity", None)
        report = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": "make bench TWO_SERVERS=1" if args.two_servers else "make bench",
            "servers": len(servers),
            "gunicorn_workers_per_server": workers,
            "gunicorn_cmd_args": os.environ.get("GUNICORN_CMD_ARGS", ""),
            "gunicorn_worker_restarts": restarts,
            "cache": "redis" if cache_url else "locmem",
            "load": {
                "tool": "wrk",
                "threads": args.threads,
                "connections": args.connections,
                "warmup_s": args.warmup,
                "duration_s": args.duration,
                "split": "one wrk per server, connections split evenly"
                if args.two_servers
                else "one wrk",
            },
            "bench_only_settings": {"DJANGO_BENCH_FLOOR": "1", "DJANGO_RATELIMIT_ENABLE": "0"},
            "machine": machine_info(env, wrk),
            "pages": results,
            "double_bookings": capacity,
        }
        output = (
            Path(args.output)
            if args.output
            else RESULTS / ("latest-two-servers.json" if args.two_servers else "latest.json")
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(report, indent=2) + "\n")
        tmp.replace(output)
        print_table(results, capacity)
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


def run_pages(args, wrk: str, servers: list[Server], env: dict) -> dict:
    selected = {p for p in args.pages.split(",") if p}
    results: dict = {}
    floor_rps = None
    for page in pages():
        if selected and page.name not in selected:
            continue
        extra = {"BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in FORWARDED_HEADERS.items())}
        if page.method == "POST":
            bodies, headers, note = booking_bodies(
                servers[0].url, env, args.post_bodies, args.days_ahead
            )
            if not bodies:
                results[page.name] = {"path": page.path, "method": page.method, "pending": note}
                say(f"{page.name:14} pending: {note}")
                continue
            page.note = note
            body_file = Path(tempfile.mkstemp(prefix="bench-bodies-", suffix=".txt")[1])
            body_file.write_text("\n".join(bodies) + "\n")
            extra["BENCH_BODIES"] = str(body_file)
            extra["BENCH_HEADERS"] += "\n" + "\n".join(f"{k}: {v}" for k, v in headers.items())
        else:
            status, _ = fetch(servers[0].url + page.path)
            if status != 200:
                results[page.name] = {
                    "path": page.path,
                    "method": page.method,
                    "pending": f"GET answered {status}",
                }
                say(f"{page.name:14} skipped: GET {page.path} answered {status}")
                continue
        floor_extra = {"BENCH_HEADERS": extra["BENCH_HEADERS"].split("\n", 1)[0]}
        paired = page.name != "floor" and floor_rps is not None and args.paired
        result, floor_result = measure(
            args,
            wrk,
            servers,
            page.path,
            extra,
            warmup=page.method == "GET",
            floor=floor_extra if paired else None,
        )
        if floor_result is not None:
            floor_rps = floor_result["rps"]
            result["floor_p99_ms"] = floor_result["p99_ms"]
        result.update(path=page.path, method=page.method)
        if page.note:
            result["note"] = page.note
        if page.name == "floor":
            floor_rps = result["rps"]
        if floor_rps:
            result["floor_rps"] = floor_rps
            result["ratio_to_floor"] = round(result["rps"] / floor_rps, 3)
        if page.target is not None:
            result["target_ratio"] = page.target
        if page.p99_ms is not None:
            result["target_p99_ms"] = page.p99_ms
        result["meets_targets"] = meets(page, result)
        if page.method == "POST":
            # Accepted bookings redirect (3xx); a re-shown form (2xx) means a refused one.
            result["accepted"] = result["status"]["3xx"]
            result["refused_form"] = result["status"]["2xx"]
            # wrk stops counting at the deadline; requests already sent still finish.
            time.sleep(3)
            results["_capacity"] = capacity_check(env)
            result["outbox"] = drain_outbox(env)
            result["meets_targets"] = (
                result["meets_targets"]
                and results["_capacity"].get("over_capacity") == 0
                and result["outbox"].get("queued_after") == 0
            )
            body_file.unlink(missing_ok=True)
        results[page.name] = result
        say(line_for(page.name, result))
    return results


def measure(
    args, wrk: str, servers: list, path: str, extra: dict, *, warmup: bool, floor: dict | None
) -> tuple[dict, dict | None]:
    """A warm-up (GET only), then the timed run: one wrk per server at the same time.

    With `floor` (the floor's wrk settings) the run is cut into slices that alternate
    with equal slices of the floor: the machine's other load drifts, and a ratio is only
    fair between measurements taken side by side. Returns (page, floor) results.
    """
    per_server = max(1, args.connections // len(servers))
    threads = max(1, min(args.threads, per_server))
    if warmup and args.warmup > 0:
        warm = [
            run_wrk(wrk, s.url + path, args.warmup, per_server, threads, extra) for s in servers
        ]
        for process in warm:
            collect_wrk(process)
    slices = max(1, args.slices if floor is not None else 1)
    seconds = args.duration / slices
    block = args.post_bodies // slices
    load_before = round(os.getloadavg()[0], 2)
    page_runs, floor_runs = [], []

    def timed(target: str, env: dict, base: int) -> dict:
        runs = [
            run_wrk(wrk, s.url + target, seconds, per_server, threads, env, base + i, len(servers))
            for i, s in enumerate(servers)
        ]
        return merge([collect_wrk(p) for p in runs])

    for index in range(slices):
        if floor is not None:
            floor_runs.append(timed("/bench/floor/", floor, 0))
        # Each slice of POSTs starts on bodies the earlier slices have not sent.
        page_runs.append(timed(path, extra, index * block))
    result = summarise(merge(page_runs, sequential=True))
    result["loadavg_1m_before"] = load_before
    if len(servers) > 1:
        result["per_server_rps"] = [
            round(sum(r["per_server_rps"][i] for r in page_runs) / len(page_runs), 1)
            for i in range(len(servers))
        ]
    floor_result = summarise(merge(floor_runs, sequential=True)) if floor_runs else None
    return result, floor_result


def meets(page: Page, result: dict) -> bool | None:
    checks = []
    if page.target is not None and "ratio_to_floor" in result:
        checks.append(result["ratio_to_floor"] >= page.target)
    if page.p99_ms is not None:
        checks.append(result["p99_ms"] < page.p99_ms)
    if page.method == "POST":
        checks.append(result["errors"]["total"] == 0)
    return all(checks) if checks else None


def line_for(name: str, r: dict) -> str:
    ratio = f"{r['ratio_to_floor']:.2f}" if "ratio_to_floor" in r else "  - "
    target = f"(>= {r['target_ratio']})" if "target_ratio" in r else ""
    verdict = {True: "ok", False: "MISSED", None: ""}[r.get("meets_targets")]
    return (
        f"{name:14} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
        f"  errors {r['errors']['total']:5d}  x floor {ratio} {target:9} {verdict}"
    )


def print_table(results: dict, capacity: dict | None) -> None:
    say("\nSummary (requests/s, latency at the given connections, ratio to the floor):")
    for name, r in results.items():
        if "pending" in r:
            say(f"{name:14} pending: {r['pending']}")
        else:
            say(line_for(name, r))
    if "book_post" in results and "accepted" in results["book_post"]:
        post = results["book_post"]
        outbox = post.get("outbox")
        if outbox:
            say(
                f"outbox: {outbox['queued_before']} emails queued by the POSTs; the worker sent "
                f"{outbox['sent']} in {outbox['seconds']} s ({outbox['emails_per_s']}/s), "
                f"{outbox['queued_after']} left, {outbox['failed']} failed"
            )
        say(
            f"booking POSTs: {post['accepted']} accepted (redirect), "
            f"{post['refused_form']} refused (form shown again), {post['errors']['total']} errors"
        )
    if capacity is not None:
        if capacity.get("checked"):
            say(
                f"double bookings: {capacity['over_capacity']} slot(s) over capacity "
                f"({capacity['consultations']} consultations in {capacity['slots']} slots)"
            )
        else:
            say(f"double bookings: not checked ({capacity.get('reason')})")


if __name__ == "__main__":
    sys.exit(main())
