"""Staff sign-in: throttling, two-step verification, session and caching rules."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.auth import login_staff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADMIN_INDEX = "/admin/"
LOGIN = "/admin/login/"
VERIFY = "/admin/two-factor/verify/"


def sign_in(client, user, password=PASSWORD):
    return client.post(
        LOGIN, {"username": user.username, "password": password, "next": ADMIN_INDEX}
    )


def unthrottle(device):
    """django-otp slows guessing after a failure; a patient human waits, the test resets it."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def superuser():
    return UserFactory(username="owner", is_superuser=True)


@pytest.fixture
def content_editor():
    user = UserFactory(username="editor")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="treatments"))
    return user


def test_superuser_without_a_device_is_sent_to_set_one_up(client, superuser):
    response = sign_in(client, superuser)
    assert response.status_code == 302
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_set_up_with_a_valid_code_shows_recovery_codes_once_then_opens_admin(client, superuser):
    sign_in(client, superuser)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert b"did not match" in wrong.content
    unthrottle(device)

    response = client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = StaticToken.objects.filter(device__user=superuser).values_list("token", flat=True)
    assert len(codes) == 10
    for code in codes:
        assert code in codes_page.content.decode()
    client.post(reverse("two_factor_setup"))
    assert client.get(ADMIN_INDEX).status_code == 200
    again = client.get(reverse("two_factor_setup"))
    assert codes[0] not in again.content.decode()


def test_sign_in_with_a_device_asks_for_the_code_and_refuses_a_wrong_one(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    sign_in(client, superuser)
    response = client.get(ADMIN_INDEX)
    assert response["Location"].startswith(reverse("two_factor_verify"))

    wrong = client.post(reverse("two_factor_verify"), {"token": "123456"})
    assert wrong.status_code == 200
    assert b"did not work" in wrong.content
    assert client.get(ADMIN_INDEX).status_code == 302

    unthrottle(device)
    right = client.post(reverse("two_factor_verify"), {"token": current_code(device)})
    assert right.status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_recovery_code_signs_in_once(client, superuser):
    from clinic.two_factor import new_recovery_codes

    TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    code = new_recovery_codes(superuser)[0]
    sign_in(client, superuser)
    assert client.post(reverse("two_factor_verify"), {"token": code}).status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200

    client.logout()
    sign_in(client, superuser)
    refused = client.post(reverse("two_factor_verify"), {"token": code})
    assert b"did not work" in refused.content


def test_content_editor_without_access_to_consultations_is_not_forced(client, content_editor):
    sign_in(client, content_editor)
    assert client.get(ADMIN_INDEX).status_code == 200


def test_five_failed_sign_ins_lock_the_account_for_this_address(client, superuser):
    for _ in range(5):
        sign_in(client, superuser, password="wrong password")
    locked = sign_in(client, superuser)
    assert locked.status_code == 429
    assert b"locked for 15 minutes" in locked.content
    assert client.get(ADMIN_INDEX).status_code == 302


def test_lost_device_reset_by_command_sends_staff_back_to_set_up(client, superuser):
    TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    call_command("reset_two_factor", "owner", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not TOTPDevice.objects.filter(user=superuser).exists()
    sign_in(client, superuser)
    assert client.get(ADMIN_INDEX)["Location"].startswith(reverse("two_factor_setup"))


def test_admin_pages_are_never_cached(client, superuser):
    login_staff(client, superuser)
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_sessions_expire_after_an_hour_without_activity(client, superuser, settings):
    login_staff(client, superuser)
    response = client.get(ADMIN_INDEX)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def let_the_wait_pass(device):
    """Move the last failure back by the longest wait django-otp could ask for now."""
    device.refresh_from_db()
    wait = dt.timedelta(seconds=2**device.throttling_failure_count)
    device.throttling_failure_timestamp -= wait
    device.save()


def test_a_throttled_device_refuses_even_the_right_code_until_the_wait_has_passed(
    client, superuser
):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    sign_in(client, superuser)
    assert b"did not work" in client.post(VERIFY, {"token": "111111"}).content

    refused = client.post(VERIFY, {"token": current_code(device)})
    assert refused.status_code == 200
    assert b"Too many attempts. Please wait" in refused.content
    assert client.get(ADMIN_INDEX).status_code == 302

    let_the_wait_pass(device)
    assert client.post(VERIFY, {"token": current_code(device)}).status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200


def test_set_up_says_to_wait_after_a_wrong_code_rather_than_refusing_the_right_one(
    client, superuser
):
    sign_in(client, superuser)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    client.post(reverse("two_factor_setup"), {"token": "000000"})

    refused = client.post(reverse("two_factor_setup"), {"token": current_code(device)})
    assert b"Too many attempts. Please wait" in refused.content
    let_the_wait_pass(device)
    assert (
        client.post(reverse("two_factor_setup"), {"token": current_code(device)}).status_code == 302
    )


def test_a_mistyped_app_code_leaves_the_recovery_codes_usable_at_once(client, superuser):
    from clinic.two_factor import new_recovery_codes

    TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    code = new_recovery_codes(superuser)[0]
    sign_in(client, superuser)
    assert b"did not work" in client.post(VERIFY, {"token": "123456"}).content
    assert client.post(VERIFY, {"token": code}).status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200


def test_an_app_code_typed_with_a_space_is_accepted(client, superuser):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    sign_in(client, superuser)
    code = current_code(device)
    assert client.post(VERIFY, {"token": f"{code[:3]} {code[3:]}"}).status_code == 302
