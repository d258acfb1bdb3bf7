"""Login lockout (django-axes, docs/security.md): AXES_FAILURE_LIMIT wrong passwords for one
user name from one address lock it for AXES_COOLOFF_MINUTES on both login pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
PASSWORD = "pw-for-tests"
START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


@pytest.fixture
def user():
    return UserFactory(username="zhangsan")


@pytest.fixture
def staff():
    return UserFactory(username="admin1", is_staff=True, is_superuser=True)


def attempt(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password, "next": "/"}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_the_sixth_attempt_is_refused_even_with_the_right_password(url, user, staff):
    target = staff if url == ADMIN_LOGIN else user
    client = Client()
    for _ in range(4):
        response = attempt(client, url, target.username, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = attempt(client, url, target.username, "wrong")
    assert response.status_code == 429 and "账号已锁定" in response.content.decode()
    response = attempt(client, url, target.username, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)


def test_the_lockout_page_says_for_how_long_in_chinese(user):
    client = Client()
    for _ in range(5):
        response = attempt(client, LOGIN, user.username, "wrong")
    page = response.content.decode()
    assert "连续 5 次输入错误的密码" in page and "30 分钟后再试" in page
    assert "zhangsan" in page


def test_five_wrong_passwords_then_the_right_one_still_logs_in_below_the_limit(user):
    client = Client()
    for _ in range(4):
        attempt(client, LOGIN, user.username, "wrong")
    response = attempt(client, LOGIN, user.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_the_lockout_ends_after_the_cool_off(user):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        for _ in range(5):
            attempt(client, LOGIN, user.username, "wrong")
        traveller.shift(timedelta(minutes=29))
        assert attempt(client, LOGIN, user.username, PASSWORD).status_code == 429
        # An attempt during the lockout starts the cool-off again (docs/security.md).
        traveller.shift(timedelta(minutes=29))
        assert attempt(client, LOGIN, user.username, PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=31))
        response = attempt(client, LOGIN, user.username, PASSWORD)
        assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_resets_the_count(user):
    client = Client()
    for _ in range(4):
        attempt(client, LOGIN, user.username, "wrong")
    attempt(client, LOGIN, user.username, PASSWORD)
    client.post(reverse("logout"))
    for _ in range(4):
        assert attempt(client, LOGIN, user.username, "wrong").status_code == 200
    assert attempt(client, LOGIN, user.username, PASSWORD).status_code == 302


def test_the_lockout_holds_for_the_user_name_from_that_address_only(user):
    for _ in range(5):
        attempt(Client(), LOGIN, user.username, "wrong", REMOTE_ADDR="10.0.0.9")
    assert attempt(Client(), LOGIN, user.username, PASSWORD,
                   REMOTE_ADDR="10.0.0.9").status_code == 429
    other_address = Client()
    assert attempt(other_address, LOGIN, user.username, PASSWORD,
                   REMOTE_ADDR="10.0.0.10").status_code == 302
    colleague = UserFactory(username="lisi")
    assert attempt(Client(), LOGIN, colleague.username, PASSWORD,
                   REMOTE_ADDR="10.0.0.9").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(user):
    for n in range(5):
        attempt(Client(), LOGIN, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = attempt(Client(), LOGIN, user.username, PASSWORD,
                       HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_behind_the_proxy_the_address_is_the_one_nginx_sets(user, settings):
    settings.BEHIND_PROXY = True
    for _ in range(5):  # every request comes from nginx's 127.0.0.1; X-Real-IP names the client
        attempt(Client(), LOGIN, user.username, "wrong", REMOTE_ADDR="127.0.0.1",
                HTTP_X_REAL_IP="10.0.0.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert attempt(Client(), LOGIN, user.username, PASSWORD, REMOTE_ADDR="127.0.0.1",
                   HTTP_X_REAL_IP="10.0.0.9", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 429
    assert attempt(Client(), LOGIN, user.username, PASSWORD, REMOTE_ADDR="127.0.0.1",
                   HTTP_X_REAL_IP="10.0.0.10").status_code == 302


def test_an_administrator_unlocks_with_the_command(user):
    for _ in range(5):
        attempt(Client(), LOGIN, user.username, "wrong")
    call_command("axes_reset_username", user.username)
    client = Client()
    assert attempt(client, LOGIN, user.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_in_the_admin(user, staff):
    from axes.models import AccessAttempt

    for _ in range(5):
        attempt(Client(), LOGIN, user.username, "wrong")
    attempt_row = AccessAttempt.objects.get(username=user.username)
    admin = Client()
    admin.force_login(staff)
    url = reverse("admin:axes_accessattempt_delete", args=[attempt_row.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert attempt(Client(), LOGIN, user.username, PASSWORD).status_code == 302
