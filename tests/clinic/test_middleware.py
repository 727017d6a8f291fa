"""Security headers and cookie flags on every public page."""

import re
from urllib.parse import urlparse

import pytest

from bookings.seed import ensure_booking_defaults
from tests.factories import TreatmentFactory, UserFactory


@pytest.fixture
def public_paths(client, db):
    ensure_booking_defaults()
    TreatmentFactory(name="Microneedling", slug="microneedling")
    TreatmentFactory(name="Laser hair removal", slug="laser-hair-removal")
    response = client.get("/sitemap.xml", secure=True)
    assert response.status_code == 200
    locs = re.findall(r"<loc>(.*?)</loc>", response.content.decode())
    paths = sorted({urlparse(loc).path for loc in locs} | {"/book/"})
    assert "/" in paths and any("microneedling" in p for p in paths)
    return paths


def _directives(csp: str) -> dict[str, str]:
    parts = (part.strip() for part in csp.split(";") if part.strip())
    return {p.split(" ", 1)[0]: (p.split(" ", 1) + [""])[1] for p in parts}


def test_every_public_page_sends_a_strict_policy(client, public_paths):
    for path in public_paths:
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        csp = response["Content-Security-Policy"]
        directives = _directives(csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert directives["object-src"] == "'none'", path
        assert directives["base-uri"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        hsts = response["Strict-Transport-Security"]
        max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
        assert max_age >= 31536000, path
        assert "includeSubDomains" in hsts and "preload" in hsts, path
        assert "camera=()" in response["Permissions-Policy"], path
        assert "geolocation=()" in response["Permissions-Policy"], path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path


def _check_cookie(cookie, *, http_only: bool):
    assert cookie["secure"], cookie.key
    assert cookie["samesite"] in ("Lax", "Strict"), cookie.key
    if http_only:
        assert cookie["httponly"], cookie.key


def test_the_booking_page_sets_a_secure_csrf_cookie(client, public_paths):
    from django.utils import timezone

    from bookings import availability

    day = next(
        iter(availability.upcoming_free_slots(availability.load_rules(), now=timezone.now()))
    )
    response = client.get(
        "/book/", {"treatment": "microneedling", "date": day.isoformat()}, secure=True
    )
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    cookie = response.cookies["csrftoken"]
    _check_cookie(cookie, http_only=True)
    for path in public_paths:
        for morsel in client.get(path, secure=True).cookies.values():
            _check_cookie(morsel, http_only=morsel.key in ("csrftoken", "sessionid"))


def test_signing_in_sets_a_secure_http_only_session_cookie(client, db):
    UserFactory(username="reception", is_staff=True)
    client.get("/admin/login/", secure=True)
    response = client.post(
        "/admin/login/",
        {"username": "reception", "password": "correct horse battery staple"},
        secure=True,
    )
    assert response.status_code == 302
    _check_cookie(response.cookies["sessionid"], http_only=True)


def test_plain_http_gets_no_hsts_header(client, db):
    assert not client.get("/").has_header("Strict-Transport-Security")
