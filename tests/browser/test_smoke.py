import pytest

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_on_a_phone_has_no_console_errors_or_accessibility_violations(
    phone_page, live_server
):

    phone_page.goto(live_server.url + "/")
    assert phone_page.locator("h1").count() == 1
    assert phone_page.get_by_role("link", name="Book a consultation").first.is_visible()
    assert phone_page.console_errors == []
    assert axe_violations(phone_page) == []


def test_phone_menu_opens_with_the_keyboard(phone_page, live_server):
    phone_page.goto(live_server.url + "/")
    toggle = phone_page.get_by_role("button", name="Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not phone_page.get_by_role("link", name="Contact", exact=True).first.is_visible()
    toggle.focus()
    phone_page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone_page.get_by_role("link", name="Contact", exact=True).first.is_visible()


def test_menu_is_open_without_javascript(browser, live_server):
    from tests.browser.conftest import PHONE, open_page

    context, page = open_page(browser, viewport=PHONE, java_script_enabled=False)
    page.goto(live_server.url + "/")
    assert page.get_by_role("link", name="Contact", exact=True).first.is_visible()
    context.close()
