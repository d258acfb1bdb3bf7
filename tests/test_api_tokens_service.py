"""accounts.tokens: a token is stored hashed with a short prefix, lives 1…API_TOKEN_MAX_DAYS
days, is limited in number per user, is revoked once (audited once), and is refused with a
Chinese reason when unknown, revoked, expired or its owner inactive; its last use is written at
most once a minute."""

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import ApiToken, SecurityEvent, SecurityEventKind, TokenScope
from accounts.tokens import (
    LAST_USED_EVERY,
    TokenRefused,
    create_token,
    live_tokens,
    revoke_token,
    token_for,
)
from tests.entry_setup import UNUSABLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def owner():
    return UserFactory(username="owner", password=UNUSABLE)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def events(kind):
    return SecurityEvent.objects.filter(kind=kind)


# -- creating --

def test_a_token_is_stored_only_as_its_digest_with_a_short_prefix(owner):
    new = create_token(owner, "一体化同步", TokenScope.READ_WRITE, 30)
    plaintext, token = new.plaintext, ApiToken.objects.get()
    assert plaintext.startswith("jxt_") and len(plaintext) == 4 + 43
    assert token.digest == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.prefix == plaintext[:12] and plaintext.startswith(token.prefix)
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(plaintext in value for value in stored)
    assert (token.user, token.name, token.scope) == (owner, "一体化同步", TokenScope.READ_WRITE)


def test_two_tokens_never_share_a_digest_or_plaintext(owner):
    first, second = (create_token(owner, "a", TokenScope.READ, 30) for _ in range(2))
    assert first.plaintext != second.plaintext
    assert first.token.digest != second.token.digest


def test_creating_is_audited_with_scope_and_expiry(owner):
    with time_machine.travel(NOW, tick=False):
        new = create_token(owner, "报表工具", TokenScope.READ, 30)
    event = events(SecurityEventKind.TOKEN_CREATED).get()
    assert event.user == owner and new.token.prefix in event.target
    assert "只读" in event.detail and "2026-04-01" in event.detail
    assert new.plaintext not in event.target + event.detail


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("days", [1, 365])
def test_the_lifetime_may_be_one_to_the_maximum_days(owner, settings, days):
    settings.API_TOKEN_MAX_DAYS = 365
    token = create_token(owner, "a", TokenScope.READ, days).token
    assert token.created_at == NOW and token.expires_at == NOW + timedelta(days=days)


