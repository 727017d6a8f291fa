import pytest

from tests.browser.conftest import PHONE, axe_violations, open_page
from treatments.seed import ensure_microneedling

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/treatments/",
    "/treatments/microneedling/",
    "/treatments/microneedling/benefits/",
    "/treatments/microneedling/process/",
    "/treatments/microneedling/aftercare/",
    "/treatments/microneedling/contraindications/",
    "/treatments/microneedling/faq/",
    "/treatments/microneedling/ask/",
]


@pytest.fixture(autouse=True)
def _content(transactional_db):
    """Transactional tests flush the database: put the seeded treatment back."""
    ensure_microneedling()


@pytest.mark.parametrize("path", PAGES)
def test_treatment_page_on_a_phone_has_no_accessibility_violations_or_console_errors(
    phone_page, live_server, path
):
    phone_page.goto(live_server.url + path)
    assert phone_page.locator("h1").count() == 1
    assert phone_page.console_errors == []
    assert axe_violations(phone_page) == []
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "no sideways scrolling on a phone"


def test_desktop_overview_has_no_accessibility_violations(desktop_page, live_server):
    desktop_page.goto(live_server.url + "/treatments/microneedling/")
    assert axe_violations(desktop_page) == []


def test_a_patient_can_walk_the_section_without_javascript(browser, live_server):
    context, page = open_page(browser, viewport=PHONE, java_script_enabled=False)
    page.goto(live_server.url + "/treatments/microneedling/")
    page.get_by_role("navigation", name="Microneedling pages").get_by_role(
        "link", name="Aftercare"
    ).click()
    assert page.url.endswith("/treatments/microneedling/aftercare/")
    assert page.get_by_role("heading", level=1).inner_text() == "Aftercare after microneedling"
    assert page.get_by_text("broad-spectrum sunscreen").first.is_visible()
    page.locator("main").get_by_role("link", name="Book a consultation").first.click()
    assert "/book/?treatment=microneedling" in page.url
    context.close()


def test_a_patient_can_ask_a_question_without_javascript(browser, live_server):
    context, page = open_page(browser, viewport=PHONE, java_script_enabled=False)
    page.goto(live_server.url + "/treatments/microneedling/ask/")
    page.get_by_label("Your name").fill("Sana")
    page.get_by_label("Your email").fill("not an email")
    page.get_by_label("Your question").fill("Does it hurt on the forehead?")
    page.get_by_role("button", name="Send my question").click()
    assert page.get_by_text("does not look like an email").first.is_visible()
    assert page.get_by_label("Your question").input_value() == "Does it hurt on the forehead?"
    page.get_by_label("Your email").fill("sana@example.com")
    page.get_by_role("button", name="Send my question").click()
    assert page.get_by_text("your question has reached the clinic").is_visible()
    context.close()
