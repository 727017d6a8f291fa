"""Real servers on loopback for the fault tests: gunicorn as production runs it, a
redis-server and an SMTP server of the test's own, and plain HTTP requests to them."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def require(*, redis: bool = False) -> None:
    """Skip (locally) or fail (under CI) unless PostgreSQL and, if asked, redis-server
    are there: the servers started here share the database with the test."""
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL is not PostgreSQL")
    if redis and shutil.which("redis-server") is None:
        problems.append("redis-server is not installed (apt-get install redis-server)")
    if problems:
        message = "fault tests run real servers on PostgreSQL: " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message + " (under CI this test must run)")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str | None = None) -> str:
    """The test database's address (or another database's on the same server)."""
    s = connection.settings_dict
    credentials = urllib.parse.quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(s["PASSWORD"])
    return f"postgres://{credentials}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name or s['NAME']}"


def wait_for(check, *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"{what} did not happen within {timeout:g} s")


# --- HTTP ---------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    headers: object
    body: str
    seconds: float


def http(url: str, *, data: dict | None = None, headers: dict | None = None) -> Answer:
    """One request, redirects not followed, with the time it took to answer."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    started = time.monotonic()
    try:
        with _OPENER.open(req, timeout=30) as response:
            status, answer_headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, text = error.code, error.headers, error.read()
    return Answer(status, answer_headers, text.decode(), time.monotonic() - started)


def booking_form(url: str) -> tuple[dict, str]:
    """(headers carrying the CSRF cookie, form page) from a GET of the booking form."""
    answer = http(url)
    assert answer.status == 200, f"GET {url} answered {answer.status}"
    cookie = next(
        c.split(";")[0]
        for c in answer.headers.get_all("Set-Cookie") or []
        if c.startswith("csrftoken=")
    )
    return {"Cookie": cookie}, answer.body


NAMES = ["Ayesha", "Bilal", "Sana", "Hamza", "Zara", "Omar", "Hina", "Imran", "Nadia", "Faisal"]


def booking_data(page: str, *, slot: str, index: int) -> dict:
    """A complete request from the form page: its token, treatment and questions."""

    def field(name):
        return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)

    data = {
        "csrfmiddlewaretoken": field("csrfmiddlewaretoken"),
        "treatment": field("treatment"),
        "slot": slot,
        "full_name": f"Fault Patient {NAMES[index % len(NAMES)]}",
        "email": f"fault{index}@example.com",
        "phone": "0300 1234567",
        "contact_preference": "phone",
        "is_adult": "yes",
        "message": f"Typed before the outage {index}.",
        "privacy_consent": "on",
        "token": f"00000000-0000-4000-8000-{index:012d}",
        "website": "",
    }
    for name in sorted(set(re.findall(r'name="(screen_\d+)"', page))):
        data[name] = "no"
    return data


def slots_on(page: str) -> list[str]:
    return re.findall(r'name="slot" id="[^"]+" value="([^"]+)"', page)


# --- processes ----------------------------------------------------------------------------


def app_env(*, database: str, **extra: str) -> dict:
    """The environment of a production process (debug off) on ``database``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="fault-tests-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_MANIFEST="0",
        DJANGO_LOG_LEVEL="INFO",
        DATABASE_URL=database,
        EMAIL_URL="dummymail://",
        GUNICORN_LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


class Process:
    """A child process whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log_path = log
        self._log = log.open("w")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()


class Gunicorn(Process):
    def __init__(self, tmp_path: Path, env: dict, *, workers: int = 2, name: str = "gunicorn"):
        port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
        super().__init__(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "clinic.wsgi"], env, tmp_path / f"{name}.log"
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log()[-3000:]}")
            try:
                if http(self.url + "/robots.txt").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail("gunicorn did not answer within 60 s")


class RedisServer:
    """A redis-server of the test's own (never the shared one), keeping its snapshot in
    ``directory`` so that it can come back with the data it had."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--dbfilename",
                "dump.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server answering")

    def _answers(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.RedisError:
            return False

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop it; with ``keep_data`` it writes its snapshot first and loads it on start."""
        if self.process is None:
            return
        if keep_data:
            self.client().save()
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process = None
