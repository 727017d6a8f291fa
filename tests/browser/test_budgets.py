"""Budgets in a real browser: every public page fetches nothing from another origin and has
no axe-core violations, and neither has the booking form when it shows its errors.

Public pages are every <loc> of /sitemap.xml (mapped to the live server) plus the treatment
list and /book/ (``ALWAYS``), as audit/run.py audits them.
"""

import importlib
import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import PHONE, axe_violations, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Checked besides the sitemap's pages (which should hold them), as audit/run.py does.
ALWAYS = ["/treatments/", "/book/"]


def seed_content() -> None:
    """Transactional tests flush the database: put back what the data migrations made."""
    from django.apps import apps

    clinic_defaults = importlib.import_module("clinic.migrations.0002_default_content")
    clinic_defaults.create_defaults(apps, None)
    try:
        from treatments.seed import ensure_microneedling
    except ImportError:
        pass
    else:
        ensure_microneedling()
    try:
        from bookings.seed import ensure_booking_defaults
    except ImportError:
        pass
    else:
        ensure_booking_defaults()


@pytest.fixture(autouse=True)
def _content(transactional_db):
    seed_content()


def origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def public_urls(page, live_server) -> list[str]:
    response = page.request.get(live_server.url + "/sitemap.xml")
    assert response.ok
    paths = [urlparse(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", response.text())]
    assert "/" in paths
    return [live_server.url + path for path in dict.fromkeys([*paths, *ALWAYS])]


def record_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def test_public_pages_fetch_only_from_their_own_origin_and_pass_axe(browser, live_server):
    context, page = open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    requests = record_requests(page)
    foreign: dict[str, list[str]] = {}
    violations: dict[str, list[dict]] = {}
    try:
        urls = public_urls(page, live_server)
        for url in urls:
            requests.clear()
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 200, url
            page.wait_for_load_state("networkidle")
            others = [r for r in requests if not r.startswith("data:")]
            others = [r for r in others if origin(r) != origin(live_server.url)]
            if others:
                foreign[url] = others
            found = axe_violations(page)
            if found:
                violations[url] = found
    finally:
        context.close()
    assert len(urls) >= 8
    assert foreign == {}, "requests to other origins"
    assert violations == {}, "axe-core violations"


def test_booking_form_error_state_passes_axe_and_stays_on_our_origin(browser, live_server):
    """Submit the booking form on /book/ without filling anything in.

    When /book/ first asks for a treatment and a day (a GET form), that step is taken
    with the first choices offered, then the consultation form is sent empty.
    """
    context, page = open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    requests = record_requests(page)
    try:
        page.goto(live_server.url + "/book/")
        if page.locator('form[method="post"]').count() == 0:
            step = page.locator('form[method="get"]').first
            assert step.count() == 1, "/book/ shows neither the booking form nor a first step"
            for select in step.locator("select").all():
                values = select.locator("option").evaluate_all(
                    "options => options.map(o => o.value).filter(Boolean)"
                )
                if values:
                    select.select_option(values[0])
            with page.expect_navigation():
                step.evaluate("form => form.requestSubmit()")
        form = page.locator('form[method="post"]').first
        assert form.count() == 1, "no booking form on /book/ after choosing a treatment and day"
        submit = form.locator('button[type="submit"], input[type="submit"]')
        with page.expect_navigation():
            if submit.count():
                submit.first.click()
            else:
                form.evaluate("form => form.requestSubmit()")
        assert page.url.startswith(live_server.url + "/book/")
        assert page.locator('[aria-invalid="true"], .invalid-feedback, .errorlist').count() > 0, (
            "the empty form came back without error messages"
        )
        assert axe_violations(page) == []
        assert [r for r in requests if origin(r) != origin(live_server.url)] == []
    finally:
        context.close()
