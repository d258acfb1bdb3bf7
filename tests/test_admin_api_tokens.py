"""API tokens in the admin (accounts/admin.py ApiTokenAdmin): listed with owner, prefix, scope
and state, searched and filtered; read-only (the digest is never an input); revoked by the
action or the button, and created for a user with the plaintext shown once — both through
accounts.tokens, so audited."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, SecurityEvent, SecurityEventKind, TokenScope
from accounts.tokens import create_token, digest, revoke_token
from tests.entry_setup import UNUSABLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:accounts_apitoken_changelist")
ADD = reverse("admin:accounts_apitoken_add")
PLAINTEXT = re.compile(r"jxt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def owner():
    return UserFactory(username="zhang.filler", first_name="张填报", password=UNUSABLE)


def change_url(token):
    return reverse("admin:accounts_apitoken_change", args=[token.pk])


def revoke_url(token):
    return reverse("admin:accounts_apitoken_revoke", args=[token.pk])


def events(kind):
    return SecurityEvent.objects.filter(kind=kind)


def test_the_list_shows_owner_name_prefix_scope_and_state(admin_client, owner):
    live = create_token(owner, "一体化同步", TokenScope.READ_WRITE, 30).token
    gone = create_token(owner, "旧报表", TokenScope.READ, 30).token
    revoke_token(gone, owner)
    page = admin_client.get(LIST).content.decode()
    for text in ("zhang.filler", "一体化同步", f"{live.prefix}…", "读写", "有效", "已吊销"):
        assert text in page
    assert live.digest not in page


def test_the_list_takes_the_same_queries_for_one_and_ten_tokens(admin_client, owner):
    def count():
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(LIST).status_code == 200
        return len(context.captured_queries)

    create_token(owner, "0", TokenScope.READ, 30)
    one = count()
    for n in range(9):
        create_token(UserFactory(password=UNUSABLE), str(n), TokenScope.READ, 30)
    assert count() == one


@pytest.mark.parametrize("query", ["zhang.filler", "张填报", "一体化", "PREFIX"])
def test_search_by_owner_name_and_prefix(admin_client, owner, query):
    mine = create_token(owner, "一体化同步", TokenScope.READ, 30).token
    other = create_token(UserFactory(username="li", password=UNUSABLE), "报表", TokenScope.READ,
                         30).token
    query = mine.prefix if query == "PREFIX" else query
    page = admin_client.get(LIST, {"q": query}).content.decode()
    assert change_url(mine) in page and change_url(other) not in page


def test_filter_by_scope_and_state(admin_client, owner):
    reader = create_token(owner, "只读的", TokenScope.READ, 30).token
    writer = create_token(owner, "读写的", TokenScope.READ_WRITE, 30).token
    revoke_token(writer, owner)
    page = admin_client.get(LIST, {"scope__exact": TokenScope.READ}).content.decode()
    assert change_url(reader) in page and change_url(writer) not in page
    page = admin_client.get(LIST, {"state": "revoked"}).content.decode()
    assert change_url(writer) in page and change_url(reader) not in page
    page = admin_client.get(LIST, {"state": "live"}).content.decode()
    assert change_url(reader) in page and change_url(writer) not in page


def test_a_tokens_page_is_read_only(admin_client, owner):
    token = create_token(owner, "同步", TokenScope.READ, 30).token
    page = admin_client.get(change_url(token)).content.decode()
    assert token.digest in page  # shown, never as an input
    assert not re.search(r'<(input|select|textarea)[^>]*name="(digest|prefix|name|scope|'
                         r'expires_at|user)"', page)
    response = admin_client.post(change_url(token), {"name": "改名", "scope": "read_write"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert (token.name, token.scope) == ("同步", TokenScope.READ)


def test_the_revoke_action_goes_through_the_service(admin_client, superuser, owner):
    first = create_token(owner, "a", TokenScope.READ, 30).token
    second = create_token(owner, "b", TokenScope.READ, 30).token
    revoke_token(second, owner)
    response = admin_client.post(LIST, {"action": "revoke_selected",
                                        "_selected_action": [first.pk, second.pk]}, follow=True)
    assert "已吊销 1 个令牌。" in response.content.decode()
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_by == superuser
    assert events(SecurityEventKind.TOKEN_REVOKED).filter(user=superuser).count() == 1
    response = admin_client.post(LIST, {"action": "revoke_selected",
                                        "_selected_action": [first.pk]}, follow=True)
    assert "所选令牌均已吊销" in response.content.decode()


def test_tokens_are_revoked_not_deleted_in_bulk(admin_client):
    page = admin_client.get(LIST).content.decode()
    assert "revoke_selected" in page and "delete_selected" not in page


def test_the_revoke_button_on_a_tokens_page(admin_client, superuser, owner):
    token = create_token(owner, "同步", TokenScope.READ, 30).token
    page = admin_client.get(change_url(token)).content.decode()
    assert revoke_url(token) in page and "data-confirm=" in page and "js/site.js" in page
    assert admin_client.get(revoke_url(token)).status_code == 405
    response = admin_client.post(revoke_url(token))
    assert response.status_code == 302 and response["Location"] == change_url(token)
    token.refresh_from_db()
    assert token.revoked_by == superuser
    page = admin_client.get(change_url(token)).content.decode()
    assert "已吊销令牌" in page and revoke_url(token) not in page
    admin_client.post(revoke_url(token))
    assert events(SecurityEventKind.TOKEN_REVOKED).count() == 1


def test_staff_who_may_only_view_cannot_revoke(client, owner):
    viewer = UserFactory(username="viewer", is_staff=True, password=UNUSABLE)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(viewer)
    token = create_token(owner, "同步", TokenScope.READ, 30).token
    assert client.get(LIST).status_code == 200
    assert revoke_url(token) not in client.get(change_url(token)).content.decode()
    assert client.post(revoke_url(token)).status_code == 403
    client.post(LIST, {"action": "revoke_selected", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_admin_creates_a_token_for_a_user_and_sees_it_once(admin_client, superuser, owner):
    assert admin_client.get(ADD).status_code == 200
    response = admin_client.post(ADD, {"user": owner.pk, "name": "OA 对接",
                                       "scope": TokenScope.READ_WRITE, "days": "60"}, follow=True)
    page = response.content.decode()
    plaintext = PLAINTEXT.search(page).group(0)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (owner, "OA 对接", TokenScope.READ_WRITE)
    assert token.digest == digest(plaintext)
    assert (token.expires_at - token.created_at).days == 60
    assert "只显示这一次" in page
    assert not PLAINTEXT.search(admin_client.get(LIST).content.decode())
    assert not PLAINTEXT.search(admin_client.get(change_url(token)).content.decode())
    created = events(SecurityEventKind.TOKEN_CREATED).get()
    assert created.user == owner and plaintext not in created.detail + created.target


def test_a_refused_creation_shows_the_services_words(admin_client, owner, settings):
    settings.API_TOKENS_PER_USER = 1
    create_token(owner, "已有", TokenScope.READ, 30)
    response = admin_client.post(ADD, {"user": owner.pk, "name": "第二个",
                                       "scope": TokenScope.READ, "days": "30"})
    assert response.status_code == 200
    assert "有效令牌已达上限（1 个）" in response.content.decode()
    response = admin_client.post(ADD, {"user": owner.pk, "name": "长期",
                                       "scope": TokenScope.READ, "days": "9999"})
    assert "有效期须在 1 至" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_the_admins_new_plaintext_is_in_no_cookie_and_no_session(admin_client, owner):
    response = admin_client.post(ADD, {"user": owner.pk, "name": "OA 对接",
                                       "scope": TokenScope.READ, "days": "30"})
    assert response.status_code == 200  # the answer itself, no redirect through a message
    plaintext = PLAINTEXT.search(response.content.decode()).group(0)
    assert all(plaintext not in morsel.value for morsel in admin_client.cookies.values())
    assert plaintext not in str(dict(admin_client.session))
