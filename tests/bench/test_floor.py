"""The benchmark floor under bench.settings: the product's stack with one tiny page added.

Every page's ratio to the floor is only the cost of that page's own work while the floor
passes through the same middleware, template engine and context processors.
"""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

import bench.settings as bench_settings
import clinic.settings as product_settings

SECURITY_HEADERS = [
    "Strict-Transport-Security",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
]


def _settings(module) -> dict:
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}


@pytest.fixture
def bench_site(db):
    with override_settings(
        ROOT_URLCONF=bench_settings.ROOT_URLCONF, TEMPLATES=bench_settings.TEMPLATES
    ):
        yield


def test_bench_settings_differ_from_the_product_only_in_urls_and_templates():
    bench, product = _settings(bench_settings), _settings(product_settings)
    assert bench.keys() == product.keys()
    differing = {name for name in product if bench[name] != product[name]}
    assert differing == {"ROOT_URLCONF", "TEMPLATES"}
    bench_engine, product_engine = bench["TEMPLATES"][0], product["TEMPLATES"][0]
    assert {**bench_engine, "DIRS": None} == {**product_engine, "DIRS": None}
    assert bench_engine["DIRS"] == [
        *product_engine["DIRS"],
        product_settings.BASE_DIR / "bench" / "templates",
    ]


def test_the_floor_renders_through_the_template_engine_and_context_processors(client, bench_site):
    response = client.get(reverse("bench_floor"), secure=True)
    assert response.status_code == 200
    assert "Floor." in response.content.decode()
    assert [t.name for t in response.templates] == ["bench/floor.html"]
    for name in ("request", "clinic_profile", "site_url", "CSP_NONCE"):
        assert name in response.context, name


def test_the_floor_gets_the_same_headers_as_a_product_page(client, bench_site):
    floor = client.get("/bench/floor/", secure=True)
    home = client.get("/", secure=True)
    assert floor.status_code == home.status_code == 200
    for header in SECURITY_HEADERS:
        assert floor[header] == home[header], header

    def policy(response):
        return re.sub(r"'nonce-[^']+'", "'nonce'", response["Content-Security-Policy"])

    assert policy(floor) == policy(home)
    assert floor.cookies.keys() == home.cookies.keys()


def test_the_floor_answers_get_only(client, bench_site):
    assert client.post("/bench/floor/", secure=True).status_code == 405


def test_the_bench_urlconf_keeps_every_product_page_and_the_404_handler(client, bench_site):
    assert reverse("home") == "/"
    assert client.get("/", secure=True).status_code == 200
    missing = client.get("/no-such-page/", secure=True)
    assert missing.status_code == 404
    assert "404.html" in [t.name for t in missing.templates]
