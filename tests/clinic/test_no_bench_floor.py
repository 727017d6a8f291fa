"""The product serves no benchmark page: only bench.settings routes the floor."""

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, Resolver404, resolve, reverse


def test_the_product_urlconf_has_no_floor_route():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor")


def test_the_product_templates_do_not_include_the_floor():
    with pytest.raises(TemplateDoesNotExist):
        get_template("bench/floor.html")


@pytest.mark.django_db
def test_the_floor_address_is_not_found_on_the_site(client):
    assert client.get("/bench/floor/", secure=True).status_code == 404
