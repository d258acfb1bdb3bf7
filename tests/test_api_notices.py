"""/api/v1/notices/ (api:notice-list, api:notice-detail, api:notice-read): the user's own in-app
notices, newest first, `unread=true` for the unread ones; reading one does not mark it read
(a GET writes nothing), POST …/read/ does (a read-only token: 403); another user's notice is
404; every role of tests/api_setup.ROLES.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_notices.py
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance.models import Notice
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import make_team
from tests.factories import NoticeFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:notice-list")


def detail(notice) -> str:
    return reverse("api:notice-detail", args=[notice.pk])


def read(notice) -> str:
    return reverse("api:notice-read", args=[notice.pk])


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def notice(team):
    """A notice to unit A's filler."""
    return NoticeFactory(recipient=team.filler, subject="【绩效通】2025 年度绩效自评即将截止",
                         body="测试单位：1 个项目未提交\n请尽快填报。", url="/projects/1/")


def test_the_list_is_the_user_s_own_newest_first(team, notice):
    older = NoticeFactory(recipient=team.filler)
    Notice.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    NoticeFactory(recipient=team.reviewer)
    body = bearer(team.filler).get(LIST).json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [notice.pk, older.pk]
    first = body["results"][0]
    assert {k: first[k] for k in ("subject", "body", "url", "read_at", "read")} == {
        "subject": notice.subject, "body": "测试单位：1 个项目未提交\n请尽快填报。",
        "url": "/projects/1/", "read_at": None, "read": False}
    assert first["created_at"]


def test_unread_lists_only_the_unread(team, notice):
    seen = NoticeFactory(recipient=team.filler, read_at=timezone.now())
    client = bearer(team.filler)
    assert {i["id"] for i in client.get(LIST, {"unread": "true"}).json()["results"]} == {notice.pk}
    assert {i["id"] for i in client.get(LIST).json()["results"]} == {notice.pk, seen.pk}
    assert client.get(LIST, {"unread": "maybe"}).status_code == 400


def test_a_link_outside_the_site_is_not_given(team):
    NoticeFactory(recipient=team.filler, url="https://example.com/phish")
    (item,) = bearer(team.filler).get(LIST).json()["results"]
    assert item["url"] == ""


def test_reading_a_notice_does_not_mark_it_read(team, notice):
    response = bearer(team.filler).get(detail(notice))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["read"]) == (notice.pk, False)
    notice.refresh_from_db()
    assert notice.read_at is None


def test_post_read_marks_it_read_once(team, notice):
    client = bearer(team.filler)
    response = client.post(read(notice))
    assert response.status_code == 200
    assert response.json()["read"] is True
    notice.refresh_from_db()
    first = notice.read_at
    assert first is not None
    assert client.post(read(notice)).json()["read_at"] == response.json()["read_at"]
    notice.refresh_from_db()
    assert notice.read_at == first


def test_another_user_s_notice_is_404_and_stays_unread(team, notice):
    client = bearer(team.outsider)
    assert client.get(detail(notice)).status_code == 404
    assert client.post(read(notice)).status_code == 404
    assert client.get(reverse("api:notice-detail", args=[999999])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_read_only_token_reads_but_cannot_mark_read(team, notice):
    client = role_clients(team)["read_only"]
    assert client.get(detail(notice)).status_code == 200
    refused = client.post(read(notice))
    assert refused.status_code == 403
    assert "只读" in refused.json()["detail"]
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_browser_s_session_must_send_its_csrf_token(team, notice):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(team.filler)
    assert browser.get(detail(notice)).status_code == 200
    assert browser.post(read(notice)).status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


# who may do what: each role's own notice, and unit A's filler's notice
OWN = {
    # role: (list, own detail, own read, A's filler's detail, A's filler's read)
    "anonymous": (401, None, None, 401, 401),
    "revoked": (401, None, None, 401, 401),
    "expired": (401, None, None, 401, 401),
    "filler_a": (200, 200, 200, 200, 200),
    "read_only": (200, 200, 403, 200, 403),
    "filler_b": (200, 200, 200, 404, 404),
    "reviewer": (200, 200, 200, 404, 404),
    "department": (200, 200, 200, 404, 404),
    "finance": (200, 200, 200, 404, 404),  # sees every unit, not another person's notices
}


def test_every_role_reaches_only_its_own_notices(team, notice):
    from tests.adjust_setup import department_reviewer

    department = department_reviewer(team.unit)
    clients = role_clients(team, department)
    owner = {"filler_b": team.outsider, "reviewer": team.reviewer, "department": department,
             "finance": team.finance, "read_only": team.filler, "filler_a": team.filler}
    assert set(ROLES) == set(OWN)
    for role, (listing, own_get, own_read, a_get, a_read) in OWN.items():
        client = clients[role]
        response = client.get(LIST)
        assert response.status_code == listing, role
        if listing == 200:
            ids = {item["id"] for item in response.json()["results"]}
            assert (notice.pk in ids) == (owner[role] == team.filler), role
        if own_get is not None:
            own = NoticeFactory(recipient=owner[role])
            assert client.get(detail(own)).status_code == own_get, role
            assert client.post(read(own)).status_code == own_read, role
        assert client.get(detail(notice)).status_code == a_get, role
        Notice.objects.filter(pk=notice.pk).update(read_at=None)
        assert client.post(read(notice)).status_code == a_read, role
        notice.refresh_from_db()
        assert (notice.read_at is not None) == (a_read == 200), role


def test_the_list_s_queries_do_not_grow_with_the_notices(team, notice, django_assert_num_queries):
    client = bearer(team.filler)
    client.get(LIST)  # the token's last use is stamped once
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST).json()["count"] == 1
    NoticeFactory.create_batch(20, recipient=team.filler)
    with django_assert_num_queries(len(captured.captured_queries)):
        assert len(client.get(LIST).json()["results"]) == 21
