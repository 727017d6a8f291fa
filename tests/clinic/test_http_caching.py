"""What browsers, nginx and a CDN may keep: public pages with a validator, answered 304
without a query; everything one visitor's private and never stored."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from bookings.links import manage_token
from clinic import page_cache
from clinic.models import ClinicProfile, PrivacyNotice
from tests.clinic.test_outages import clock, flaky  # noqa: F401
from tests.factories import ConsultationFactory, UserFactory
from tests.treatments.conftest import microneedling  # noqa: F401
from tests.treatments.helpers import SECTION_PATHS
from tests.treatments.helpers import form_data as fields_of
from treatments.services import treatment_content_changed

pytestmark = pytest.mark.django_db

PUBLIC_PATHS = [
    "/",
    "/contact/",
    "/privacy/",
    "/robots.txt",
    "/sitemap.xml",
    "/treatments/",
    *SECTION_PATHS.values(),
]
OVERVIEW = SECTION_PATHS["overview"]


@pytest.fixture
def site(microneedling, privacy_notice):  # noqa: F811
    """The seeded treatment pages and a privacy notice in force."""
    return microneedling


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def assert_public(response, *, validator: bool = True):
    assert {"public", "max-age=60", "s-maxage=300"} <= directives(response)
    assert not directives(response) & {"private", "no-store", "no-cache"}
    assert not response.cookies
    if validator:
        assert response["ETag"].startswith('"') and response["ETag"].endswith('"')  # strong
    else:
        assert "ETag" not in response
    assert "Last-Modified" not in response


def assert_private(response):
    assert {"private", "no-store"} <= directives(response)
    assert "public" not in directives(response)
    assert not any(d.startswith("s-maxage") for d in directives(response))
    assert "ETag" not in response
    assert "Last-Modified" not in response


# --- public pages ---------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_each_public_page_may_be_kept_by_browsers_and_shared_caches(client, site, path):
    first = client.get(path)
    assert first.status_code == 200
    assert_public(first)
    again = client.get(path)  # from the page cache, where the page has one
    assert_public(again)
    assert again["ETag"] == first["ETag"]


def test_every_public_page_has_its_own_etag(client, site):
    tags = {client.get(path)["ETag"] for path in PUBLIC_PATHS}
    assert len(tags) == len(PUBLIC_PATHS)


def test_the_ages_come_from_the_settings(client, site, settings):
    settings.PUBLIC_MAX_AGE = 30
    settings.PUBLIC_S_MAXAGE = 600
    assert {"public", "max-age=30", "s-maxage=600"} <= directives(client.get(OVERVIEW))


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_a_current_copy_is_answered_304_without_a_query_or_a_body(
    client, site, django_assert_num_queries, path
):
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(0):
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "Content-Length" not in response
    assert "X-Page-Cache" not in response  # not even the stored page was read
    assert_public(response)


def test_a_304_renders_nothing(client, site, monkeypatch):
    etag = client.get(OVERVIEW)["ETag"]
    monkeypatch.setattr(page_cache, "_in_process", {})

    def no_render(*args, **kwargs):
        raise AssertionError("rendered for a 304")

    monkeypatch.setattr("treatments.views.render", no_render)
    assert client.get(OVERVIEW, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(OVERVIEW, HTTP_IF_NONE_MATCH=f'"x", {etag}').status_code == 304


def test_an_old_copy_gets_the_whole_page(client, site):
    response = client.get(OVERVIEW, HTTP_IF_NONE_MATCH='"an-old-tag"')
    assert response.status_code == 200
    assert b"Microneedling" in response.content
    assert_public(response)


def test_a_staff_edit_changes_the_etag_at_once(client, site):
    before = {path: client.get(path)["ETag"] for path in PUBLIC_PATHS}
    treatment_content_changed()
    for path, etag in before.items():
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200, path
        assert response["ETag"] != etag, path


def test_saving_the_clinic_profile_in_admin_changes_the_home_pages_etag(admin_client, site):
    visitor = Client()
    etag = visitor.get("/")["ETag"]
    profile = ClinicProfile.current()
    fields = ("name", "tagline", "street_address", "locality", "region", "postal_code")
    fields += ("country", "phone", "whatsapp", "email", "hours_text")
    data = {field: getattr(profile, field) for field in fields} | {"phone": "+92 51 1112223"}
    if profile.pk is None:
        response = admin_client.post("/admin/clinic/clinicprofile/add/", data)
    else:
        response = admin_client.post(f"/admin/clinic/clinicprofile/{profile.pk}/change/", data)
    assert response.status_code == 302
    response = visitor.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "+92 51 1112223" in response.content.decode()


def test_a_privacy_notice_taking_over_changes_the_privacy_pages_etag(
    client, site, privacy_notice, monkeypatch
):
    now = timezone.now()
    later = PrivacyNotice.objects.create(
        version="later", effective_from=now + dt.timedelta(hours=1), summary="New.", body="New."
    )
    etag = client.get("/privacy/")["ETag"]
    assert client.get("/privacy/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(hours=2))
    response = client.get("/privacy/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert later.version in response.content.decode()


@pytest.mark.parametrize("path", [OVERVIEW, "/privacy/", "/robots.txt"])
def test_head_answers_like_get_with_the_same_headers(client, site, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Cache-Control", "ETag", "Content-Type", "Vary"):
        assert head.get(header) == got.get(header), header
    assert client.head(path, HTTP_IF_NONE_MATCH=got["ETag"]).status_code == 304


def test_public_pages_keep_vary_cookie_so_caches_keep_signed_in_visitors_apart(client, site):
    assert "Cookie" in client.get(OVERVIEW)["Vary"]


def test_a_query_string_gets_no_validator(client, site):
    response = client.get(OVERVIEW, {"utm_source": "instagram"})
    assert_public(response, validator=False)


def test_while_the_cache_is_down_no_validator_is_sent(client, site, flaky):  # noqa: F811
    etag = client.get(OVERVIEW)["ETag"]
    flaky.down = True
    for _ in range(2):
        response = client.get(OVERVIEW, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert_public(response, validator=False)


def test_once_the_cache_is_back_the_validator_returns(client, site, flaky, clock):  # noqa: F811
    flaky.down = True
    assert "ETag" not in client.get(OVERVIEW)
    flaky.down = False
    clock.now += page_cache.BACKOFF_SECONDS
    etag = client.get(OVERVIEW)["ETag"]
    assert client.get(OVERVIEW, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_cache_answering_says_whether_the_last_numbers_are_real(flaky, clock):  # noqa: F811
    page_cache.content_version()
    assert page_cache.cache_answering()
    flaky.down = True
    page_cache.content_version()
    assert not page_cache.cache_answering()
    flaky.down = False
    clock.now += page_cache.BACKOFF_SECONDS
    assert not page_cache.cache_answering()  # until a call succeeds and renews them
    page_cache.content_version()
    assert page_cache.cache_answering()


# --- private pages --------------------------------------------------------------------


def test_the_booking_pages_are_private(client, form_data, first_free):
    data = form_data()
    day = timezone.localdate(first_free(), timezone.get_current_timezone()).isoformat()
    first_step = client.get("/book/")
    assert "csrfmiddlewaretoken" not in first_step.content.decode()
    with_form = client.get("/book/", {"treatment": data["treatment"], "date": day})
    assert "csrfmiddlewaretoken" in with_form.content.decode()
    refused = client.post("/book/", {**data, "email": "not an address"})
    sent = client.post("/book/", data)
    assert sent.status_code == 302
    done = client.get(sent["Location"])
    assert done.status_code == 200
    for response in (first_step, with_form, refused, sent, done):
        assert_private(response)


def test_the_first_booking_step_stays_private_even_without_a_token(client, form_data):
    # Its free days change with every booking: a shared copy would offer taken times.
    response = Client().get("/book/")
    assert not response.cookies
    assert_private(response)


def test_the_manage_pages_are_private(client, treatment, first_free, privacy_notice):
    start = first_free(40)
    consultation = ConsultationFactory(treatment=treatment, starts_at=start)
    token = manage_token(consultation)
    for suffix in ("", "move/", "aftercare/"):
        response = client.get(f"/manage/{token}/{suffix}")
        assert response.status_code in (200, 404), suffix
        assert_private(response)


def test_the_question_form_is_private(client, site):
    response = client.get("/treatments/microneedling/ask/")
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert_private(response)


def test_the_admin_is_private(admin_client):
    assert_private(admin_client.get("/admin/"))
    assert_private(Client().get("/admin/login/"))


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_a_signed_in_staff_members_view_of_a_public_page_is_private(admin_client, site, path):
    etag = Client().get(path)["ETag"]
    response = admin_client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200  # never the public copy's 304
    assert_private(response)


def test_a_signed_in_visitors_session_makes_a_page_private_even_without_a_cookie(rf, site):
    # The session every signed-in request renews normally sets a cookie; the rule does
    # not depend on it.
    from django.http import HttpResponse

    from clinic.middleware import HttpCacheMiddleware

    user = UserFactory()
    client = Client()
    client.force_login(user)
    request = rf.get(OVERVIEW)
    request.session = client.session
    assert SESSION_KEY in request.session  # read, as the page did
    request.user = AnonymousUser()
    answer = HttpResponse("page")
    setattr(answer, page_cache.PUBLIC_PAGE, True)
    assert_private(HttpCacheMiddleware(lambda request: answer)(request))


def test_a_page_with_a_message_is_private(client, site):
    ask = client.get("/treatments/microneedling/ask/")
    data = fields_of(ask) | {"name": "Amina", "email": "amina@example.com"}
    sent = client.post("/treatments/microneedling/ask/", data | {"question": "Sun after?"})
    assert_private(sent)
    shown = client.get(SECTION_PATHS["faq"])
    assert "your question has reached the clinic" in shown.content.decode()
    assert_private(shown)
    assert_public(client.get(SECTION_PATHS["faq"]))  # the message is gone


def test_a_previous_visitors_old_session_cookie_is_deleted_in_a_private_answer(client, site):
    client.cookies["sessionid"] = "expired-or-forged"
    response = client.get(OVERVIEW)
    assert response.cookies["sessionid"].value == ""
    assert_private(response)
    del client.cookies["sessionid"]  # as a browser does with a cookie deleted
    assert_public(client.get(OVERVIEW))
