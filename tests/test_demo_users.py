import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from budget.demo import ACCOUNTS, ADMIN, DEPARTMENT, FINANCE, REVIEWER, STAFF, create_demo_users
from budget.models import Membership, Role


def authenticate(**credentials):
    """Django's authenticate as the login page calls it: django-axes needs the request."""
    return django_authenticate(RequestFactory().post(reverse("login")), **credentials)


def test_demo_users_are_created_and_printed(seeded, capsys):
    call_command("create_demo_users")
    out = capsys.readouterr().out
    for account in ACCOUNTS:
        assert f"用户名 {account.username}  密码 {account.password}" in out
        assert authenticate(username=account.username, password=account.password) is not None
    assert authenticate(username=ADMIN.username, password=ADMIN.password).is_superuser
    staff = authenticate(username=STAFF.username, password=STAFF.password)
    assert not staff.is_staff
    assert Membership.objects.filter(user=staff, unit__code="342601", role=Role.FILLER).exists()
    assert Membership.objects.filter(user__username=REVIEWER.username, unit__code="342601",
                                     role=Role.UNIT_REVIEWER).exists()
    assert Membership.objects.filter(user__username=FINANCE.username, unit=None,
                                     role=Role.FINANCE_REVIEWER).exists()
    assert Membership.objects.filter(user__username=DEPARTMENT.username, unit=None,
                                     department__units__code="342601",
                                     role=Role.DEPARTMENT_REVIEWER).exists()


def test_demo_users_can_be_created_twice(seeded):
    create_demo_users()
    create_demo_users()
    assert Membership.objects.count() == 4


def test_demo_users_are_refused_in_production(seeded, settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        create_demo_users()


def test_demo_filler_sees_the_units_projects_on_the_home_page(seeded, client):
    create_demo_users()
    client.post(reverse("login"), {"username": STAFF.username, "password": STAFF.password})
    response = client.get("/")
    assert response.status_code == 200
    assert "社会保险信息网络建设维护费" in response.content.decode()
