import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from budget.demo import ADMIN, STAFF, create_demo_users
from budget.models import Membership, Role


def test_demo_users_are_created_and_printed(seeded, capsys):
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert f"用户名 {ADMIN.username}  密码 {ADMIN.password}" in out
    assert f"用户名 {STAFF.username}  密码 {STAFF.password}" in out
    admin = authenticate(username=ADMIN.username, password=ADMIN.password)
    staff = authenticate(username=STAFF.username, password=STAFF.password)
    assert admin.is_superuser
    assert not staff.is_superuser
    assert Membership.objects.filter(user=staff, unit__code="342601", role=Role.FILLER).exists()


def test_demo_users_can_be_created_twice(seeded):
    create_demo_users()
    create_demo_users()
    assert Membership.objects.count() == 1


def test_demo_users_are_refused_in_production(seeded, settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        create_demo_users()


def test_staff_demo_user_sees_projects_in_the_admin(seeded, client):
    create_demo_users()
    client.login(username=STAFF.username, password=STAFF.password)
    assert client.get("/admin/budget/project/").status_code == 200
