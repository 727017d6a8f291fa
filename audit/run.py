"""Page audits against a production-like server (`make audit`).

1. Starts gunicorn with gunicorn.conf.py: debug off, manifest static files collected into
   a temporary STATIC_ROOT, a temporary SQLite database (or DATABASE_URL when set),
   migrated so the seeded pages exist. Plain HTTP on 127.0.0.1, so the HTTPS redirect is
   off for this server only (DJANGO_SECURE_SSL_REDIRECT=0).
2. Lighthouse (audit/node_modules, pinned in audit/package.json) with Debian's Chromium,
   mobile settings (its default), on every public page: each <loc> of /sitemap.xml plus
   /treatments/ and /book/ (or only --pages): performance, accessibility, best-practices
   and SEO scores (target 100 each), with the audits that cost points.
3. The Nu HTML checker (vnu-jar, Java) on the same pages, the booking form for a day and
   its error state: zero errors.
4. Writes audit/results/latest.json. Exit status 1 with --strict when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "audit"
sys.path.insert(0, str(ROOT))

from bench.server import Server, fetch, free_port, manage, parse_form, server_env  # noqa: E402

LIGHTHOUSE = AUDIT / "node_modules" / ".bin" / "lighthouse"
VNU_JAR = AUDIT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# Audited besides every page of the sitemap (which should hold them; these are checked
# even if it does not).
ALWAYS_AUDITED = ["/treatments/", "/book/"]


def say(message: str = "") -> None:
    print(message, flush=True)


def chrome_path() -> str:
    for candidate in (os.environ.get("CHROME_PATH", ""), "/usr/bin/chromium"):
        if candidate and shutil.which(candidate):
            return candidate
    sys.exit("Chromium not found: `sudo apt-get install chromium` (or set CHROME_PATH).")


def lighthouse(url: str, out_dir: Path, attempts: int = 3) -> dict:
    """Lighthouse on one page, again when Chromium's trace fails (it does on a busy box)."""
    for _ in range(attempts):
        result = lighthouse_once(url, out_dir)
        if "error" not in result:
            break
    return result


def lighthouse_once(url: str, out_dir: Path) -> dict:
    report_path = out_dir / (re.sub(r"[^a-z0-9]+", "-", url.split("://", 1)[1]) + ".json")
    env = {**os.environ, "CHROME_PATH": chrome_path()}
    result = subprocess.run(  # noqa: S603 (our own tools, fixed arguments)
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report_path}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if result.returncode != 0 or not report_path.exists():
        return {"error": (result.stderr or result.stdout).strip()[-500:]}
    report = json.loads(report_path.read_text())
    report_path.unlink()
    if report.get("runtimeError"):
        return {"error": report["runtimeError"].get("message", "Lighthouse runtime error")}
    scores = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    losing = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if (
                ref.get("weight", 0) > 0
                and audit.get("score") is not None
                and audit["score"] < 1
                and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
            ):
                losing.append(
                    {
                        "category": name,
                        "id": ref["id"],
                        "title": audit["title"],
                        "score": audit["score"],
                        "value": audit.get("displayValue", ""),
                        "where": culprits(
                            report["audits"].get("layout-shifts", {})
                            if ref["id"] == "cumulative-layout-shift"
                            else audit
                        ),
                    }
                )
    metrics = {
        key: report["audits"][key].get("displayValue", "")
        for key in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "cumulative-layout-shift",
            "speed-index",
        )
        if key in report["audits"]
    }
    return {"scores": scores, "losing": losing, "metrics": metrics}


def culprits(audit: dict) -> list[str]:
    """The elements or resources an audit blames, briefly."""
    found = []
    for item in (audit.get("details") or {}).get("items", [])[:3]:
        node = item.get("node") or {}
        found.append(node.get("selector") or node.get("snippet") or item.get("url") or "")
    return [f[:120] for f in found if f]


def audited_paths(base: str) -> list[str]:
    """Every page of the sitemap, then those always audited, once each."""
    return list(dict.fromkeys([*sitemap_paths(base), *ALWAYS_AUDITED]))


def sitemap_paths(base: str) -> list[str]:
    status, body = fetch(base + "/sitemap.xml")
    if status != 200:
        sys.exit(f"/sitemap.xml answered {status}")
    paths = []
    for loc in re.findall(r"<loc>([^<]+)</loc>", body):
        paths.append(urllib.parse.urlparse(loc).path)
    return paths


