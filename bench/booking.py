"""Booking POSTs: valid request bodies for /book/, then the checks after the POST run
(no slot over capacity, no email left in the outbox)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from bench.server import FORWARDED_HEADERS, NoRedirect, manage, parse_form

BENCH = Path(__file__).resolve().parent


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
        if "screening_day" in names:
            # A patient answers the dated questions for the day of the time they choose.
            data["screening_day"] = data["slot"][:10]
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
