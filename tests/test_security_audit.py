"""The security audit log (accounts.SecurityEvent, docs/security.md): each kind of event is
recorded with the user, the address and the time; the admin shows it, searchable and
read-only, to whoever may view it."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.middleware import AuditDownloadsMiddleware, attachment_name
from accounts.models import SecurityEvent
from accounts.models import SecurityEventKind as Kind
from budget.models import Membership
from performance.services.period_lock import (
    PeriodRefused,
    lock_period,
    relock_unit,
    unlock_period,
    unlock_unit,
)
from tests.entry_setup import make_team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
IP = "10.20.30.40"
PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def user():
    return UserFactory(username="zhangsan")


@pytest.fixture
def superuser_client():
    client = Client(REMOTE_ADDR=IP)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def only(kind) -> SecurityEvent:
    (event,) = SecurityEvent.objects.filter(kind=kind)
    return event


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_login_is_recorded_with_user_address_and_time(clock, user):
    login(Client(REMOTE_ADDR=IP), "zhangsan", PASSWORD)
    event = only(Kind.LOGIN)
    assert (event.user, event.username, event.ip, event.at) == (user, "zhangsan", IP, NOW)
    assert event.path == reverse("login")


def test_a_failed_login_keeps_the_typed_name(clock):
    login(Client(REMOTE_ADDR=IP), "no-such-user", "wrong")
    event = only(Kind.LOGIN_FAILED)
    assert (event.user, event.username, event.ip, event.at) == (None, "no-such-user", IP, NOW)
    assert "wrong" not in event.detail


def test_a_lockout_is_recorded_and_each_refused_attempt_after_it(clock, user, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client(REMOTE_ADDR=IP)
    for _ in range(5):
        login(client, "zhangsan", "wrong")
    event = only(Kind.LOCKOUT)
    assert (event.username, event.ip, event.at, event.target) == ("zhangsan", IP, NOW, "zhangsan")
    login(client, "zhangsan", PASSWORD)
    refused = SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).first()
    assert refused.detail == "账号已锁定，登录被拒绝"
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN_FAILED).count() == 6
    assert not SecurityEvent.objects.filter(kind=Kind.LOGIN).exists()


def test_a_logout_is_recorded(clock, user):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    client.post(reverse("logout"))
    event = only(Kind.LOGOUT)
    assert (event.user, event.ip, event.at) == (user, IP, NOW)


def test_a_password_change_on_the_page_is_recorded(clock, user):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Jixiao-2026-x",
        "new_password2": "Jixiao-2026-x"})
    event = only(Kind.PASSWORD_CHANGED)
    assert (event.user, event.ip, event.at, event.detail) == (user, IP, NOW, "")


def test_a_password_set_by_an_administrator_names_them(clock, user, superuser_client):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = superuser_client.post(url, {"password1": "Jixiao-2026-y",
                                           "password2": "Jixiao-2026-y", "usable_password": "true"})
    assert response.status_code == 302
    event = SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED).first()
    assert (event.user, event.ip, event.detail) == (user, IP, "由 root 设置")


def test_a_download_is_recorded_as_an_export(clock):
    team = make_team()
    client = Client(REMOTE_ADDR=IP)
    client.force_login(team.filler)
    response = client.get(reverse("entry:export"))
    assert response.status_code == 200
    event = only(Kind.EXPORT)
    assert (event.user, event.ip, event.at) == (team.filler, IP, NOW)
    assert event.target.endswith(".xlsx") and event.detail == reverse("entry:export")


def test_a_page_or_a_refused_download_is_no_export(user):
    request = RequestFactory().get("/x", REMOTE_ADDR=IP)
    request.user = user
    plain = AuditDownloadsMiddleware(lambda r: HttpResponse("page"))
    plain(request)
    refused = HttpResponse(status=403)
    refused["Content-Disposition"] = 'attachment; filename="a.xlsx"'
    AuditDownloadsMiddleware(lambda r: refused)(request)
    assert not SecurityEvent.objects.exists()


@pytest.mark.parametrize(("header", "name"), [
    ('attachment; filename="项目.xlsx"', "项目.xlsx"),
    ("attachment; filename=report.pdf", "report.pdf"),
    ("attachment; filename=\"x.xlsx\"; filename*=utf-8''%E9%A1%B9%E7%9B%AE.xlsx", "项目.xlsx"),
    ("inline; filename=a.pdf", None),
    ("", None),
])
def test_the_downloaded_file_name_is_read_from_the_header(header, name):
    assert attachment_name(header) == name


def test_period_lock_and_unlock_are_recorded_by_the_service(clock):
    team = make_team()
    lock_period(team.period, team.finance, "填报截止")
    unlock_unit(team.period, team.unit, team.finance, "更正数据")
    relock_unit(team.period, team.unit, team.finance)
    unlock_period(team.period, team.finance, "重新填报")
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", "user", "at"))
    by = team.finance.pk
    assert kinds == [(Kind.PERIOD_LOCK, by, NOW), (Kind.PERIOD_UNLOCK, by, NOW),
                     (Kind.PERIOD_LOCK, by, NOW), (Kind.PERIOD_UNLOCK, by, NOW)]
    first = SecurityEvent.objects.order_by("id").first()
    assert team.period.code in first.target and "填报截止" in first.detail
    assert team.unit.code in SecurityEvent.objects.order_by("id")[1].target


def test_a_refused_lock_records_nothing():
    team = make_team()
    with pytest.raises(PeriodRefused):
        lock_period(team.period, team.filler, "填报截止")
    assert not SecurityEvent.objects.exists()


def test_an_admin_change_is_recorded_with_its_message(clock, superuser_client):
    response = superuser_client.post(reverse("admin:auth_group_add"), {"name": "审计员"})
    assert response.status_code == 302
    change = only(Kind.ADMIN_CHANGE)
    assert (change.username, change.ip, change.at, change.target) == ("root", IP, NOW, "审计员")
    assert change.detail.startswith("新增 auth.group")
    assert only(Kind.ROLE_CHANGE).target == "审计员"


def log(user, obj, flag, message):
    return LogEntry.objects.create(
        user=user, content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
        object_repr=str(obj)[:200], action_flag=flag, change_message=json.dumps(message))


def test_a_membership_change_is_a_role_change():
    team = make_team()
    membership = Membership.objects.filter(user=team.filler).first()
    log(team.finance, membership, CHANGE, [{"changed": {"fields": ["Role"]}}])
    assert SecurityEvent.objects.filter(kind=Kind.ROLE_CHANGE).count() == 1


@pytest.mark.parametrize(("message", "role"), [
    ([{"changed": {"fields": ["Staff status"]}}], True),
    ([{"changed": {"fields": ["Superuser status", "Email address"]}}], True),
    ([{"added": {"name": "单位成员", "object": "张三 · 填报人"}}], True),
    ([{"changed": {"fields": ["First name"]}}], False),
])
def test_a_user_change_is_a_role_change_when_it_touches_rights(user, message, role):
    log(user, user, CHANGE, message)
    assert SecurityEvent.objects.filter(kind=Kind.ROLE_CHANGE).exists() == role
    assert SecurityEvent.objects.filter(kind=Kind.ADMIN_CHANGE).count() == 1


def test_adding_a_user_is_a_role_change(user):
    log(user, UserFactory(), ADDITION, [{"added": {}}])
    assert SecurityEvent.objects.filter(kind=Kind.ROLE_CHANGE).count() == 1


# ---------------------------------------------------------------- the admin


def test_a_superuser_searches_the_log_by_address(superuser_client):
    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="wangwu", ip="192.168.7.7")
    SecurityEvent.objects.create(kind=Kind.LOGIN, username="lisi", ip="10.0.0.1")
    url = reverse("admin:accounts_securityevent_changelist")
    page = superuser_client.get(url, {"q": "192.168.7"}).content.decode()
    assert "wangwu" in page and "lisi" not in page
    page = superuser_client.get(url, {"kind__exact": Kind.LOGIN}).content.decode()
    assert "lisi" in page and "wangwu" not in page


def test_the_log_is_read_only_even_for_a_superuser(superuser_client):
    event = SecurityEvent.objects.create(kind=Kind.LOGIN, username="lisi", ip="10.0.0.1")
    assert superuser_client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    response = superuser_client.post(
        reverse("admin:accounts_securityevent_change", args=[event.pk]), {"username": "x"})
    assert response.status_code == 403
    assert superuser_client.post(reverse("admin:accounts_securityevent_delete", args=[event.pk]),
                                 {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.get(pk=event.pk).username == "lisi"


def test_staff_without_the_view_permission_are_refused():
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 403


def test_staff_with_the_view_permission_may_search():
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_securityevent"))
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_securityevent_changelist"),
                      {"q": "x"}).status_code == 200


def test_the_password_history_is_not_in_the_admin(superuser_client):
    assert superuser_client.get("/admin/accounts/passwordhistory/").status_code == 404