def booking_pages(base: str, pages_dir: Path) -> dict[str, Path]:
    """The booking form for the first free day, and its error state (empty POST)."""
    saved: dict[str, Path] = {}
    status, body = fetch(base + "/book/")
    if status != 200:
        return saved
    treatment = re.search(r'<option value="([a-z0-9-]+)"[^>]*>', body)
    days = re.findall(r'<option value="(\d{4}-\d{2}-\d{2})"', body)
    if not days:
        return saved
    query = urllib.parse.urlencode(
        {"treatment": treatment.group(1) if treatment else "microneedling", "date": days[0]}
    )
    request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
        f"{base}/book/?{query}", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        form_html = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    saved[f"/book/?{query}"] = write_page(pages_dir, "book-form", form_html)
    fields = {f["name"]: f.get("value", "") for f in parse_form(form_html)}
    cookie = next((c.split(";")[0] for c in cookies if c.startswith("csrftoken=")), "")
    if "csrfmiddlewaretoken" in fields and cookie:
        data = {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}
        if "treatment" in fields:
            data["treatment"] = fields["treatment"]
        origin = base.replace("http://", "https://")
        status, error_html = fetch(
            base + "/book/",
            data=urllib.parse.urlencode(data).encode(),
            headers={"Cookie": cookie, "Origin": origin, "Referer": f"{origin}/book/?{query}"},
        )
        saved[f"POST /book/ (empty form, {status})"] = write_page(
            pages_dir, "book-errors", error_html
        )
    return saved


def write_page(pages_dir: Path, name: str, html: str) -> Path:
    path = pages_dir / f"{name}.html"
    path.write_text(html)
    return path


def vnu(files: dict[str, Path]) -> dict:
    java = shutil.which("java")
    if java is None:
        sys.exit("Java not found: `sudo apt-get install openjdk-17-jre-headless`.")
    result = subprocess.run(  # noqa: S603 (our own tools, fixed arguments)
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
        + [str(p) for p in files.values()],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    by_file = {str(p): label for label, p in files.items()}
    report: dict[str, dict] = {label: {"errors": [], "warnings": []} for label in files}
    for message in messages:
        label = by_file.get(urllib.parse.unquote(message.get("url", "")).removeprefix("file:"))
        if label is None:
            continue
        kind = "errors" if message.get("type") == "error" else "warnings"
        report[label][kind].append(
            {
                "line": message.get("lastLine"),
                "message": message.get("message"),
                "extract": (message.get("extract") or "").strip()[:160],
            }
        )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-lighthouse", action="store_true")
    parser.add_argument("--skip-vnu", action="store_true")
    parser.add_argument("--pages", default="", help="Lighthouse pages, comma-separated paths")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--output", default=str(AUDIT / "results" / "latest.json"))
    args = parser.parse_args()
    if not args.skip_lighthouse and not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: `cd audit && npm ci` (make audit does it).")
    if not args.skip_vnu and not VNU_JAR.exists():
        sys.exit("vnu-jar is not installed: `cd audit && npm ci` (make audit does it).")

    workdir = Path(tempfile.mkdtemp(prefix="clinic-audit-"))
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'audit.sqlite3'}"
    say(f"Database: {'DATABASE_URL' if 'DATABASE_URL' in os.environ else 'temporary SQLite'}")
    server = None
    try:
        env = server_env(db_url, "", workdir / "static")
        env.update(DJANGO_SECURE_SSL_REDIRECT="0")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        port = free_port()
        server_settings = server_env(db_url, "", workdir / "static", port)
        server_settings.update(
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        )
        server = Server(server_settings, port, workdir)
        server.wait_ready()
        base = server.url
        say(f"gunicorn on {base} (DEBUG off, manifest static files)\n")
        report: dict = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "lighthouse": {},
            "vnu": {},
        }
        missed = False
        if not args.skip_lighthouse:
            say("Lighthouse (mobile): performance / accessibility / best-practices / SEO")
            out_dir = workdir / "lighthouse"
            out_dir.mkdir()
            for path in args.pages.split(",") if args.pages else audited_paths(base):
                result = lighthouse(base + path, out_dir)
                report["lighthouse"][path] = result
                if "error" in result:
                    missed = True
                    say(f"  {path:48} failed: {result['error'][:200]}")
                    continue
                scores = result["scores"]
                missed |= any(v < 100 for v in scores.values())
                say(f"  {path:48} " + " / ".join(f"{scores[c]:3d}" for c in CATEGORIES))
                for item in result["losing"]:
                    where = f" ({'; '.join(item['where'])})" if item["where"] else ""
                    say(f"      - {item['category']}: {item['title']} {item['value']}{where}")
        if not args.skip_vnu:
            pages_dir = workdir / "pages"
            pages_dir.mkdir()
            files: dict[str, Path] = {}
            for index, path in enumerate(audited_paths(base)):
                if path in files:
                    continue
                status, html = fetch(base + path)
                if status != 200:
                    report["vnu"][path] = {"errors": [{"message": f"answered {status}"}]}
                    missed = True
                    continue
                files[path] = write_page(pages_dir, f"page{index}", html)
            files.update(booking_pages(base, pages_dir))
            report["vnu"].update(vnu(files))
            errors = sum(len(r["errors"]) for r in report["vnu"].values())
            missed |= errors > 0
            say(f"\nNu HTML checker: {len(report['vnu'])} pages, {errors} errors")
            for label, result in report["vnu"].items():
                if result["errors"] or result.get("warnings"):
                    say(
                        f"  {label}: {len(result['errors'])} errors, "
                        f"{len(result.get('warnings', []))} warnings"
                    )
                    for item in (result["errors"] + result.get("warnings", []))[:8]:
                        say(f"      line {item.get('line')}: {item['message']}")
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        say(f"\nWritten: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
        return 1 if (missed and args.strict) else 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
