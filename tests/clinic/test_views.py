import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest
from django.db import DatabaseError
from django.urls import reverse

PUBLIC_PAGES = ["home", "contact", "privacy", "treatments:list", "bookings:book"]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.h1_count = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("link", "script", "img") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))
        if tag == "h1":
            self.h1_count += 1
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_every_public_page_has_a_title_and_one_main_heading(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = parse(response)
    assert page.title.strip()
    assert page.h1_count == 1


@pytest.mark.django_db
def test_crawl_from_home_page_finds_no_broken_internal_link(client):
    seen: set[str] = set()
    queue = ["/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        for href in parse(response).links:
            href = urldefrag(href).url
            parsed = urlparse(href)
            if parsed.scheme in ("mailto", "tel") or (
                parsed.netloc and parsed.netloc != "testserver"
            ):
                continue
            if href and href.startswith("/") and not href.startswith("/admin/"):
                queue.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    assert len(seen) >= 8


@pytest.mark.django_db
def test_footer_and_contact_page_show_clinic_details_that_staff_edit(client):
    from clinic.models import ClinicProfile

    profile = ClinicProfile.objects.get()
    profile.phone = "+92 51 7654321"
    profile.hours_text = "Monday to Thursday: 09:00 to 17:00"
    profile.save()
    from django.core.cache import cache

    cache.clear()
    body = client.get(reverse("contact")).content.decode()
    assert 'href="tel:+92517654321"' in body
    assert "Monday to Thursday: 09:00 to 17:00" in body


@pytest.mark.django_db
def test_unknown_address_shows_the_clinic_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"find that page" in response.content
    assert b"Go to the home page" in response.content


def test_500_page_renders_without_a_database():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "Khan Aesthetic" in html


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_robots_txt_points_to_the_sitemap_and_keeps_robots_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r"^Sitemap: http://testserver/sitemap\.xml$", body, re.M)
    assert "Disallow: /admin/" in body


@pytest.mark.django_db
def test_pages_send_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_templates_carry_no_inline_script_or_style(client):
    for name in PUBLIC_PAGES:
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html), name
        assert "<style" not in html, name
        assert not re.search(r"\sstyle=\"", html), name
        assert not re.search(r"\son[a-z]+=\"", html), name


@pytest.mark.django_db
def test_home_page_is_cached_and_a_clinic_profile_edit_in_admin_shows_at_once(admin_client):
    from django.test import Client

    from clinic.models import ClinicProfile

    client = Client()
    assert client.get("/")["X-Page-Cache"] == "miss"
    with_cache = client.get("/")
    assert with_cache["X-Page-Cache"] == "hit"
    profile = ClinicProfile.objects.get()
    data = {
        field: getattr(profile, field)
        for field in (
            "name",
            "tagline",
            "street_address",
            "locality",
            "region",
            "postal_code",
            "country",
            "phone",
            "whatsapp",
            "email",
            "hours_text",
        )
    }
    data["phone"] = "+92 51 1112223"
    response = admin_client.post(f"/admin/clinic/clinicprofile/{profile.pk}/change/", data)
    assert response.status_code == 302
    assert "+92 51 1112223" in client.get("/").content.decode()
