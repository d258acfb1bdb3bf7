"""The notice list at /notices/, marking read, and the unread badge of the header."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import Notice
from tests.factories import NoticeFactory, UserFactory


@pytest.fixture
def alice(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return UserFactory(username="alice")


@pytest.fixture
def client_of(alice):
    def login(user=alice):
        client = Client()
        client.force_login(user)
        return client
    return login


def test_notice_list_requires_login(db):
    response = Client().get("/notices/")

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_user_sees_only_their_own_notices_newest_first(alice, client_of):
    NoticeFactory(recipient=alice, subject="旧通知")
    NoticeFactory(recipient=alice, subject="新通知", body="详见 http://127.0.0.1:8000/notices/")
    NoticeFactory(recipient=UserFactory(username="bob"), subject="别人的通知")

    response = client_of().get(reverse("notices:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("新通知") < html.index("旧通知") and "别人的通知" not in html
    # a link into the site opens on this host (SITE_URL may name another)
    assert '<a href="/notices/">http://127.0.0.1:8000/notices/</a>' in html
    assert "全部标为已读（2）" in html


def test_unread_filter_hides_read_notices(alice, client_of):
    NoticeFactory(recipient=alice, subject="未读的")
    read = NoticeFactory(recipient=alice, subject="读过的")
    Notice.objects.filter(pk=read.pk).update(read_at="2025-08-01T00:00:00Z")

    html = client_of().get("/notices/?unread=1").content.decode()

    assert "未读的" in html and "读过的" not in html


def test_marking_a_notice_read_is_a_post_with_csrf(alice):
    notice = NoticeFactory(recipient=alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = reverse("notices:read", args=[notice.pk])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no CSRF token
    token = client.get(reverse("notices:list")).context["csrf_token"]
    response = client.post(url, {"csrfmiddlewaretoken": str(token)})

    assert response.status_code == 302 and response["Location"] == reverse("notices:list")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mark_read_and_open_goes_to_the_notice_link(alice, client_of):
    notice = NoticeFactory(recipient=alice, url="/review/")

    response = client_of().post(reverse("notices:read", args=[notice.pk]), {"open": "1"})

    assert response["Location"] == "/review/"


def test_another_users_notice_is_404_and_stays_unread(alice, client_of):
    notice = NoticeFactory(recipient=UserFactory(username="bob"))

    response = client_of().post(reverse("notices:read", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_marks_only_ones_own(alice, client_of):
    NoticeFactory.create_batch(3, recipient=alice)
    other = NoticeFactory(recipient=UserFactory(username="bob"))

    client_of().post(reverse("notices:read_all"))

    assert not Notice.objects.filter(recipient=alice, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_notice_list_queries_do_not_grow_with_notices(alice, client_of):
    client = client_of()

    def queries(count):
        NoticeFactory.create_batch(count, recipient=alice)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notices/").status_code == 200
        return len(ctx)

    assert queries(2) == queries(25) <= 6


def test_badge_shows_the_unread_count_and_links_to_the_list(alice, rf):
    NoticeFactory.create_batch(3, recipient=alice)
    NoticeFactory(recipient=UserFactory(username="bob"))
    request = rf.get("/")
    request.user = alice

    html = render_to_string("includes/notices_badge.html", request=request)

    assert 'href="/notices/"' in html and '<span class="badge rounded-pill text-bg-danger">3</span>' in html


def test_badge_without_unread_notices_has_no_count_and_no_query_until_used(alice, rf):
    from performance.reminders.context_processors import notices

    request = rf.get("/")
    request.user = alice
    with CaptureQueriesContext(connection) as ctx:
        notices(request)
    assert len(ctx) == 0

    html = render_to_string("includes/notices_badge.html", request=request)
    assert "通知" in html and "badge" not in html


def test_a_notice_opens_as_a_page_with_its_text_and_a_clickable_link_and_is_then_read(
        alice, client_of):
    notice = NoticeFactory(recipient=alice, subject="【绩效通】项目“甲”已退回修改",
                           body="原因：<b>第二行</b>有误\n请修改后重新提交",
                           url="/projects/7/?period=2025-final")
    html = client_of().get(f"/notices/{notice.pk}/").content.decode()
    assert "【绩效通】项目“甲”已退回修改" in html
    assert "&lt;b&gt;第二行&lt;/b&gt;" in html and "<b>第二行" not in html  # escaped
    assert "<br>" in html  # line breaks kept
    assert 'id="notice-link" href="/projects/7/?period=2025-final">查看项目</a>' in html
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_the_list_links_each_notice_to_its_page(alice, client_of):
    notice = NoticeFactory(recipient=alice)
    assert f'href="/notices/{notice.pk}/"' in client_of().get("/notices/").content.decode()


def test_another_users_notice_page_is_404_and_stays_unread(alice, client_of):
    other = NoticeFactory(recipient=UserFactory(username="bob"))
    assert client_of().get(f"/notices/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_notice_link_outside_the_site_is_not_offered(alice, client_of):
    notice = NoticeFactory(recipient=alice, url="https://evil.example/x")
    assert 'id="notice-link"' not in client_of().get(f"/notices/{notice.pk}/").content.decode()


def test_links_in_a_notices_text_are_clickable_and_site_links_open_on_this_host(
        alice, client_of, settings):
    settings.SITE_URL = "http://jxt.example.gov.cn"
    notice = NoticeFactory(recipient=alice, body=(
        "查看项目：http://jxt.example.gov.cn/projects/7/?period=2025-final\n"
        "说明：https://docs.example.org/a?b=1&c=<x>"))
    html = client_of().get(f"/notices/{notice.pk}/").content.decode()
    assert ('查看项目：<a href="/projects/7/?period=2025-final">'
            "http://jxt.example.gov.cn/projects/7/?period=2025-final</a>") in html
    assert '<a href="https://docs.example.org/a?b=1&amp;c=">' in html and "&lt;x&gt;" in html
