"""The owner's reports page as it reads on a phone."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.bookings.admin.test_reports import URL, busy_diary
from tests.factories import TreatmentFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reports_page_reads_on_a_phone(browser, live_server, tmp_path):
    """Signed in with password and code, the page fits a 390-pixel phone: no sideways
    scrolling of the page (wide tables scroll in their own box), pictures as wide as
    the screen, no errors (a CSP refusal would be one). The screenshot is kept in
    ``REPORTS_SCREENSHOTS`` (a folder) when set, to look at."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bookings.seed import ensure_booking_defaults
    from tests.browser.conftest import PHONE, open_page

    ensure_booking_defaults()
    busy_diary(TreatmentFactory(name="Microneedling", sessions_max=6, weeks_between_max=6))
    owner = UserFactory(username="owner", is_superuser=True)
    device = TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    context, page = open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#id_token")
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#site-name")
    page.goto(f"{live_server.url}{reverse(URL)}?start=2026-03-02&end=2026-03-29")
    page.wait_for_selector("#screening")
    folder = Path(os.environ.get("REPORTS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "reports-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = page.eval_on_selector_all(
        ".report-chart svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)"
    )
    assert len(widths) == 12 and min(widths) >= 330
    assert page.get_by_role("img", name=re.compile("^Requests per week by source")).count() == 1
    assert page.console_errors == []
    context.close()
