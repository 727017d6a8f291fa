import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.auth import login_staff
from tests.factories import UserFactory
from treatments.seed import ensure_microneedling


@pytest.fixture
def microneedling(db):
    """The seeded microneedling treatment (restored if a flushed database lost it)."""
    return ensure_microneedling()


@pytest.fixture
def staff_user(db):
    user = UserFactory(username="previewer")
    user.user_permissions.add(Permission.objects.get(codename="view_treatment"))
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_superuser=True)


@pytest.fixture
def admin_client(admin_user):
    """A logged-in superuser's browser, separate from the anonymous `client`."""
    staff_client = Client()
    return login_staff(staff_client, admin_user)


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
