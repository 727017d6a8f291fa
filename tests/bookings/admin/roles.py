"""The staff roles as the data migrations create them, and staff members holding them."""

from importlib import import_module

from django.contrib.auth.models import Group, Permission

from tests.factories import UserFactory

ROLES = ["superuser", "Reception", "Clinicians", "Content editors"]


def role_group(name: str) -> Group:
    """The group the data migrations create; rebuilt the same way if a transactional test
    flushed the database earlier in this process."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        if name == "Content editors":
            wanted = Permission.objects.filter(content_type__app_label="treatments")
        else:
            codenames = set(import_module("bookings.migrations.0003_back_office").ROLES[name])
            later = import_module("bookings.migrations.0024_reception_enters_absences")
            codenames |= set(later.GRANTS.get(name, ()))
            if name == "Clinicians":
                codenames |= {"view_consultationaccess", "view_health_record"}
            if name == "Reception":
                codenames |= {
                    "change_outboundemail",
                    "add_consultation",
                    "view_waitlistentry",
                    "change_waitlistentry",
                }
                codenames -= set(
                    import_module("bookings.migrations.0010_clinicians_read_health_records").NOTES
                )
            wanted = Permission.objects.filter(
                content_type__app_label="bookings", codename__in=codenames
            )
        group.permissions.set(wanted)
    return group


def staff(role: str, **kwargs):
    if role == "superuser":
        return UserFactory(is_superuser=True, **kwargs)
    user = UserFactory(**kwargs)
    user.groups.add(role_group(role))
    return user


def staff_with(*codenames, superuser=False):
    """A staff member holding exactly these bookings permissions."""
    user = UserFactory(is_superuser=superuser)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="bookings", codename__in=codenames)
    )
    return user
