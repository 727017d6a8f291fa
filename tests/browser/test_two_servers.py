"""Two app servers behind one database and one cache, as production runs them.

Two gunicorn instances (gunicorn.conf.py, debug off) on free ports, both on the pytest
test database (PostgreSQL) and the same Redis (TEST_REDIS_URL). Checks:

(a) a booking race across both: ~40 patients ask for the same time at once, half through
    each server, with room for one: exactly one consultation is made, the others see the
    form again, nothing fails;
(b) the rate limit on POST /book/ is counted across both servers: posts from one client
    alternating between them are refused after the configured count in total, not per
    server.

Needs PostgreSQL (DATABASE_URL) and Redis (TEST_REDIS_URL): skipped with the reason
locally when either is missing; under CI (CI set) a missing one is a failure.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.browser.test_budgets import seed_content

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def require_services() -> str:
    """TEST_REDIS_URL, after checking PostgreSQL and Redis are there."""
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL is not PostgreSQL")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if not redis_url:
        problems.append("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    if problems:
        message = "two app servers need PostgreSQL and Redis: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message + " (under CI this test must run)")
        pytest.skip(message)
    return redis_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    s = connection.settings_dict
    credentials = urllib.parse.quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(s["PASSWORD"])
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{s['NAME']}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(url: str, *, data: dict | None = None, headers: dict | None = None):
    """(status, headers, body) without following redirects."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with OPENER.open(req, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def two_servers(tmp_path):
    redis_url = require_services()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    prefix = f"two-servers-{uuid.uuid4().hex[:8]}"
    processes = []
    urls = []
    try:
        for index in range(2):
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
            env.update(
                DJANGO_DEBUG="0",
                DJANGO_SECRET_KEY="two-servers-test-key-" + prefix,
                DJANGO_ALLOWED_HOSTS="127.0.0.1",
                DJANGO_SECURE_SSL_REDIRECT="0",
                DJANGO_STATIC_MANIFEST="0",
                DJANGO_RATELIMIT_ENABLE="1",
                DJANGO_CONN_MAX_AGE="0",
                DJANGO_CACHE_PREFIX=prefix,
                DJANGO_LOG_LEVEL="WARNING",
                DATABASE_URL=database_url(),
                REDIS_URL=redis_url,
                EMAIL_URL="dummymail://",
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_WORKERS="3",
                GUNICORN_LOG_LEVEL="warning",
            )
            log = (tmp_path / f"gunicorn-{index}.log").open("w")
            processes.append(
                (
                    subprocess.Popen(
                        [str(GUNICORN), "-c", "gunicorn.conf.py", "clinic.wsgi"],
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for (process, _), url in zip(processes, urls, strict=True):
            wait_ready(process, url, tmp_path)
        yield urls
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.terminate()
        for process, log in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()


def wait_ready(process, url: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text() for p in tmp_path.glob("gunicorn-*.log"))
            pytest.fail(f"gunicorn exited:\n{logs[-3000:]}")
        try:
            if request(url + "/healthz/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"gunicorn at {url} did not answer /healthz/ within 60 s")


def csrf_pair(url: str) -> tuple[str, str, str]:
    """(cookie header, token, form page) from a GET of the booking form."""
    status, headers, body = request(url)
    assert status == 200, f"GET {url} answered {status}"
    cookie = next(
        c.split(";")[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken=")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return cookie, token, body


def first_free_time():
    """(treatment option, first free start) as the booking page computes them."""
    from django.utils import timezone

    from bookings import availability
    from bookings.selectors import load_treatments

    treatment = load_treatments()["microneedling"]
    rules = availability.load_rules()
    start = availability.next_free(availability.upcoming_free_slots(rules, now=timezone.now()))[0]
    return treatment, start


def form_query(treatment, start) -> str:
    from bookings.forms import slot_value

    return urllib.parse.urlencode({"treatment": treatment.slug, "date": slot_value(start)[:10]})


def configured_limit() -> int:
    from bookings.views import booking_rate

    return int(booking_rate(None, None).split("/")[0])


def test_the_booking_rate_limit_is_counted_across_both_servers(two_servers):
    seed_content()
    limit = configured_limit()
    cookie, token, _ = csrf_pair(f"{two_servers[0]}/book/?{form_query(*first_free_time())}")
    # One patient's address, as nginx passes it on to both servers.
    headers = {"Cookie": cookie, "X-Forwarded-For": "203.0.113.7"}
    codes = []
    for attempt in range(limit + 2):
        server = two_servers[attempt % 2]
        status, _, _ = request(
            server + "/book/", data={"csrfmiddlewaretoken": token}, headers=headers
        )
        codes.append(status)
    assert 429 not in codes[:limit], f"refused too soon: {codes}"
    assert codes[limit:] == [429, 429], f"not refused after {limit} in total: {codes}"
    # Another patient is not affected.
    other = {"Cookie": cookie, "X-Forwarded-For": "203.0.113.8"}
    status, _, _ = request(
        two_servers[1] + "/book/", data={"csrfmiddlewaretoken": token}, headers=other
    )
    assert status != 429


def test_a_race_for_one_time_across_both_servers_makes_exactly_one_consultation(two_servers):
    from bookings.forms import slot_value
    from bookings.models import Consultation, Practitioner

    seed_content()
    assert Practitioner.objects.filter(is_active=True).count() == 1
    treatment, start = first_free_time()
    slot = slot_value(start)
    cookie, token, page = csrf_pair(f"{two_servers[0]}/book/?{form_query(treatment, start)}")
    assert f'value="{slot}"' in page, "the chosen time is not offered on the form"

    patients = 40
    barrier = threading.Barrier(patients)

    def book(index: int) -> tuple[int, str]:
        data = {
            "csrfmiddlewaretoken": token,
            "treatment": treatment.slug,
            "slot": slot,
            "full_name": "Race Patient",
            "email": f"race{index}@example.com",
            "phone": "0300 1234567",
            "contact_preference": "phone",
            "is_adult": "yes",
            "privacy_consent": "on",
            "token": str(uuid.uuid4()),
            "website": "",
            **{f"screen_{q.pk}": "no" for q in treatment.questions},
        }
        # Forty different patients (addresses), so the per-address limit stays out of it.
        headers = {"Cookie": cookie, "X-Forwarded-For": f"198.51.100.{index + 1}"}
        barrier.wait(timeout=30)
        status, response_headers, _ = request(
            two_servers[index % 2] + "/book/", data=data, headers=headers
        )
        return status, response_headers.get("Location", "")

    with ThreadPoolExecutor(max_workers=patients) as pool:
        results = list(pool.map(book, range(patients)))

    statuses = [status for status, _ in results]
    accepted = [location for status, location in results if status == 302]
    assert len(accepted) == 1 and "/book/done/" in accepted[0], statuses
    assert all(status == 200 for status in statuses if status != 302), statuses
    active = Consultation.objects.filter(
        starts_at=start, status__in=Consultation.ACTIVE_STATUSES
    ).count()
    assert active == 1
