"""Demo accounts for `make demo`: fixed, printed credentials, refused in production."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import Membership, Role, Unit

DEMO_UNIT = "342601"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    first_name: str
    description: str
    role: str | None  # None: the administrator, who has no unit role


ADMIN = DemoAccount("admin", "jxt-admin-2025", "管理员", "管理员（Django 管理后台全部权限）", None)
STAFF = DemoAccount("tianbao", "jxt-staff-2025", "田填报", f"{DEMO_UNIT} 单位填报人", Role.FILLER)
REVIEWER = DemoAccount(
    "shenhe", "jxt-review-2025", "沈审核", f"{DEMO_UNIT} 单位审核人", Role.UNIT_REVIEWER
)
DEPARTMENT = DemoAccount(
    "zhuguan", "jxt-department-2025", "朱主管", f"{DEMO_UNIT} 所属主管部门审核人",
    Role.DEPARTMENT_REVIEWER,
)
FINANCE = DemoAccount(
    "caizheng", "jxt-finance-2025", "蔡财政", "财政审核人（可查看全部单位）", Role.FINANCE_REVIEWER
)
ACCOUNTS = (ADMIN, STAFF, REVIEWER, DEPARTMENT, FINANCE)


@transaction.atomic
def create_demo_users() -> list[DemoAccount]:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("演示账号不能在生产模式（APP_ENV=production）下创建")
    unit = Unit.objects.get(code=DEMO_UNIT)
    for account in ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        user.first_name = account.first_name
        user.is_active = True
        user.is_staff = user.is_superuser = account.role is None
        user.set_password(account.password)
        user.save()
        if account.role == Role.DEPARTMENT_REVIEWER:
            if unit.department_id is not None:
                Membership.objects.get_or_create(user=user, department_id=unit.department_id,
                                                 role=account.role)
        elif account.role is not None:
            Membership.objects.get_or_create(
                user=user,
                unit=None if account.role == Role.FINANCE_REVIEWER else unit,
                role=account.role,
            )
    return list(ACCOUNTS)
