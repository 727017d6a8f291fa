"""The results: the machine's details, the file in bench/results/ and the printed table."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

from bench.server import ROOT, manage, say

RESULTS = ROOT / "bench" / "results"


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


def document(
    args,
    servers: list,
    workers: int,
    restarts: int,
    cache_url: str,
    bench_only: dict,
    machine: dict,
    results: dict,
    capacity: dict | None,
) -> dict:
    """Everything a run found, with what it ran on and how, for bench/results/."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "make bench TWO_SERVERS=1" if args.two_servers else "make bench",
        "servers": len(servers),
        "gunicorn_workers_per_server": workers,
        "gunicorn_cmd_args": os.environ.get("GUNICORN_CMD_ARGS", ""),
        "gunicorn_worker_restarts": restarts,
        "cache": "redis" if cache_url else "locmem",
        "practitioners": getattr(args, "practitioners", 0) or 1,
        "rooms": getattr(args, "rooms", 0),
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
        "bench_only_settings": bench_only,
        "machine": machine,
        "pages": results,
        "double_bookings": capacity,
    }


def write(
    report: dict, output: str, two_servers: bool, staffing: tuple[int, int] | None = None
) -> Path:
    """The results file, replaced in one step: ``output``, or by default
    bench/results/latest.json, latest-two-servers.json or, with ``staffing``
    (practitioners, rooms), latest-5-practitioners-2-rooms.json and so on, so that a run
    of one kind never overwrites the figures of another."""
    name = "latest" + ("-two-servers" if two_servers else "")
    if staffing:
        name += f"-{staffing[0]}-practitioners-{staffing[1]}-rooms"
    path = Path(output) if output else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    tmp.replace(path)
    return path