@time_machine.travel(NOW, tick=False)
def test_without_a_lifetime_the_default_applies(owner, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 90
    assert create_token(owner, "a").token.expires_at == NOW + timedelta(days=90)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_lifetime_out_of_bounds_is_refused(owner, settings, days):
    settings.API_TOKEN_MAX_DAYS = 365
    assert errors_of(lambda: create_token(owner, "a", TokenScope.READ, days)) == {
        "days": ["有效期须在 1 至 365 天之间。"]}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_blank_name_is_refused(owner, name):
    assert errors_of(lambda: create_token(owner, name, TokenScope.READ, 30)) == {
        "name": ["请填写令牌名称（用途）。"]}
    assert not ApiToken.objects.exists() and not events(SecurityEventKind.TOKEN_CREATED).exists()


def test_the_name_is_trimmed_and_a_long_one_refused(owner):
    assert create_token(owner, "  同步  ", TokenScope.READ, 30).token.name == "同步"
    assert "name" in errors_of(lambda: create_token(owner, "名" * 101, TokenScope.READ, 30))


def test_an_unknown_scope_is_refused(owner):
    assert errors_of(lambda: create_token(owner, "a", "admin", 30)) == {
        "scope": ["权限范围只能是“只读”或“读写”。"]}


def test_every_problem_is_reported_at_once(owner):
    assert set(errors_of(lambda: create_token(owner, "", "admin", 0))) == {"name", "scope", "days"}


def test_too_many_live_tokens_are_refused_until_one_is_revoked(owner, settings):
    settings.API_TOKENS_PER_USER = 2
    first = create_token(owner, "a", TokenScope.READ, 30).token
    create_token(owner, "b", TokenScope.READ, 30)
    message = errors_of(lambda: create_token(owner, "c", TokenScope.READ, 30))["name"][0]
    assert "有效令牌已达上限（2 个）" in message
    assert ApiToken.objects.count() == 2
    revoke_token(first, owner)
    create_token(owner, "c", TokenScope.READ, 30)
    assert live_tokens(owner).count() == 2


def test_expired_tokens_and_other_users_tokens_do_not_count(owner, settings):
    settings.API_TOKENS_PER_USER = 1
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        create_token(owner, "old", TokenScope.READ, 1)
    create_token(UserFactory(password=UNUSABLE), "theirs", TokenScope.READ, 30)
    with time_machine.travel(NOW, tick=False):
        create_token(owner, "new", TokenScope.READ, 30)
        assert list(live_tokens(owner).values_list("name", flat=True)) == ["new"]


# -- revoking --

def test_a_token_is_revoked_once_and_audited_once(owner):
    admin = UserFactory(username="admin", password=UNUSABLE)
    token = create_token(owner, "a", TokenScope.READ, 30).token
    assert revoke_token(token, admin) is True
    assert revoke_token(token, owner) is False
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin
    event = events(SecurityEventKind.TOKEN_REVOKED).get()
    assert event.user == admin and "owner" in event.target and token.prefix in event.target


def test_revoking_is_a_conditional_update_so_a_stale_copy_does_not_revoke_again(owner,
                                                                               django_assert_num_queries):
    token = create_token(owner, "a", TokenScope.READ, 30).token
    stale = ApiToken.objects.get(pk=token.pk)
    revoke_token(token, owner)
    with django_assert_num_queries(1):  # the UPDATE … WHERE revoked_at IS NULL, nothing else
        assert revoke_token(stale, owner) is False
    assert events(SecurityEventKind.TOKEN_REVOKED).count() == 1


# -- presenting a token --

def test_a_live_token_gives_itself_and_its_owner(owner, django_assert_num_queries):
    new = create_token(owner, "a", TokenScope.READ, 30)
    with django_assert_num_queries(2):  # the token with its owner; the last use
        token = token_for(new.plaintext, ip="10.0.0.7")
    assert token == new.token and token.user == owner
    with django_assert_num_queries(0):
        assert token.user.username == "owner"  # loaded with the token


@pytest.mark.parametrize("presented", ["jxt_unknown", "ghp_abcdef", "", "jxt_" + "a" * 200])
def test_an_unknown_or_malformed_token_is_refused(owner, presented):
    create_token(owner, "a", TokenScope.READ, 30)
    with pytest.raises(TokenRefused, match="^API 令牌无效。$"):
        token_for(presented)


def test_a_revoked_token_is_refused(owner):
    new = create_token(owner, "a", TokenScope.READ, 30)
    revoke_token(new.token, owner)
    with pytest.raises(TokenRefused, match="^API 令牌已吊销。$"):
        token_for(new.plaintext)


def test_an_expired_token_is_refused_with_its_expiry_time(owner):
    with time_machine.travel(NOW, tick=False):
        new = create_token(owner, "a", TokenScope.READ, 1)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):  # the very moment
        with pytest.raises(TokenRefused, match="^API 令牌已于 2026-03-03 09:30 过期。$"):
            token_for(new.plaintext)


def test_the_token_of_an_inactive_owner_is_refused(owner):
    new = create_token(owner, "a", TokenScope.READ, 30)
    owner.is_active = False
    owner.save()
    with pytest.raises(TokenRefused, match="^令牌所有人的账号已停用。$"):
        token_for(new.plaintext)


def test_a_refused_token_records_no_use(owner):
    new = create_token(owner, "a", TokenScope.READ, 30)
    revoke_token(new.token, owner)
    with pytest.raises(TokenRefused):
        token_for(new.plaintext, ip="10.0.0.7")
    assert ApiToken.objects.get().last_used_at is None


def test_the_last_use_is_written_at_most_once_a_minute(owner, django_assert_num_queries):
    new = create_token(owner, "a", TokenScope.READ, 30)

    def stored():
        return ApiToken.objects.values_list("last_used_at", "last_used_ip").get()

    with time_machine.travel(NOW, tick=False) as clock:
        with django_assert_num_queries(2):  # read + the first use
            token_for(new.plaintext, ip="10.0.0.1")
        assert stored() == (NOW, "10.0.0.1")
        clock.shift(LAST_USED_EVERY - timedelta(seconds=1))
        with django_assert_num_queries(1):  # read only: the last use is fresh enough
            token = token_for(new.plaintext, ip="10.0.0.2")
        assert token.last_used_at == NOW and stored() == (NOW, "10.0.0.1")
        clock.shift(timedelta(seconds=1))
        with django_assert_num_queries(2):
            token = token_for(new.plaintext, ip="10.0.0.2")
        assert stored() == (NOW + LAST_USED_EVERY, "10.0.0.2") == (token.last_used_at,
                                                                   token.last_used_ip)
