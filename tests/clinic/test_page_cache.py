"""What the page cache stores: only pages that say they are the same for every visitor."""

import pytest
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.test import Client
from django.urls import path
from django.utils.cache import patch_cache_control
from django.views.decorators.vary import vary_on_cookie

from clinic.page_cache import cached_public_page

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def _page(request, source: str = "<p>The same for everyone.</p>") -> HttpResponse:
    return HttpResponse(engines["django"].from_string(source).render(request=request))


@cached_public_page
def plain(request):
    return _page(request)


@cached_public_page
def form(request):
    return _page(request, '<form method="post">{% csrf_token %}<button>Send</button></form>')


@cached_public_page
def uses_token(request):
    return HttpResponse(f"<p>Token for scripts: {get_token(request)}</p>")


@cached_public_page
def sets_cookie(request):
    response = _page(request)
    response.set_cookie("seen", "yes")
    return response


@cached_public_page
def adds_message(request):
    messages.info(request, "Thank you.")
    return _page(request)


@cached_public_page
def private(request):
    response = _page(request)
    patch_cache_control(response, private=True)
    return response


@cached_public_page
@vary_on_cookie
def varies(request):
    return _page(request)


urlpatterns = [
    path("plain/", plain),
    path("form/", form),
    path("uses-token/", uses_token),
    path("sets-cookie/", sets_cookie),
    path("adds-message/", adds_message),
    path("private/", private),
    path("varies/", varies),
]


def visit_twice(client, url):
    first = client.get(url)
    return first, client.get(url)


def test_a_page_the_same_for_everyone_is_stored_and_served_again(client):
    first, second = visit_twice(client, "/plain/")
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_a_page_that_rendered_a_csrf_token_is_never_stored(client):
    first, second = visit_twice(client, "/form/")
    for response in (first, second):
        assert "X-Page-Cache" not in response
        assert "csrfmiddlewaretoken" in response.content.decode()
        assert "csrftoken" in response.cookies
    assert "Cookie" in first["Vary"]


def test_a_page_that_read_the_csrf_token_in_code_is_never_stored(client):
    first, second = visit_twice(client, "/uses-token/")
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second
    assert "csrftoken" in first.cookies


def test_a_page_that_set_a_cookie_is_never_stored(client):
    first, second = visit_twice(client, "/sets-cookie/")
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second
    assert second.cookies["seen"].value == "yes"


def test_a_page_that_added_a_message_is_never_stored(client):
    response = client.get("/adds-message/")
    assert "X-Page-Cache" not in response
    assert "messages" in response.cookies
    assert "X-Page-Cache" not in Client().get("/adds-message/")


@pytest.mark.parametrize("url", ["/private/", "/varies/"])
def test_a_page_marked_private_or_varying_by_cookie_is_never_stored(client, url):
    first, second = visit_twice(client, url)
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second


def test_a_head_request_stores_the_whole_page_for_the_next_get(client):
    client.head("/plain/")
    response = client.get("/plain/")
    assert response["X-Page-Cache"] == "hit"
    assert b"The same for everyone." in response.content


def test_signed_in_visitors_neither_get_nor_fill_the_stored_page(client, admin_user):
    client.force_login(admin_user)
    assert "X-Page-Cache" not in client.get("/plain/")
    client.logout()
    assert client.get("/plain/")["X-Page-Cache"] == "miss"
