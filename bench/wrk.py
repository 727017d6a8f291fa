"""wrk: starting it with bench/wrk.lua, reading its summary, and merging runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "wrk is not installed. Install Debian's package: `sudo apt-get install -y wrk` "
            "(as root: `apt-get update && apt-get install -y wrk`), then run `make bench` again."
        )
    return wrk


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
