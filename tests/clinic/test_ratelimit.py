"""The client's address behind our proxy, for per-address limits."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "forwarded",
    ["not-an-address", "203.0.113.9, <script>", "999.1.1.1", "unknown", " , ", "203.0.113.9 x"],
)
def test_a_malformed_forwarded_for_from_our_proxy_falls_back_to_the_connecting_address(
    client, forwarded
):
    response = client.post(
        "/book/", {"full_name": "Ayesha"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert response.status_code < 500
    login = client.post(
        "/admin/login/",
        {"username": "nobody", "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert login.status_code == 200


def test_the_address_our_proxy_wrote_is_the_one_limited(client, settings):
    from django.test import RequestFactory

    from clinic.ratelimit import client_ip

    factory = RequestFactory()
    through_proxy = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"
    )
    assert client_ip(through_proxy) == "203.0.113.9"
    # Anyone but our proxy could forge the header: their own address counts.
    forged = factory.get("/", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(forged) == "192.0.2.7"
    broken = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, junk")
    assert client_ip(broken) == "127.0.0.1"
