"""Demo accounts for `make demo`: fixed, printed credentials, refused in production."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

from .models import Membership, Role, Unit

DEMO_UNIT = "342601"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    description: str


ADMIN = DemoAccount("admin", "jxt-admin-2025", "管理员（Django 管理后台全部权限）")
STAFF = DemoAccount("tianbao", "jxt-staff-2025", f"{DEMO_UNIT} 单位填报人")


@transaction.atomic
def create_demo_users() -> list[DemoAccount]:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("演示账号不能在生产模式（APP_ENV=production）下创建")
    unit = Unit.objects.get(code=DEMO_UNIT)

    admin = _user(ADMIN, is_staff=True, is_superuser=True)
    admin.first_name = "管理员"
    admin.save(update_fields=["first_name"])

    staff = _user(STAFF, is_staff=True, is_superuser=False)
    staff.first_name = "填报人"
    staff.save(update_fields=["first_name"])
    # Until the unit pages exist, the filler works in the admin: it may read the targets
    # and enter the values of a period.
    staff.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=["budget", "performance"], codename__startswith="view_")
            | Q(codename__in=["add_indicatorrecord", "change_indicatorrecord",
                              "add_projectrecord", "change_projectrecord"])
        )
    )
    Membership.objects.get_or_create(user=staff, unit=unit, role=Role.FILLER)
    return [ADMIN, STAFF]


def _user(account: DemoAccount, *, is_staff: bool, is_superuser: bool) -> User:
    user, _ = User.objects.get_or_create(username=account.username)
    user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
    user.set_password(account.password)
    user.save()
    return user
