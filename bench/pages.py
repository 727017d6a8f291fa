"""The pages measured, and how: each against the floor, in alternating slices."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.booking import booking_bodies, capacity_check, drain_outbox
from bench.report import line_for
from bench.server import FORWARDED_HEADERS, Server, fetch, say
from bench.wrk import collect_wrk, merge, run_wrk, summarise

FLOOR_PATH = "/bench/floor/"


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
        Page("floor", FLOOR_PATH, note="tiny template, same middleware"),
        Page("home", "/", target=0.9),
        Page("microneedling", "/treatments/microneedling/", target=0.9, p99_ms=100),
        Page("aftercare", "/treatments/microneedling/aftercare/", target=0.9, p99_ms=100),
        Page("book", "/book/", target=0.75),
        Page("book_post", "/book/", method="POST", target=0.15, p99_ms=300),
    ]


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
            floor_runs.append(timed(FLOOR_PATH, floor, 0))
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
