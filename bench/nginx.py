"""nginx in front of the benchmark's gunicorn, with the shared cache of a deployment
(`bench/run.py --nginx`): how fast a public page comes out of nginx's cache.

The nginx is our own: a config written to a temporary folder, listening on a free
loopback port, started as a child of this process and stopped at the end; a system
nginx service and its files are never read or touched. Debian: `apt-get install -y
nginx-light`.

The cache is the one the README's deployment describes: kept as long as the origin's
`s-maxage` says (no `proxy_cache_valid`), revalidated with the page's ETag once that
passes (`proxy_cache_revalidate`), served stale while the origin is down or a fresh copy
is being fetched, and never used or filled for a signed-in session or a visitor with a
message waiting. Responses that set a cookie, or say private or no-store, nginx does not
keep by itself.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.server import FORWARDED_HEADERS, free_port, listening, say
from bench.wrk import collect_wrk, merge, run_wrk, summarise

NAME = "microneedling_nginx"
PATH = "/treatments/microneedling/"
FLOOR_PATH = "/bench/floor/"

CONFIG = """\
# Written by bench/nginx.py for one benchmark run; removed when the run ends.
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/temp/body;
    proxy_temp_path {dir}/temp/proxy;
    fastcgi_temp_path {dir}/temp/fastcgi;
    uwsgi_temp_path {dir}/temp/uwsgi;
    scgi_temp_path {dir}/temp/scgi;
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=clinic:10m max_size=256m
                     inactive=1h use_temp_path=off;
    upstream clinic {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://clinic;
            proxy_set_header Host $host;
            # wrk speaks plain HTTP on loopback to what stands for the TLS end.
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_cache clinic;
            proxy_cache_revalidate on;
            proxy_cache_use_stale error timeout updating;
            # Signed in (staff) or a message waiting: past the cache, as the app's own
            # page cache does; Vary: Cookie is then needless here, and obeying it would
            # give every visitor with a cookie (a CSRF token from a form) a miss.
            proxy_cache_bypass $cookie_sessionid $cookie_messages;
            proxy_no_cache $cookie_sessionid $cookie_messages;
            proxy_ignore_headers Vary;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def find_nginx() -> str:
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/usr/bin:/usr/local/bin")
    if nginx is None:
        sys.exit(
            "--nginx needs nginx: `sudo apt-get install -y nginx-light` (Debian), then run "
            "the benchmark again. No nginx service is started or used."
        )
    return nginx


class Nginx:
    """Our nginx on a free loopback port, proxying to ``upstream_ports``."""

    def __init__(self, upstream_ports: list[int]):
        self.binary = find_nginx()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Its own folder, readable by the unprivileged worker nginx starts when run as
        # root (a folder inside the benchmark's private one would not be).
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-bench-nginx-"))
        self.dir.chmod(0o755)
        (self.dir / "temp").mkdir(mode=0o755)  # nginx makes only the last folder of a path
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in upstream_ports)
        config = self.dir / "nginx.conf"
        config.write_text(CONFIG.format(dir=self.dir, port=self.port, servers=servers))
        log = self.dir / "error.log"  # -e: not the log path built into the binary
        command = [self.binary, "-p", str(self.dir), "-c", str(config), "-e", str(log)]
        test = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if test.returncode != 0:
            self.remove()
            sys.exit(f"nginx refused the benchmark's config:\n{test.stderr}")
        with (self.dir / "stderr.log").open("w") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while not listening("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit("nginx did not start:\n" + self.error_log())
            time.sleep(0.1)

    def error_log(self) -> str:
        logs = (self.dir / name for name in ("stderr.log", "error.log"))
        return "".join(log.read_text(errors="replace") for log in logs if log.exists())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish, then exit
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def head_of(url: str, headers: dict | None = None) -> tuple[int, dict]:
    """(status, headers) of a GET, 304 included."""
    request = urllib.request.Request(url, headers={**FORWARDED_HEADERS, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def cache_checks(front: Nginx, origin: str) -> dict:
    """What nginx and the origin say of the page before the load: a miss then a hit in
    nginx (a hit for a visitor with a CSRF cookie too, a bypass for a session), the
    origin's caching headers and its 304 to the tag it gave."""
    statuses = [head_of(front.url + PATH)[1].get("X-Cache-Status") for _ in range(2)]
    status, headers = head_of(origin + PATH)
    etag = headers.get("ETag", "")
    revalidated, _ = head_of(origin + PATH, {"If-None-Match": etag}) if etag else (None, {})

    def through(cookie: str):
        return head_of(front.url + PATH, {"Cookie": cookie})[1].get("X-Cache-Status")

    return {
        "nginx_first_two": statuses,
        "nginx_with_csrf_cookie": through("csrftoken=from-a-form"),
        "nginx_with_session_cookie": through("sessionid=signed-in"),
        "origin_status": status,
        "origin_cache_control": headers.get("Cache-Control", ""),
        "origin_etag": etag,
        "origin_if_none_match": revalidated,
    }


def measure(args, wrk: str, servers: list, front: Nginx) -> dict:
    """The page through nginx against the floor straight from gunicorn, in alternating
    slices as for every other page (bench/pages.py), after a warm-up through nginx."""
    extra = {"BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in FORWARDED_HEADERS.items())}
    threads = max(1, min(args.threads, args.connections))
    if args.warmup > 0:
        collect_wrk(run_wrk(wrk, front.url + PATH, args.warmup, args.connections, threads, extra))
    slices = max(1, args.slices if args.paired else 1)
    seconds = args.duration / slices
    per_server = max(1, args.connections // len(servers))
    page_runs, floor_runs = [], []
    for _ in range(slices):
        if args.paired:
            runs = [
                run_wrk(wrk, s.url + FLOOR_PATH, seconds, per_server, threads, extra)
                for s in servers
            ]
            floor_runs.append(merge([collect_wrk(p) for p in runs]))
        page_runs.append(
            collect_wrk(run_wrk(wrk, front.url + PATH, seconds, args.connections, threads, extra))
        )
    result = summarise(merge(page_runs, sequential=True))
    result.update(path=PATH, method="GET", note="through nginx's proxy_cache")
    if floor_runs:
        floor = summarise(merge(floor_runs, sequential=True))
        result["floor_rps"] = floor["rps"]
        result["floor_p99_ms"] = floor["p99_ms"]
        result["ratio_to_floor"] = round(result["rps"] / floor["rps"], 3) if floor["rps"] else 0
    result["meets_targets"] = None
    return result


def run(args, wrk: str, servers: list) -> dict:
    """Start nginx in front of ``servers``, check and measure the page, stop nginx."""
    front = Nginx([server.port for server in servers])
    try:
        say(f"nginx {front.binary} on :{front.port} in front of gunicorn, its own cache")
        checks = cache_checks(front, servers[0].url)
        nginx_said = " then ".join(str(s) for s in checks["nginx_first_two"])
        say(
            f"  nginx: {nginx_said}; origin: {checks['origin_status']}, Cache-Control "
            f"{checks['origin_cache_control']!r}, If-None-Match -> "
            f"{checks['origin_if_none_match']}; with a CSRF cookie "
            f"{checks['nginx_with_csrf_cookie']}, a session cookie "
            f"{checks['nginx_with_session_cookie']}"
        )
        result = measure(args, wrk, servers, front)
        result["cache_checks"] = checks
        errors = front.error_log().strip()
        if errors:
            result["nginx_errors"] = errors.splitlines()[-5:]
        return result
    finally:
        front.stop()
