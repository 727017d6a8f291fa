"""Uptime monitors and load balancers ask with HEAD; every page answers it like GET."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SAFE_PAGES = [
    "/",
    "/contact/",
    "/privacy/",
    "/healthz/",
    "/robots.txt",
    "/sitemap.xml",
    "/treatments/",
    "/treatments/microneedling/",
    "/treatments/microneedling/aftercare/",
    "/treatments/microneedling/ask/",
    "/book/",
    "/book/?treatment=microneedling",
    "/admin/login/",
]


@pytest.mark.parametrize("path", SAFE_PAGES)
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200, path
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.parametrize("path", SAFE_PAGES)
def test_options_is_answered_without_a_server_error(client, path):
    assert client.options(path).status_code in (200, 405)


def test_the_sitemap_follows_a_content_edit_at_once(client):
    from tests.factories import TreatmentFactory
    from treatments import services

    before = client.get(reverse("sitemap")).content.decode()
    TreatmentFactory(slug="chemical-peel", is_published=True)
    services.treatment_content_changed()
    after = client.get(reverse("sitemap")).content.decode()
    assert "/treatments/chemical-peel/" not in before
    assert "/treatments/chemical-peel/" in after
