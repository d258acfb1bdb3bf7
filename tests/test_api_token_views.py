"""我的 API 令牌 (accounts/token_views.py): every signed-in user sees, creates and revokes only
their own tokens; a new token's plaintext is in the answer to the creating POST only — not on a
reload, in the session, a message, a URL or a log; the page keeps to the CSP."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, SecurityEvent, SecurityEventKind, TokenScope
from accounts.tokens import create_token, digest
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens")
PLAINTEXT = re.compile(r"jxt_[A-Za-z0-9_-]{43}")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)


@pytest.fixture
def team():
    return make_team()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows_of(page: str) -> dict[int, str]:
    """The list's rows by token id."""
    return {int(pk): row for pk, row in
            re.findall(r'<tr class="token" data-token="(\d+)">(.*?)</tr>', page, re.DOTALL)}


def revoke_url(token) -> str:
    return reverse("api_token_revoke", args=[token.pk])


def test_the_user_menu_links_to_the_page(team):
    assert f'href="{PAGE}"' in signed_in(team.filler).get(reverse("entry:home")).content.decode()


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider", "finance"])
def test_each_user_sees_only_their_own_tokens(team, who):
    made = {role: create_token(user, f"{role} 的令牌", TokenScope.READ, 30).token
            for role, user in team.people().items()}
    page = signed_in(getattr(team, who)).get(PAGE).content.decode()
    for role, token in made.items():
        assert (f"{role} 的令牌" in page) is (role == who)
        assert (token.prefix in page) is (role == who)


def test_the_list_shows_scope_dates_last_use_and_state(team):
    live = create_token(team.filler, "同步", TokenScope.READ_WRITE, 30).token
    ApiToken.objects.filter(pk=live.pk).update(last_used_ip="10.1.2.3",
                                               last_used_at=live.created_at)
    gone = create_token(team.filler, "旧的", TokenScope.READ, 30).token
    ApiToken.objects.filter(pk=gone.pk).update(revoked_at=gone.created_at)
    rows = rows_of(signed_in(team.filler).get(PAGE).content.decode())
    assert "读写" in rows[live.pk] and "10.1.2.3" in rows[live.pk] and "有效" in rows[live.pk]
    assert f"{live.prefix}…" in rows[live.pk]
    assert "只读" in rows[gone.pk] and "从未使用" in rows[gone.pk] and "已吊销" in rows[gone.pk]
    assert revoke_url(live) in rows[live.pk] and revoke_url(gone) not in rows[gone.pk]


def test_an_expired_token_is_shown_as_expired_without_a_revoke_button(team):
    token = create_token(team.filler, "过期的", TokenScope.READ, 1).token
    ApiToken.objects.filter(pk=token.pk).update(created_at=token.created_at - timedelta(days=3),
                                                expires_at=token.created_at - timedelta(days=2))
    row = rows_of(signed_in(team.filler).get(PAGE).content.decode())[token.pk]
    assert "已过期" in row and revoke_url(token) not in row


def test_creating_shows_the_plaintext_once(team, caplog):
    client = signed_in(team.filler)
    with caplog.at_level(logging.DEBUG):
        response = client.post(PAGE, {"name": "预算一体化", "scope": TokenScope.READ_WRITE,
                                      "days": "30"})
    assert response.status_code == 200  # the answer itself: no redirect, no URL to it
    page = response.content.decode()
    plaintext = PLAINTEXT.search(page).group(0)
    token = ApiToken.objects.get(user=team.filler)
    assert token.digest == digest(plaintext) and token.scope == TokenScope.READ_WRITE
    assert "只显示这一次" in page
    assert "no-store" in response["Cache-Control"]
    assert not any(plaintext in record.getMessage() for record in caplog.records)
    assert plaintext not in str(dict(client.session)) and plaintext not in str(client.cookies)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_CREATED).count() == 1
    again = client.get(PAGE).content.decode()
    assert plaintext not in again and not PLAINTEXT.search(again)
    assert token.prefix in again


def test_the_form_defaults_to_read_only_and_the_default_lifetime(team, settings):
    settings.API_TOKEN_DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS = 60, 120
    page = signed_in(team.filler).get(PAGE).content.decode()
    assert re.search(r'value="read" checked', page)
    assert 'value="60" min="1" max="120"' in page


def test_a_refused_creation_shows_the_services_words_and_keeps_the_input(team):
    response = signed_in(team.filler).post(PAGE, {"name": "", "scope": "admin", "days": "400"})
    page = response.content.decode()
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "请填写令牌名称（用途）。" in page and "权限范围只能是“只读”或“读写”。" in page
    assert "有效期须在 1 至 365 天之间。" in page and 'value="400"' in page
    assert not PLAINTEXT.search(page)


def test_a_lifetime_that_is_not_a_number_is_refused(team):
    page = signed_in(team.filler).post(PAGE, {"name": "a", "scope": "read", "days": "九十"})
    assert "有效期须为整数天数。" in page.content.decode() and not ApiToken.objects.exists()


def test_the_live_token_limit_is_shown(team, settings):
    settings.API_TOKENS_PER_USER = 1
    create_token(team.filler, "a", TokenScope.READ, 30)
    page = signed_in(team.filler).post(PAGE, {"name": "b", "scope": "read", "days": "30"})
    assert "有效令牌已达上限（1 个）" in page.content.decode()
    assert ApiToken.objects.count() == 1


def test_a_user_revokes_their_own_token(team):
    token = create_token(team.reviewer, "报表", TokenScope.READ, 30).token
    client = signed_in(team.reviewer)
    response = client.post(revoke_url(token))
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == team.reviewer
    assert "已吊销令牌“报表”" in client.get(PAGE).content.decode()
    response = client.post(revoke_url(token), follow=True)
    assert "此前已吊销" in response.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REVOKED).count() == 1


@pytest.mark.parametrize("who", ["reviewer", "outsider", "finance"])
def test_revoking_someone_elses_token_is_not_found(team, who):
    token = create_token(team.filler, "a", TokenScope.READ, 30).token
    assert signed_in(getattr(team, who)).post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_is_a_post_and_the_button_asks_first(team):
    token = create_token(team.filler, "a", TokenScope.READ, 30).token
    client = signed_in(team.filler)
    assert client.get(revoke_url(token)).status_code == 405
    assert 'data-confirm="确定吊销令牌“a”吗？' in client.get(PAGE).content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(team):
    token = create_token(team.filler, "a", TokenScope.READ, 30).token
    login = reverse("login")
    for response in (Client().get(PAGE), Client().post(PAGE, {"name": "a", "scope": "read",
                                                               "days": "30"}),
                     Client().post(revoke_url(token))):
        assert response.status_code == 302 and response["Location"].startswith(login)
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_the_list_takes_the_same_queries_for_one_and_ten_tokens(team, django_assert_num_queries):
    client = signed_in(team.filler)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(PAGE).status_code == 200
        return len(context.captured_queries)

    create_token(team.filler, "0", TokenScope.READ, 30)
    one = count()
    for n in range(9):
        create_token(team.filler, str(n + 1), TokenScope.READ, 30)
    with django_assert_num_queries(one):
        client.get(PAGE)
    assert one <= 12


def test_the_page_has_no_inline_script_and_carries_the_policy(team):
    create_token(team.filler, "a", TokenScope.READ, 30)
    for response in (signed_in(team.filler).get(PAGE),
                     signed_in(team.filler).post(PAGE, {"name": "b", "scope": "read",
                                                        "days": "30"})):
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page) and not INLINE_HANDLER.search(page)
        assert "script-src 'self'" in response["Content-Security-Policy"]
