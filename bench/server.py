"""A production-like site on loopback, shared by the benchmark and the page audits.

gunicorn with gunicorn.conf.py, manage.py commands in the same environment, and plain
HTTP helpers that talk to the server as nginx would (X-Forwarded-Proto: https).
"""

from __future__ import annotations

import html.parser
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
FORWARDED_HEADERS = {"X-Forwarded-Proto": "https"}
# One key for every server of a run, as in production (signed links work on both).
SECRET_KEY = "bench-" + secrets.token_urlsafe(48)


def say(message: str = "") -> None:
    print(message, flush=True)


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


# --- The site -------------------------------------------------------------------------


def server_env(db_url: str, cache_url: str, static_root: Path, port: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_MANIFEST="1",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=db_url,
        REDIS_URL=cache_url,
        # Mail goes nowhere: the benchmark measures the site, not an SMTP server. As with
        # `make serve`, requests only queue their emails; the benchmark drains the outbox
        # after its POST run with the worker's own code (bench/booking.py, drain_outbox).
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
